package condition_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chatflow/chatflow/condition"
)

func benchVars() *condition.Vars {
	return &condition.Vars{
		Answer:  "yes",
		Contact: condition.Map{"firstname": "Ada", "email": "ada@example.com", "numemployees": int64(1200), "tags": []string{"vip", "beta"}},
		Answers: condition.Map{"size": "large"},
	}
}

func BenchmarkEval(b *testing.B) {
	env, err := condition.NewEnv(condition.EnvConfig{})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, expr string }{
		{"answer", `answer == "yes"`},
		{"int", `contact.numemployees > 50`},
		{"has_and", `has(contact.email) && answers.size == "large"`},
		{"available", `!available`},
		{"lower", `answer.lowerAscii() == "yes"`},
		{"exists", `contact.tags.exists(t, t == "vip")`},
		{"exists_last", `contact.tags.exists(t, t == "beta")`},
		{"exists_optional", `contact.?tags.orValue([]).exists(t, "beta" == t)`},
		{"in", `"beta" in contact.tags`},
		{"in_guarded", `has(contact.tags) && "beta" in contact["tags"]`},
		// Not plain membership tests: evaluated by CEL, without cost
		// tracking as long as the values read are short.
		{"exists_cel", `contact.tags.exists(t, t.startsWith("b"))`},
		{"compound", `contact.email.endsWith("@example.com") && contact.tags.exists(t, t.startsWith("b"))`},
	} {
		c, err := env.Compile(bc.expr)
		if err != nil {
			b.Fatal(err)
		}
		v := benchVars()
		ctx := context.Background()
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ok, err := c.Eval(ctx, v)
				if err != nil || !ok {
					b.Fatal(ok, err)
				}
			}
		})
	}
}

func BenchmarkEvalParallel(b *testing.B) {
	env, err := condition.NewEnv(condition.EnvConfig{})
	if err != nil {
		b.Fatal(err)
	}
	c, err := env.Compile(`has(contact.email) && answers.size == "large"`)
	if err != nil {
		b.Fatal(err)
	}
	v := benchVars()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			if ok, err := c.Eval(ctx, v); err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})
}

func BenchmarkRender(b *testing.B) {
	env, err := condition.NewEnv(condition.EnvConfig{})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, text string }{
		{"static", "Welcome to our site! How can we help?"},
		{"paths", `Hi {{ contact.firstname | default("there") }}, you said {{ answer }}. Your size: {{ answers.size }}.`},
		{"cel", `Hi {{ contact.firstname.upperAscii() }}, {{ contact.numemployees * 2 }} seats?`},
	} {
		tmpl, err := env.CompileTemplate(bc.text)
		if err != nil {
			b.Fatal(err)
		}
		v := benchVars()
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if tmpl.Render(v) == "" {
					b.Fatal("empty")
				}
			}
		})
	}
}

func BenchmarkCompile(b *testing.B) {
	env, err := condition.NewEnv(condition.EnvConfig{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := env.Compile(`has(contact.email) && answers.size == "large"`); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewEnv(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := condition.NewEnv(condition.EnvConfig{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileLargest measures the slowest inputs the default limits
// accept: DefaultMaxSourceSize bytes of literals and macros nested just
// under DefaultMaxNesting, and regular expressions up to
// DefaultMaxRegexSize. Without the limits, one such text took seconds.
func BenchmarkCompileLargest(b *testing.B) {
	env, err := condition.NewEnv(condition.EnvConfig{})
	if err != nil {
		b.Fatal(err)
	}
	// fill repeats unit, joined by ||, into a condition of the largest size.
	fill := func(unit string) string {
		unit = "(" + unit + ") || "
		n := (condition.DefaultMaxSourceSize - len("false")) / len(unit)
		return strings.Repeat(unit, n) + "false"
	}
	d := condition.DefaultMaxNesting - 2 // the parentheses and == take two levels
	for _, bc := range []struct{ name, text string }{
		{"lists", fill(strings.Repeat("[", d) + strings.Repeat("]", d) + " == []")},
		{"maps", fill(strings.Repeat("{1:", d) + "1" + strings.Repeat("}", d) + " == {}")},
		{"macros", fill(strings.Repeat("[1].map(x, ", d) + "x" + strings.Repeat(")", d) + " == []")},
		{"regex", `answer.matches("a{1000}")`},
	} {
		if _, err := env.Compile(bc.text); err != nil {
			b.Fatalf("%s: %v", bc.name, err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := env.Compile(bc.text); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
