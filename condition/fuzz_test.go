package condition_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chatflow/chatflow/condition"
)

// fuzzEnv is shared by the fuzz targets: building an Env is slow, and an
// Env is safe for concurrent use.
var fuzzEnv = func() *condition.Env {
	env, err := condition.NewEnv(condition.EnvConfig{Functions: []condition.Function{{
		Name: "crm.score", Params: []condition.Type{condition.String}, Result: condition.Int,
		Impl: func(args ...any) (any, error) { return int64(len(args[0].(string))), nil },
	}}})
	if err != nil {
		panic(err)
	}
	return env
}()

// compiled reports whether text compiled: err is nil. A failure must come
// without a result (none is true) and be an *Error of one of the
// documented kinds, positioned inside its source.
func compiled(t *testing.T, text string, none bool, err error) bool {
	t.Helper()
	if err == nil {
		return true
	}
	if !none {
		t.Fatalf("%q: both a result and an error", text)
	}
	var cerr *condition.Error
	if !errors.As(err, &cerr) {
		t.Fatalf("%q: error %v (%T) is not a *condition.Error", text, err, err)
	}
	kinds := []error{condition.ErrSyntax, condition.ErrType, condition.ErrNotBoolean, condition.ErrTooLarge}
	known := false
	for _, k := range kinds {
		known = known || cerr.Err == k
	}
	if !known {
		t.Fatalf("%q: error kind %v is not one of the documented kinds", text, cerr.Err)
	}
	if cerr.Msg == "" {
		t.Fatalf("%q: error without a message", text)
	}
	if cerr.Source == "" {
		return false // text too long: the error leaves it out
	}
	if cerr.Source != text {
		t.Fatalf("%q: error source is %q", text, cerr.Source)
	}
	lines := strings.Split(text, "\n")
	if cerr.Line < 1 || cerr.Line > len(lines) {
		t.Fatalf("%q: error line %d of %d", text, cerr.Line, len(lines))
	}
	if n := utf8.RuneCountInString(lines[cerr.Line-1]); cerr.Column < 1 || cerr.Column > n+1 {
		t.Fatalf("%q: error column %d in a line of %d characters", text, cerr.Column, n)
	}
	return false
}

// FuzzCompile checks that compiling any text as a condition never panics,
// fails only with a well-formed *Error, and that a compiled condition
// evaluates without panicking, to the same result every time.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`answer == "yes"`,
		`contact.numemployees > 50 && company.industry == "SOFTWARE"`,
		`has(contact.email) && answers.ask_size == "large"`,
		`!available || now.getHours("Europe/Paris") >= 18`,
		`"vip" in contact.?tags.orValue([])`,
		`answer.lowerAscii().contains("pricing")`,
		`contact.tags.exists(t, t.startsWith("v"))`,
		`answer.matches("^[0-9]{5}$")`,
		`crm.score(answer) > 3`,
		`[[[[1]]]] == [] || {1: {2: 3}} == {}`,
		`size(answer) > 2 ? answer.substring(0, 2) == "ab" : false`,
		`timestamp("2024-05-01T00:00:00Z") < now`,
		`answer ==`,
		"answer == \"a\" &&\n  bar",
		`contact.x`,
		"",
	} {
		f.Add(s)
	}
	vars := fullVars()
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := fuzzEnv.Compile(expr)
		if !compiled(t, expr, c == nil, err) {
			return
		}
		if c.Source() != expr {
			t.Fatalf("Source() = %q, want %q", c.Source(), expr)
		}
		ctx := context.Background()
		for _, v := range []*condition.Vars{nil, vars} {
			ok1, err1 := c.Eval(ctx, v)
			ok2, err2 := c.Eval(ctx, v)
			if ok1 != ok2 || (err1 == nil) != (err2 == nil) {
				t.Fatalf("%q: evaluates to %v, %v, then %v, %v", expr, ok1, err1, ok2, err2)
			}
			if err1 != nil && !errors.Is(err1, condition.ErrEval) && !errors.Is(err1, condition.ErrCostLimit) {
				t.Fatalf("%q: evaluation error %v matches neither ErrEval nor ErrCostLimit", expr, err1)
			}
		}
	})
}

// FuzzTemplate checks that compiling any text as a template never panics,
// fails only with a well-formed *Error, and that a compiled template
// renders without panicking; text without "{{" renders as itself.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{
		"Welcome to our site! How can we help?",
		`Hi {{ contact.firstname | default("there") }}, you said {{ answer }}.`,
		`Hi {{ contact.firstname | default('there') }}!`,
		`{{ contact.firstname.upperAscii() }}, {{ contact.numemployees * 2 }} seats?`,
		`{{ {"a": "}}"}["a"] }} and {{ "|" }} and {{ answer || "x" }}`,
		`\{{ not a token }} and }} alone`,
		`{{ r"raw \" }}" }}`,
		`{{ '''multi
line''' }}`,
		"{{ answer }",
		"{{ }}",
		`{{ answer | nope("x") }}`,
		`{{ answer | default(1) }}`,
		"line one\n{{ bar }}",
		"{{ [[[[[[1]]]]]] }}",
	} {
		f.Add(s)
	}
	vars := fullVars()
	f.Fuzz(func(t *testing.T, text string) {
		tmpl, err := fuzzEnv.CompileTemplate(text)
		if !compiled(t, text, tmpl == nil, err) {
			return
		}
		if tmpl.Source() != text {
			t.Fatalf("Source() = %q, want %q", tmpl.Source(), text)
		}
		empty, full := tmpl.Render(nil), tmpl.Render(vars)
		if tmpl.IsStatic() && empty != full {
			t.Fatalf("%q: a static template renders %q and %q", text, empty, full)
		}
		if !strings.Contains(text, "{{") && full != text {
			t.Fatalf("%q: text without tokens renders as %q", text, full)
		}
	})
}
