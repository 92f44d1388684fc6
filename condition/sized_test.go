package condition

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// sizedExprs take the sized path: their cost depends only on values read
// from constant keys and on the answer.
var sizedExprs = []string{
	`contact.tags.exists(t, t.startsWith("b"))`,
	`contact.lifecyclestage == "lead" && contact.tags.exists(t, t == "vip")`,
	`contact.lifecyclestage == "lead" || "vip" in contact.tags`,
	`answers.size == "large" && contact.tags.all(t, t.size() < 10)`,
	`contact.tags.all(t, contact.tags.exists(u, u == t))`,
	`has(contact.tags) && contact.tags.filter(t, t.contains(answer)).size() > 0`,
	`contact.tags.map(t, t + contact.lifecyclestage).exists(t, t.endsWith("lead"))`,
	`contact.lifecyclestage.contains(answer) || contact.lifecyclestage.matches("^l+$")`,
}

func TestSizedInputsRecognised(t *testing.T) {
	forSizedExprs(t, []uint64{DefaultCostLimit}, func(_ uint64, _ *Env, c *Condition) {
		if c.prog.sized == nil || c.prog.fast == nil || c.prog.tracked == nil {
			t.Errorf("%s: not run untracked on small values", c.src)
		}
	})
	env, err := NewEnv(EnvConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{
		// The whole map: its size is not measured.
		`contact.exists(k, k.startsWith("t"))`,
		`contact.size() > 0 && contact.tags.exists(t, t == "x")`,
		// A key computed at run time: not known to be measured.
		`contact[answer] == "x" && contact.tags.exists(t, t == "x")`,
		`contact[contact.key].exists(t, t == "x")`,
	} {
		c, err := env.Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		if c.prog.sized != nil {
			t.Errorf("%s: taken for an expression of measured inputs", src)
		}
	}
}

// sizedInputCases are contacts around the bound of a sized expression.
func sizedInputCases(bound int) map[string]Lookup {
	list := func(n, size int) []string {
		out := make([]string, n)
		for i := range out {
			s := fmt.Sprintf("t%d-", i)
			out[i] = s + strings.Repeat("x", max(0, size-len(s)))
		}
		return out
	}
	return map[string]Lookup{
		"empty":              Map{"tags": []string{}, "lifecyclestage": "lead"},
		"small":              Map{"tags": []string{"beta", "vip"}, "lifecyclestage": "lead"},
		"at the bound":       Map{"tags": list(bound, bound), "lifecyclestage": strings.Repeat("l", bound)},
		"one more element":   Map{"tags": list(bound+1, 4), "lifecyclestage": "lead"},
		"one longer element": Map{"tags": append(list(1, 4), strings.Repeat("y", bound+1)), "lifecyclestage": "lead"},
		"a longer string":    Map{"tags": list(2, 4), "lifecyclestage": strings.Repeat("l", bound+1)},
		"long":               Map{"tags": list(3000, 40), "lifecyclestage": "lead"},
		"long elements":      Map{"tags": list(min(bound, 16), 20_000), "lifecyclestage": "lead"},
		"a long string":      Map{"tags": list(bound, 4), "lifecyclestage": strings.Repeat("l", 200_000)},
		"a long Go list":     Map{"tags": make([]int, 3000), "lifecyclestage": "lead"},
		"absent":             Map{},
		"not a list":         Map{"tags": int64(3), "lifecyclestage": "lead"},
		"a Go type":          Map{"tags": []int{1, 2}, "lifecyclestage": "lead"},
		"panics":             panicLookup{},
		"nil":                nil,
	}
}

// On every input, small or large, well-typed or not, the sized path gives
// what CEL with cost tracking gives, cost-limit errors included, at several
// limits.
func TestSizedInputsAgreeWithTracked(t *testing.T) {
	ctx := context.Background()
	casesByBound := map[int]map[string]Lookup{}
	forSizedExprs(t, []uint64{30, 100, 1000, DefaultCostLimit, 100_000}, func(limit uint64, _ *Env, c *Condition) {
		src := c.src
		tracked := *c
		tracked.prog.fast, tracked.prog.sized, tracked.prog.member = nil, nil, nil
		bound := 16
		if c.prog.sized != nil {
			bound = int(c.prog.sized.bound)
		}
		cases, ok := casesByBound[bound]
		if !ok {
			cases = sizedInputCases(bound)
			casesByBound[bound] = cases
		}
		for name, contact := range cases {
			for _, answer := range []string{"", "be", strings.Repeat("a", maxAnswerSize+1)} {
				v := &Vars{Contact: contact, Answers: Map{"size": "large"}, Answer: answer}
				got, gotErr := c.Eval(ctx, v)
				want, wantErr := tracked.Eval(ctx, v)
				if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) ||
					errors.Is(gotErr, ErrCostLimit) != errors.Is(wantErr, ErrCostLimit) {
					t.Errorf("%s (limit %d), %s, answer of %d bytes: got %v, %v; tracked CEL gives %v, %v",
						src, limit, name, len(answer), got, gotErr, want, wantErr)
				}
			}
		}
	})
}

// forSizedExprs calls f with each of sizedExprs compiled in an Env of each
// of the limits.
func forSizedExprs(t *testing.T, limits []uint64, f func(limit uint64, env *Env, c *Condition)) {
	t.Helper()
	for _, limit := range limits {
		env, err := NewEnv(EnvConfig{CostLimit: limit})
		if err != nil {
			t.Fatal(err)
		}
		for _, src := range sizedExprs {
			c, err := env.Compile(src)
			if err != nil {
				t.Fatal(err)
			}
			f(limit, env, c)
		}
	}
}

// The bound is sound: on the costliest inputs within it, CEL's own cost
// count stays within the limit, and within DefaultCostLimit.
func TestSizedInputsBoundHolds(t *testing.T) {
	forSizedExprs(t, []uint64{30, 100, 1000, DefaultCostLimit, 1 << 20}, func(limit uint64, env *Env, c *Condition) {
		src := c.src
		if c.prog.sized == nil {
			return
		}
		b := int(c.prog.sized.bound)
		// Strings of the full length that differ only at their end,
		// so that every comparison reads them to the end and no
		// search stops early.
		tags := make([]string, b)
		for i := range tags {
			tags[i] = strings.Repeat("b", b-1) + string(rune('a'+i%26))
		}
		if !c.prog.sized.fits(&Vars{Contact: Map{"tags": tags}}) {
			t.Fatalf("%s: inputs at the bound %d do not fit", src, b)
		}
		for _, answer := range []string{"", strings.Repeat("b", maxAnswerSize)} {
			v := &Vars{Contact: Map{"tags": tags, "lifecyclestage": strings.Repeat("l", b)},
				Answers: Map{"size": strings.Repeat("s", b)}, Answer: answer}
			_, det, err := costTracking(t, env, c).Eval(activation{v})
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			if cost := *det.ActualCost(); cost > min(limit, DefaultCostLimit) {
				t.Errorf("%s (limit %d): costs %d at the bound %d", src, limit, cost, b)
			}
		}
	})
}

// Evaluations on small values run without cost tracking: they allocate
// far less than CEL with tracking does.
func TestSizedInputsRunUntracked(t *testing.T) {
	c, v := usualCondition(t)
	// CEL untracked, not native.
	c.prog.native = nil
	tracked := *c
	tracked.prog.fast, tracked.prog.sized = nil, nil
	ctx := context.Background()
	allocs := func(c *Condition) float64 {
		return testing.AllocsPerRun(100, func() {
			if ok, err := c.Eval(ctx, v); !ok || err != nil {
				t.Fatal(ok, err)
			}
		})
	}
	if fast, slow := allocs(c), allocs(&tracked); 2*fast > slow {
		t.Errorf("%v allocations an evaluation, %v with tracking", fast, slow)
	}
}
