package condition

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
)

// membershipForms returns the expressions membershipOf recognises that look
// for the CEL string literal lit in contact.tags.
func membershipForms(lit string) []string {
	lists := []string{`contact.tags`, `contact["tags"]`, `contact.?tags.orValue([])`, `contact[?"tags"].orValue([])`}
	var tests []string
	for i, l := range lists {
		tests = append(tests, lit+" in "+l)
		if i%2 == 0 {
			tests = append(tests, l+".exists(t, t == "+lit+")")
		} else {
			tests = append(tests, l+".exists(contact, "+lit+" == contact)")
		}
	}
	var forms []string
	for _, t := range tests {
		forms = append(forms, t, "!("+t+")",
			"has(contact.tags) && "+t, "has(company.size) && "+t, "!(has(contact.tags) && "+t+")")
	}
	return forms
}

// membershipEnvs are environments with cost limits around the costs of the
// membership tests of the differential tests, and one without limit, where
// every program runs unmetered.
var membershipEnvs = sync.OnceValue(func() []*Env {
	var envs []*Env
	for _, limit := range []uint64{DefaultCostLimit, 1, 2, 3, 4, 6, 9, 12, 15, 20, 30, 47, 100, math.MaxUint64} {
		env, err := NewEnv(EnvConfig{CostLimit: limit})
		if err != nil {
			panic(err)
		}
		envs = append(envs, env)
	}
	return envs
})

// pairLookup is a Lookup that reports every name present, with a nil value
// for all but one.
type pairLookup struct {
	name  string
	value any
}

func (p pairLookup) Lookup(name string) (any, bool) {
	if name == p.name {
		return p.value, true
	}
	return nil, true
}

// membershipVars returns Vars with contact.tags in all the shapes the tests
// explore, the lists built from words.
func membershipVars(r *rand.Rand, words []string) []*Vars {
	lists := [][]string{nil, {}, {"vip"}, {"beta", "vip"}, {"vip", "beta"}, {"vip", "vip"}}
	for range 24 {
		l := make([]string, r.IntN(12))
		for i := range l {
			l[i] = words[r.IntN(len(words))]
		}
		lists = append(lists, l)
	}
	var contacts []Lookup
	for _, l := range lists {
		contacts = append(contacts, Map{"tags": l})
	}
	contacts = append(contacts, nil, Map{}, Map{"tags": nil}, Map{"email": "a@b.c"},
		pairLookup{name: "email", value: "a@b.c"},
		pairLookup{name: "tags", value: []string{"vip"}},
		Map{"tags": []any{"vip"}}, Map{"tags": []any{}}, Map{"tags": "vip"}, Map{"tags": int64(3)},
		Map{"tags": types.NewStringList(types.DefaultTypeAdapter, []string{"vip"})},
		Map{"tags": map[string]any{"vip": true}})
	var vars []*Vars
	for i, c := range contacts {
		v := &Vars{Contact: c}
		if i%3 != 0 {
			v.Company = Map{"size": "large"}
		}
		vars = append(vars, v)
	}
	return vars
}

// withoutMembership returns a copy of c that always runs CEL.
func withoutMembership(c *Condition) *Condition {
	plain := *c
	plain.prog.member = nil
	return &plain
}

// sameEval checks that c and its pure CEL version agree on v.
func sameEval(t *testing.T, ctx context.Context, c *Condition, v *Vars) {
	t.Helper()
	got, gotErr := c.Eval(ctx, v)
	want, wantErr := withoutMembership(c).Eval(ctx, v)
	if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("%s (limit %d) with contact %#v: got %v, %v; CEL gives %v, %v",
			c.src, c.prog.limit, v.Contact, got, gotErr, want, wantErr)
	}
}

// costTracking returns a program for c that tracks its cost, without
// limit.
func costTracking(t *testing.T, env *Env, c *Condition) cel.Program {
	t.Helper()
	budget := env.maxRegexSize
	checked, cerr := env.compile(c.src, 0, c.src, &budget)
	if cerr != nil {
		t.Fatal(cerr)
	}
	p, err := env.cel.Program(checked, cel.EvalOptions(cel.OptOptimize, cel.OptTrackCost))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkCost checks, when the membership test of c decides its result on
// v, that the result and its cost are those p, from costTracking, gives.
func checkCost(t *testing.T, p cel.Program, c *Condition, v *Vars) {
	t.Helper()
	found, cost, res := c.prog.member.eval(v, unmetered, nil)
	if res == undecided {
		return
	}
	out, det, err := p.Eval(activation{v})
	if err != nil || out != types.Bool(found) || *det.ActualCost() != cost {
		t.Fatalf("%s with contact %#v: got %v at cost %d, CEL gives %v, %v at cost %d",
			c.src, v.Contact, found, cost, out, err, *det.ActualCost())
	}
}

func TestMembershipRecognised(t *testing.T) {
	env, err := NewEnv(EnvConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, expr := range membershipForms(`"vip"`) {
		c, err := env.Compile(expr)
		if err != nil {
			t.Fatal(err)
		}
		if c.prog.member == nil {
			t.Errorf("%s: not recognised", expr)
		}
	}
	for _, expr := range []string{
		`contact.tags.exists(t, t != "vip")`,
		`contact.tags.all(t, t == "vip")`,
		`contact.tags.exists_one(t, t == "vip")`,
		`contact.tags.exists(t, t == answer)`,
		`contact.tags.exists(t, t == t)`,
		`contact.tags.exists(t, "vip" == "vip")`,
		`contact.tags.exists(t, t == 1)`,
		`contact.tags.exists(t, t.startsWith("v"))`,
		`contact.tags.exists(t, contact.tags.exists(u, u == "vip"))`,
		`contact.exists(k, k == "email")`,
		`contact.tags.map(t, t).exists(t, t == "vip")`,
		`["vip"].exists(t, t == "vip")`,
		`"vip" in ["a"]`,
		`"vip" in contact`,
		`1 in contact.tags`,
		`answer in contact.tags`,
		`"vip" in contact.?tags.orValue(["vip"])`,
		`"vip" in contact.?tags.orValue([]).orValue([])`,
		`"vip" in contact.tags && true`,
		`has(contact.tags) || "vip" in contact.tags`,
		`has(contact.tags) && has(contact.tags) && "vip" in contact.tags`,
		`available && "vip" in contact.tags`,
		`"vip" in contact.tags == true`,
	} {
		c, err := env.Compile(expr)
		if err != nil {
			t.Fatal(err)
		}
		if c.prog.member != nil {
			t.Errorf("%s: recognised as %+v", expr, *c.prog.member)
		}
	}
}

// TestMembershipDifferential checks that the conditions membership
// evaluates give the result and the error CEL gives, and cost what CEL
// charges, for lists of all kinds and across cost limits.
func TestMembershipDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	long := strings.Repeat("abcdefghij", 3)
	words := []string{"vip", "beta", "", "v", "VIP", "vip ", "vi", long, long + "x", long[:11],
		strings.Repeat("é", 12), strings.Repeat("é", 40), "\xff\xfe", strings.Repeat("\xff", 25),
		strings.Repeat("日本", 9)}
	vars := membershipVars(r, words)
	lits := []string{`"vip"`, `""`, `"beta"`, strconv.Quote(long + "x"), strconv.Quote(long[:11]), strconv.Quote(strings.Repeat("é", 12)),
		strconv.Quote(strings.Repeat("日本", 9)), `'v'`, `r"vip"`, `"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"`}
	ctx := context.Background()
	for ei, env := range membershipEnvs() {
		lits := lits
		if ei > 0 {
			lits = lits[2:4] // the others are tried at the default limit
		}
		for _, lit := range lits {
			for _, expr := range membershipForms(lit) {
				c, err := env.Compile(expr)
				if err != nil {
					t.Fatal(err)
				}
				if c.prog.member == nil {
					t.Fatalf("%s: not recognised", expr)
				}
				var p cel.Program
				if ei == 0 {
					p = costTracking(t, env, c)
				}
				for _, v := range vars {
					sameEval(t, ctx, c, v)
					if p != nil {
						checkCost(t, p, c, v)
					}
				}
			}
		}
	}
}

// TestMembershipContext checks membership tests under a context that can
// be cancelled, including during the evaluation.
func TestMembershipContext(t *testing.T) {
	env, err := NewEnv(EnvConfig{CostLimit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	c, err := env.Compile(`contact.tags.exists(t, t == "vip")`)
	if err != nil {
		t.Fatal(err)
	}
	if c.prog.member == nil || c.prog.tracked == nil {
		t.Fatal("not a metered membership test")
	}
	// More tags than an untracked evaluation may iterate over (see
	// sizedInputs), so that the evaluation polls the context.
	tags := make([]string, 5000)
	for i := range tags {
		tags[i] = strconv.Itoa(i)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, v := range []*Vars{{Contact: Map{"tags": tags}}, {Contact: Map{"tags": append(tags, "vip")}}} {
		sameEval(t, ctx, c, v)
	}
	// Cancelled once the evaluation has started: when the list is read.
	for _, fast := range []bool{true, false} {
		ctx, cancel := context.WithCancel(context.Background())
		v := &Vars{Contact: cancelLookup{cancel: cancel, tags: tags}}
		cond := c
		if !fast {
			cond = withoutMembership(c)
		}
		_, err := cond.Eval(ctx, v)
		if !errors.Is(err, ErrEval) || !errors.Is(err, context.Canceled) {
			t.Errorf("membership %v: got %v, want a cancellation", fast, err)
		}
	}
}

// cancelLookup holds contact.tags and cancels a context when it is read.
type cancelLookup struct {
	cancel context.CancelFunc
	tags   []string
}

func (l cancelLookup) Lookup(name string) (any, bool) {
	l.cancel()
	if name == "tags" {
		return l.tags, true
	}
	return nil, false
}

// panicLookup panics when it is read.
type panicLookup struct{}

func (panicLookup) Lookup(name string) (any, bool) { panic("lookup " + name) }

func TestMembershipPanic(t *testing.T) {
	env, err := NewEnv(EnvConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, expr := range []string{`"vip" in contact.tags`, `has(company.size) && contact.tags.exists(t, t == "vip")`} {
		c, err := env.Compile(expr)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []*Vars{{Contact: panicLookup{}, Company: Map{"size": 1}}, {Company: panicLookup{}}} {
			sameEval(t, context.Background(), c, v)
		}
	}
}

// TestMembershipConcurrent evaluates a membership test from several
// goroutines at once (run with -race).
func TestMembershipConcurrent(t *testing.T) {
	env, err := NewEnv(EnvConfig{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := env.Compile(`contact.tags.exists(t, t == "beta")`)
	if err != nil {
		t.Fatal(err)
	}
	v := &Vars{Contact: Map{"tags": []string{"vip", "beta"}}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if ok, err := c.Eval(context.Background(), v); !ok || err != nil {
					t.Error(ok, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// FuzzMembership compares the evaluation of membership tests with CEL's
// for any element, any list and the cost limits of membershipEnvs.
func FuzzMembership(f *testing.F) {
	f.Add(uint8(0), uint8(0), "vip", "beta|vip", uint8(0))
	f.Add(uint8(3), uint8(2), "", "||x", uint8(1))
	f.Add(uint8(17), uint8(5), strings.Repeat("é", 15), strings.Repeat("é", 30)+"|"+strings.Repeat("\xff", 20), uint8(2))
	f.Add(uint8(39), uint8(9), "abcdefghijklmnop", "abcdefghijklmnopq|abcdefghijklmnop|z", uint8(0))
	f.Fuzz(func(t *testing.T, form, limit uint8, elem, list string, shape uint8) {
		lit := strconv.Quote(strings.ToValidUTF8(elem, "\uFFFD"))
		forms := membershipForms(lit)
		envs := membershipEnvs()
		env := envs[int(limit)%len(envs)]
		expr := forms[int(form)%len(forms)]
		if len(expr) > env.MaxSourceSize() {
			return
		}
		c, err := env.Compile(expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if c.prog.member == nil {
			t.Fatalf("%s: not recognised", expr)
		}
		var tags any = strings.Split(list, "|")
		switch shape % 6 {
		case 1:
			tags = nil
		case 2:
			tags = []string(nil)
		case 3:
			tags = list
		case 4:
			var l []any
			for _, s := range strings.Split(list, "|") {
				l = append(l, s)
			}
			tags = l
		}
		v := &Vars{Contact: Map{"tags": tags}}
		if shape&8 != 0 {
			v.Company = Map{"size": int64(1)}
		}
		sameEval(t, context.Background(), c, v)
		if env == envs[0] {
			checkCost(t, costTracking(t, env, c), c, v)
		}
	})
}

// TestMembershipTemplate checks that template tokens that are membership
// tests render as CEL renders them.
func TestMembershipTemplate(t *testing.T) {
	env, err := NewEnv(EnvConfig{})
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := env.CompileTemplate(`{{ "vip" in contact.tags }}/{{ !contact.tags.exists(t, t == "x") | default("none") }}`)
	if err != nil {
		t.Fatal(err)
	}
	plain := *tmpl
	plain.parts = nil
	for _, p := range tmpl.parts {
		if p.tok != nil {
			if p.tok.prog.member == nil {
				t.Fatal("token not recognised")
			}
			tok := *p.tok
			tok.prog.member = nil
			p.tok = &tok
		}
		plain.parts = append(plain.parts, p)
	}
	for _, v := range []*Vars{nil, {Contact: Map{"tags": []string{"x", "vip"}}}, {Contact: Map{"tags": []string{"y"}}}} {
		if got, want := tmpl.Render(v), plain.Render(v); got != want {
			t.Errorf("got %q, CEL renders %q", got, want)
		}
	}
	if got := tmpl.Render(&Vars{Contact: Map{"tags": []string{"y"}}}); got != "false/true" {
		t.Errorf("got %q", got)
	}
}
