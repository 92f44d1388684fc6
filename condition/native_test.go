package condition

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

// nativeGen writes random expressions of the subset native compiles, and
// a few just outside it.
type nativeGen struct {
	r     *rand.Rand
	iters []string
}

var nativeKeys = []string{"a", "b", "tags", "n"}

func (g *nativeGen) pick(s ...string) string { return s[g.r.IntN(len(s))] }

func (g *nativeGen) key() string { return nativeKeys[g.r.IntN(len(nativeKeys))] }

func (g *nativeGen) str() string {
	n := 5
	if len(g.iters) > 0 {
		n = 7
	}
	switch g.r.IntN(n) {
	case 0:
		return fmt.Sprintf("%q", g.pick("", "le", "lead", "ad", "x"))
	case 1:
		return "answer"
	case 2:
		return "contact." + g.key()
	case 3:
		return fmt.Sprintf("contact[%q]", g.key())
	case 4:
		return "answers." + g.key()
	default:
		return g.iters[g.r.IntN(len(g.iters))]
	}
}

func (g *nativeGen) list() string {
	return g.pick("contact.tags", "contact."+g.key(), "answers.tags", `contact["tags"]`)
}

func (g *nativeGen) bool(depth int) string {
	n := 13
	if depth <= 0 {
		n = 7
	}
	switch g.r.IntN(n) {
	case 0:
		return g.pick("true", "false", "available")
	case 1:
		return "has(contact." + g.key() + ")"
	case 2:
		return g.str() + g.pick(" == ", " != ") + g.str()
	case 3:
		return g.str() + g.pick(".startsWith(", ".endsWith(", ".contains(") + g.str() + ")"
	case 4:
		return g.str() + " in " + g.list()
	case 5:
		// Outside the subset: CEL alone.
		return g.pick("contact.n > 1", "answer.size() > 1", "contact.a.lowerAscii() == answer")
	case 6:
		return g.str() + " == " + g.str()
	case 7, 8:
		if len(g.iters) == 2 {
			return g.bool(depth - 1)
		}
		// Names that shadow: an outer t, the answer, the contact.
		v := g.pick("t", "u", "t", "answer", "contact")
		g.iters = append(g.iters, v)
		defer func() { g.iters = g.iters[:len(g.iters)-1] }()
		if v == "contact" {
			// Shadows the map variable: contact is now a string.
			return g.list() + "." + g.pick("exists", "all") + "(contact, contact == " + g.str() + ")"
		}
		return g.list() + "." + g.pick("exists", "all") + "(" + v + ", " + g.bool(depth-1) + ")"
	case 9:
		return "!(" + g.bool(depth-1) + ")"
	default:
		return "(" + g.bool(depth-1) + g.pick(" && ", " || ") + g.bool(depth-1) + ")"
	}
}

// nativeInputs are variables with every kind of value the expressions
// may meet: strings, lists, other types, absent keys, nil and panicking
// lookups.
func nativeInputs(r *rand.Rand) *Vars {
	value := func() any {
		switch r.IntN(7) {
		case 0:
			return nil
		case 1:
			return int64(r.IntN(3))
		case 2:
			return []string{"lead", "x"}[:r.IntN(3)]
		case 3:
			return []int{1}
		default:
			return []string{"", "le", "lead", "ad", "x"}[r.IntN(5)]
		}
	}
	m := func() Lookup {
		switch r.IntN(12) {
		case 0:
			return nil
		case 1:
			return panicLookup{}
		}
		out := Map{}
		for _, k := range nativeKeys {
			if v := value(); v != nil {
				out[k] = v
			}
		}
		return out
	}
	return &Vars{
		Answer:    []string{"", "le", "lead", "ad", "x"}[r.IntN(5)],
		Available: r.IntN(2) == 0,
		Contact:   m(),
		Answers:   m(),
	}
}

// nativeCases are expressions the random ones seldom hit: shadowed names,
// and sides of && and || that decide alone.
var nativeCases = []string{
	`contact.tags.exists(t, contact.tags.all(t, t == "x"))`,
	`contact.tags.exists(t, t == "lead" && contact.tags.all(u, u != t))`,
	`contact.tags.exists(answer, answer == "x") || answer == "x"`,
	`contact.tags.all(contact, contact != "lead")`,
	`false && contact.missing == "x"`,
	`contact.missing == "x" || true`,
	`!(contact.a != "x") && has(contact.b)`,
	`"x" in contact.tags && contact.tags.all(t, t.endsWith(answer))`,
}

// On random expressions and inputs, an evaluation with native gives what
// CEL alone gives: the same result or the same error.
func TestNativeAgreesWithCEL(t *testing.T) {
	env, err := NewEnv(EnvConfig{})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 11))
	g := &nativeGen{r: r}
	ctx := context.Background()
	compiled, decided := 0, 0
	for i := range 3000 + len(nativeCases) {
		var src string
		if i < len(nativeCases) {
			src = nativeCases[i]
		} else {
			src = g.bool(4)
		}
		c, err := env.Compile(src)
		if err != nil {
			continue // a combination CEL's checker refuses
		}
		celOnly := *c
		celOnly.prog.native = nil
		if c.prog.native != nil {
			compiled++
		}
		runs := 10
		if i < len(nativeCases) {
			runs = 300
		}
		for range runs {
			v := nativeInputs(r)
			got, gotErr := c.Eval(ctx, v)
			want, wantErr := celOnly.Eval(ctx, v)
			if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Fatalf("%s\nwith answer %q, available %v, contact %#v, answers %#v:\ngot %v, %v; CEL gives %v, %v",
					src, v.Answer, v.Available, v.Contact, v.Answers, got, gotErr, want, wantErr)
			}
			if c.prog.native != nil {
				if _, ok := c.prog.native.run(v); ok {
					decided++
				}
			}
		}
	}
	// Not a test that passes by doing nothing: most expressions are of
	// the subset, and a good share of evaluations are decided natively.
	t.Logf("compiled %d decided %d", compiled, decided)
	if compiled < 1000 || decided < 5000 {
		t.Errorf("native compiled %d expressions and decided %d evaluations", compiled, decided)
	}
}

// FuzzNative checks, for any expression native compiles, that it agrees
// with CEL alone on inputs of every kind.
func FuzzNative(f *testing.F) {
	for _, src := range nativeCases {
		f.Add(src)
	}
	f.Add(`contact.lifecyclestage == "lead" && contact.tags.exists(t, t.startsWith("b"))`)
	env, err := NewEnv(EnvConfig{})
	if err != nil {
		f.Fatal(err)
	}
	inputs := make([]*Vars, 50)
	r := rand.New(rand.NewPCG(3, 5))
	for i := range inputs {
		inputs[i] = nativeInputs(r)
	}
	f.Fuzz(func(t *testing.T, src string) {
		c, err := env.Compile(src)
		if err != nil || c.prog.native == nil {
			return
		}
		celOnly := *c
		celOnly.prog.native = nil
		ctx := context.Background()
		for _, v := range inputs {
			got, gotErr := c.Eval(ctx, v)
			want, wantErr := celOnly.Eval(ctx, v)
			if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Fatalf("%s: got %v, %v; CEL gives %v, %v", src, got, gotErr, want, wantErr)
			}
		}
	})
}

func TestNativeRecognised(t *testing.T) {
	env, err := NewEnv(EnvConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for src, want := range map[string]bool{
		`answer == "yes"`: true,
		`contact.lifecyclestage == "lead" && contact.tags.exists(t, t.startsWith("b"))`: true,
		`has(contact.email) && answers.size != "large"`:                                 true,
		`contact.tags.all(t, contact.tags.exists(u, u == t))`:                           true,
		`!available || contact["a"] == "vip"`:                                           true,
		// Outside the subset.
		`contact.numemployees > 50`:                                                    false,
		`answer.lowerAscii() == "yes"`:                                                 false,
		`contact.tags.exists_one(t, t == "a")`:                                         false,
		`contact.tags.map(t, t + "x").exists(t, t == "ax")`:                            false,
		`contact.?tags.orValue([]).exists(t, t == "x")`:                                false,
		`contact.tags.all(t, contact.tags.all(u, contact.tags.exists(w, w == u + t)))`: false,
	} {
		c, err := env.Compile(src)
		if err != nil {
			t.Fatal(src, err)
		}
		if got := c.prog.native != nil; got != want {
			t.Errorf("%s: native %v, want %v", src, got, want)
		}
	}
}

// Evaluating the usual conditions allocates nothing.
func TestNativeAllocatesNothing(t *testing.T) {
	c, v := usualCondition(t)
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() {
		if ok, err := c.Eval(ctx, v); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}); n != 0 {
		t.Errorf("%v allocations an evaluation", n)
	}
	// A longer list than the size bound (1024): CEL runs it, tracked, and
	// finds the answer within the cost limit.
	v.Contact = Map{"lifecyclestage": "lead", "tags": append(make([]string, 1100), "beta")}
	if ok, err := c.Eval(ctx, v); !ok || err != nil {
		t.Errorf("on a long list: %v, %v", ok, err)
	}
}

// usualCondition is a condition of the kind branches use, on a contact
// that makes it true.
func usualCondition(t *testing.T) (*Condition, *Vars) {
	t.Helper()
	env, err := NewEnv(EnvConfig{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := env.Compile(`contact.lifecyclestage == "lead" && contact.tags.exists(t, t.startsWith("b"))`)
	if err != nil {
		t.Fatal(err)
	}
	return c, &Vars{Contact: Map{"lifecyclestage": "lead", "tags": []string{"alpha", "beta", "gamma"}}}
}
