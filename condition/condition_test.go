package condition_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/condition"
)

func newEnv(t testing.TB) *condition.Env {
	t.Helper()
	return newEnvWith(t, condition.EnvConfig{})
}

func newEnvWith(t testing.TB, cfg condition.EnvConfig) *condition.Env {
	t.Helper()
	env, err := condition.NewEnv(cfg)
	require.NoError(t, err)
	return env
}

var started = time.Date(2024, 5, 1, 9, 30, 0, 0, time.UTC)

func fullVars() *condition.Vars {
	return &condition.Vars{
		Answer: "Yes",
		Contact: condition.Map{
			"firstname":    "Ada",
			"email":        "ada@example.com",
			"numemployees": int64(1200),
			"revenue":      2.5e6,
			"subscribed":   true,
			"created":      started.Add(-48 * time.Hour),
			"tags":         []string{"vip", "beta"},
			"wait":         90 * time.Second,
		},
		Company:   condition.Map{"industry": "SOFTWARE", "size": int64(50)},
		Answers:   condition.Map{"ask_size": "large", "ask_name": "Ada"},
		Session:   condition.Map{"channel": "web", "language": "fr", "started_at": started, "conversation_id": "c-1"},
		Visitor:   condition.Map{"known": true, "identified": false, "contact_id": "42"},
		Page:      condition.Map{"url": "https://example.com/pricing?plan=pro", "path": "/pricing", "query": "plan=pro"},
		Available: true,
		Now:       started.Add(10 * time.Minute),
	}
}

func TestCompileErrors(t *testing.T) {
	env := newEnv(t)
	tests := []struct {
		name      string
		expr      string
		kind      error
		line, col int
		msg       string
	}{
		{"undeclared", `foo == 1`, condition.ErrType, 1, 1, "undeclared reference to 'foo'"},
		{"undeclared later", `answer == "a" && bar`, condition.ErrType, 1, 18, "undeclared reference to 'bar'"},
		{"undeclared second line", "answer == \"a\" &&\n  bar", condition.ErrType, 2, 3, "undeclared reference to 'bar'"},
		{"position counts characters", `answer == "été" && bar`, condition.ErrType, 1, 20, "bar"},
		{"wrong operand types", `answer == 1`, condition.ErrType, 1, 8, "no matching overload"},
		{"unknown function", `answer.shout()`, condition.ErrType, 1, 13, "shout"},
		{"missing operand", `answer ==`, condition.ErrSyntax, 1, 10, "Syntax error"},
		{"unbalanced parenthesis", `(answer == "a"`, condition.ErrSyntax, 1, 15, "Syntax error"},
		{"empty", ``, condition.ErrSyntax, 1, 1, "Syntax error"},
		{"bad character", `answer == "a" # b`, condition.ErrSyntax, 1, 15, "Syntax error"},
		{"dyn map value", `contact.x`, condition.ErrNotBoolean, 1, 1, "type dyn"},
		{"string", `  answer`, condition.ErrNotBoolean, 1, 3, "type string"},
		{"int", `1 + 1`, condition.ErrNotBoolean, 1, 1, "type int"},
		{"optional", `contact.?x`, condition.ErrNotBoolean, 1, 1, "optional_type"},
		{"bad regular expression", `answer.matches("(")`, condition.ErrType, 1, 1, "missing closing )"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := env.Compile(tt.expr)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.ErrorIs(t, err, tt.kind)
			var cerr *condition.Error
			require.ErrorAs(t, err, &cerr)
			assert.Equal(t, tt.expr, cerr.Source)
			assert.Equal(t, tt.line, cerr.Line, "line")
			assert.Equal(t, tt.col, cerr.Column, "column")
			assert.Contains(t, cerr.Msg, tt.msg)
			assert.Equal(t, tt.kind, cerr.Err)
			assert.Empty(t, cerr.Path)
			assert.Empty(t, cerr.Action)
		})
	}
}

func TestEvalVariables(t *testing.T) {
	env := newEnv(t)
	tests := []struct {
		expr string
		want bool
	}{
		// answer
		{`answer == "Yes"`, true},
		{`answer == "yes"`, false},
		{`answer.lowerAscii() == "yes"`, true},
		{`answer.startsWith("Y") && size(answer) == 3`, true},
		// contact, each value type
		{`contact.firstname == "Ada"`, true},
		{`contact.numemployees > 50`, true},
		{`contact.numemployees == 1200`, true},
		{`contact.numemployees > 1200.5`, false},
		{`contact.revenue >= 2000000.0`, true},
		{`contact.revenue > 2000000`, true},
		{`contact.subscribed == true`, true},
		{`contact.subscribed == false`, false},
		{`contact.created < now`, true},
		{`now - contact.created > duration("47h")`, true},
		{`contact.tags.exists(t, t == "vip")`, true},
		{`"beta" in contact.tags`, true},
		{`size(contact.tags) == 2`, true},
		{`contact.wait == duration("90s")`, true},
		{`contact.wait > duration("2m")`, false},
		{`contact["email"].endsWith("@example.com")`, true},
		// company
		{`company.industry == "SOFTWARE" && company.size >= 50`, true},
		// answers
		{`answers.ask_size == "large"`, true},
		{`answers.ask_name == contact.firstname`, true},
		// session
		{`session.channel == "web" && session.language != "en"`, true},
		{`session.started_at == timestamp("2024-05-01T09:30:00Z")`, true},
		{`session.conversation_id == "c-1"`, true},
		// visitor
		{`visitor.known == true && visitor.identified == false`, true},
		{`visitor.contact_id == "42"`, true},
		// page
		{`page.url.contains("pricing")`, true},
		{`page.path.matches("^/pric")`, true},
		{`page.query == "plan=pro"`, true},
		// available
		{`available`, true},
		{`!available`, false},
		// now
		{`now > session.started_at`, true},
		{`now.getHours() == 9 && now.getMinutes() == 40`, true},
		{`now == timestamp("2024-05-01T09:40:00Z")`, true},
		// presence
		{`has(contact.email)`, true},
		{`has(contact.phone)`, false},
		{`has(contact.phone) && contact.phone == "1"`, false},
		{`!has(company.name) || company.name == ""`, true},
		{`"email" in contact`, true},
		{`"phone" in contact`, false},
		// optional syntax
		{`contact.?phone.orValue("") == ""`, true},
		{`contact.?firstname.orValue("") == "Ada"`, true},
		{`contact.?phone.hasValue()`, false},
		{`contact[?"email"].hasValue()`, true},
		// Lister-backed maps
		{`size(contact) == 8`, true},
		{`contact.exists(k, k == "email")`, true},
		{`answers.all(k, answers[k] != "")`, true},
		{`session.filter(k, k.startsWith("s")) == ["started_at"]`, true},
		{`page == {"url": "https://example.com/pricing?plan=pro", "path": "/pricing", "query": "plan=pro"}`, true},
		{`page == {"url": "x"}`, false},
		// string extension
		{`"Hello %s".format([contact.firstname]) == "Hello Ada"`, true},
	}
	v := fullVars()
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			c, err := env.Compile(tt.expr)
			require.NoError(t, err)
			assert.Equal(t, tt.expr, c.Source())
			got, err := c.Eval(context.Background(), v)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestEvalZeroVars(t *testing.T) {
	env := newEnv(t)
	tests := []struct {
		expr string
		want bool
	}{
		{`answer == ""`, true},
		{`!available`, true},
		{`now == timestamp("0001-01-01T00:00:00Z")`, true},
		{`!has(contact.email)`, true},
		{`size(contact) == 0`, true},
		{`contact.?email.orValue("none") == "none"`, true},
		{`!("x" in page)`, true},
		{`!visitor.exists(k, true)`, true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			c, err := env.Compile(tt.expr)
			require.NoError(t, err)
			for _, v := range []*condition.Vars{nil, {}} {
				got, err := c.Eval(context.Background(), v)
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
			}
		})
	}
}

func TestEvalErrors(t *testing.T) {
	env := newEnv(t)
	tests := []struct {
		expr string
		msg  string
	}{
		{`contact.phone == "1"`, "no such key: phone"},
		{`contact["phone"] == "1"`, "no such key: phone"},
		{`answers.missing == "x"`, "no such key: missing"},
		{`contact.firstname > 3`, "no such overload"},
		{`contact.numemployees / 0 == 1`, "division by zero"},
		{`int(answer) > 3`, "conversion"},
	}
	v := fullVars()
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			c, err := env.Compile(tt.expr)
			require.NoError(t, err)
			got, err := c.Eval(context.Background(), v)
			require.Error(t, err)
			assert.False(t, got)
			assert.ErrorIs(t, err, condition.ErrEval)
			assert.NotErrorIs(t, err, condition.ErrCostLimit)
			assert.Contains(t, err.Error(), tt.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "condition: evaluation error: "), err.Error())
		})
	}
}

// plainLookup is a Lookup that cannot list its names.
type plainLookup map[string]any

func (p plainLookup) Lookup(name string) (any, bool) {
	v, ok := p[name]
	return v, ok
}

func TestLookupWithoutNames(t *testing.T) {
	env := newEnv(t)
	v := &condition.Vars{Contact: plainLookup{"email": "a@b.c", "nothing": nil}}
	ok := []string{
		`contact.email == "a@b.c"`,
		`has(contact.email)`,
		`!has(contact.nothing)`,
		`"email" in contact`,
		`contact.?phone.orValue("x") == "x"`,
	}
	for _, expr := range ok {
		c, err := env.Compile(expr)
		require.NoError(t, err)
		got, err := c.Eval(context.Background(), v)
		require.NoError(t, err, expr)
		assert.True(t, got, expr)
	}
	for _, expr := range []string{`size(contact) == 1`, `contact.exists(k, k == "email")`, `contact.all(k, k != "")`, `contact.map(k, k).size() > 0`} {
		c, err := env.Compile(expr)
		require.NoError(t, err)
		_, err = c.Eval(context.Background(), v)
		assert.ErrorIs(t, err, condition.ErrEval, expr)
		assert.ErrorContains(t, err, "condition.Lister", expr)
	}
}

func TestMap(t *testing.T) {
	m := condition.Map{"b": "2", "a": int64(1), "nil": nil}
	v, ok := m.Lookup("a")
	assert.True(t, ok)
	assert.Equal(t, int64(1), v)
	_, ok = m.Lookup("nil")
	assert.False(t, ok)
	_, ok = m.Lookup("zzz")
	assert.False(t, ok)
	assert.Equal(t, []string{"a", "b"}, m.Names())
	assert.Empty(t, condition.Map(nil).Names())
}

func TestLenientValueTypes(t *testing.T) {
	env := newEnv(t)
	v := &condition.Vars{Contact: condition.Map{"n": 7, "f": float32(1.5), "u": uint(3)}}
	for _, expr := range []string{`contact.n == 7`, `contact.f == 1.5`, `contact.u == 3`, `contact["n"] + 1 == 8`} {
		c, err := env.Compile(expr)
		require.NoError(t, err)
		got, err := c.Eval(context.Background(), v)
		require.NoError(t, err, expr)
		assert.True(t, got, expr)
	}
}

func TestHostFunction(t *testing.T) {
	errBoom := errors.New("boom")
	env := newEnvWith(t, condition.EnvConfig{Functions: []condition.Function{
		{
			Name:   "isBusinessEmail",
			Doc:    "reports whether an email address is not from a free provider",
			Params: []condition.Type{condition.String},
			Result: condition.Bool,
			Impl: func(args ...any) (any, error) {
				return !strings.HasSuffix(args[0].(string), "@gmail.com"), nil
			},
		},
		{
			Name:   "crm.score",
			Params: []condition.Type{condition.Int, condition.Double, condition.StringList},
			Result: condition.Double,
			Impl: func(args ...any) (any, error) {
				return float64(args[0].(int64))*args[1].(float64) + float64(len(args[2].([]string))), nil
			},
		},
		{
			Name:   "hoursSince",
			Params: []condition.Type{condition.Timestamp, condition.Timestamp},
			Result: condition.Duration,
			Impl: func(args ...any) (any, error) {
				return args[1].(time.Time).Sub(args[0].(time.Time)), nil
			},
		},
		{
			Name:   "kind",
			Params: []condition.Type{condition.Dyn},
			Result: condition.String,
			Impl:   func(args ...any) (any, error) { return fmt.Sprintf("%T", args[0]), nil },
		},
		{
			Name:   "owners",
			Result: condition.StringList,
			Impl:   func(...any) (any, error) { return []string{"ann", "bob"}, nil },
		},
		{
			Name:   "fail",
			Params: []condition.Type{condition.String},
			Result: condition.Bool,
			Impl:   func(...any) (any, error) { return nil, errBoom },
		},
		{
			Name:   "liar",
			Result: condition.Int,
			Impl:   func(...any) (any, error) { return "not an int", nil },
		},
	}})
	v := fullVars()
	tests := []struct {
		expr string
		want bool
	}{
		{`isBusinessEmail(contact.email)`, true},
		{`isBusinessEmail("x@gmail.com")`, false},
		{`crm.score(contact.numemployees, 0.5, contact.tags) == 602.0`, true},
		{`crm.score(2, 1.5, []) > 2`, true},
		{`hoursSince(session.started_at, now) == duration("10m")`, true},
		{`kind(contact.numemployees) == "int64" && kind(answer) == "string"`, true},
		{`kind(contact.tags) == "[]string" && kind(contact.created) == "time.Time"`, true},
		{`kind(contact.wait) == "time.Duration" && kind(1.5) == "float64" && kind(true) == "bool"`, true},
		{`"bob" in owners()`, true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			c, err := env.Compile(tt.expr)
			require.NoError(t, err)
			got, err := c.Eval(context.Background(), v)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}

	t.Run("type checked", func(t *testing.T) {
		_, err := env.Compile(`isBusinessEmail(1)`)
		assert.ErrorIs(t, err, condition.ErrType)
		_, err = env.Compile(`crm.score(1, 2.0)`)
		assert.ErrorIs(t, err, condition.ErrType)
	})
	t.Run("impl error", func(t *testing.T) {
		c, err := env.Compile(`fail("x")`)
		require.NoError(t, err)
		_, err = c.Eval(context.Background(), v)
		assert.ErrorIs(t, err, condition.ErrEval)
		assert.ErrorIs(t, err, errBoom)
		assert.ErrorContains(t, err, "fail: boom")
	})
	t.Run("wrong result type", func(t *testing.T) {
		c, err := env.Compile(`liar() == 1`)
		require.NoError(t, err)
		_, err = c.Eval(context.Background(), v)
		assert.ErrorIs(t, err, condition.ErrEval)
		assert.ErrorContains(t, err, "liar returned string, want int")
	})
	t.Run("dyn list of non-strings", func(t *testing.T) {
		c, err := env.Compile(`kind([1, 2]) == ""`)
		require.NoError(t, err)
		_, err = c.Eval(context.Background(), v)
		assert.ErrorIs(t, err, condition.ErrEval)
		assert.ErrorContains(t, err, "kind: argument 1")
	})
}

func TestNewEnvErrors(t *testing.T) {
	impl := func(...any) (any, error) { return true, nil }
	ok := condition.Function{Name: "ok", Result: condition.Bool, Impl: impl}
	tests := []struct {
		name string
		fns  []condition.Function
		msg  string
	}{
		{"empty name", []condition.Function{{Result: condition.Bool, Impl: impl}}, "without a name"},
		{"bad name", []condition.Function{{Name: "is-ok", Result: condition.Bool, Impl: impl}}, "not a valid identifier"},
		{"leading digit", []condition.Function{{Name: "1ok", Result: condition.Bool, Impl: impl}}, "not a valid identifier"},
		{"empty segment", []condition.Function{{Name: "crm..ok", Result: condition.Bool, Impl: impl}}, "not a valid identifier"},
		{"reserved word", []condition.Function{{Name: "in", Result: condition.Bool, Impl: impl}}, "not a valid identifier"},
		{"nil impl", []condition.Function{{Name: "f", Result: condition.Bool}}, "no Impl"},
		{"duplicate", []condition.Function{ok, ok}, "registered twice"},
		{"built-in", []condition.Function{{Name: "size", Params: []condition.Type{condition.Int}, Result: condition.Int, Impl: impl}}, "built-in"},
		{"bad param", []condition.Function{{Name: "f", Params: []condition.Type{0}, Result: condition.Bool, Impl: impl}}, "parameter 1"},
		{"bad result", []condition.Function{{Name: "f", Result: condition.Type(42), Impl: impl}}, "invalid result type Type(42)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := condition.NewEnv(condition.EnvConfig{Functions: tt.fns})
			assert.Nil(t, env)
			assert.ErrorContains(t, err, tt.msg)
		})
	}
}

func TestTypeString(t *testing.T) {
	assert.Equal(t, "list(string)", condition.StringList.String())
	assert.Equal(t, "timestamp", condition.Timestamp.String())
	assert.Equal(t, "Type(0)", condition.Type(0).String())
}

func TestCostLimit(t *testing.T) {
	tags := make([]string, 300)
	for i := range tags {
		tags[i] = fmt.Sprint("tag", i)
	}
	v := &condition.Vars{Contact: condition.Map{"tags": tags}}
	const quadratic = `contact.tags.all(a, contact.tags.all(b, a == b || a != b))`

	env := newEnv(t)
	assert.Equal(t, uint64(condition.DefaultCostLimit), env.CostLimit())
	c, err := env.Compile(quadratic)
	require.NoError(t, err)
	_, err = c.Eval(context.Background(), v)
	assert.ErrorIs(t, err, condition.ErrCostLimit)

	// A linear pass over the same list stays under the default limit.
	c, err = env.Compile(`contact.tags.all(a, a.startsWith("tag"))`)
	require.NoError(t, err)
	ok, err := c.Eval(context.Background(), v)
	require.NoError(t, err)
	assert.True(t, ok)

	// A lower limit stops it; a higher one lets the quadratic pass run.
	low := newEnvWith(t, condition.EnvConfig{CostLimit: 100})
	c, err = low.Compile(`contact.tags.all(a, a.startsWith("tag"))`)
	require.NoError(t, err)
	_, err = c.Eval(context.Background(), v)
	assert.ErrorIs(t, err, condition.ErrCostLimit)

	high := newEnvWith(t, condition.EnvConfig{CostLimit: 10_000_000})
	c, err = high.Compile(quadratic)
	require.NoError(t, err)
	ok, err = c.Eval(context.Background(), v)
	require.NoError(t, err)
	assert.True(t, ok)

	// Long answers are accounted for: the answer functions run unchecked
	// while the answer is short enough for the cost to stay under the limit,
	// and checked beyond.
	mid := newEnvWith(t, condition.EnvConfig{CostLimit: 3000})
	c, err = mid.Compile(`answer.lowerAscii() == "yes"`)
	require.NoError(t, err)
	ok, err = c.Eval(context.Background(), &condition.Vars{Answer: "YES"})
	require.NoError(t, err)
	assert.True(t, ok)
	for _, n := range []int{2000, 2700} {
		ok, err = c.Eval(context.Background(), &condition.Vars{Answer: strings.Repeat("y", n)})
		require.NoError(t, err, n)
		assert.False(t, ok)
	}
	_, err = c.Eval(context.Background(), &condition.Vars{Answer: strings.Repeat("y", 20_000)})
	assert.ErrorIs(t, err, condition.ErrCostLimit)

	// Long strings count too.
	c, err = low.Compile(`answer.lowerAscii() == "yes"`)
	require.NoError(t, err)
	_, err = c.Eval(context.Background(), &condition.Vars{Answer: strings.Repeat("y", 10_000)})
	assert.ErrorIs(t, err, condition.ErrCostLimit)
	ok, err = c.Eval(context.Background(), &condition.Vars{Answer: "YES"})
	require.NoError(t, err)
	assert.True(t, ok)
}

func TestContextCancelled(t *testing.T) {
	env := newEnvWith(t, condition.EnvConfig{CostLimit: 1 << 40})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, expr := range []string{`answer == ""`, `contact.tags.all(a, a != "")`} {
		c, err := env.Compile(expr)
		require.NoError(t, err)
		_, err = c.Eval(ctx, nil)
		assert.ErrorIs(t, err, condition.ErrEval)
		assert.ErrorIs(t, err, context.Canceled)
	}

	// Cancelled while iterating.
	tags := make([]string, 2000)
	for i := range tags {
		tags[i] = fmt.Sprint(i)
	}
	v := &condition.Vars{Contact: condition.Map{"tags": tags}}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	env = newEnvWith(t, condition.EnvConfig{CostLimit: 1 << 40, Functions: []condition.Function{{
		Name:   "cancelled",
		Params: []condition.Type{condition.String, condition.String},
		Result: condition.Bool,
		Impl: func(...any) (any, error) {
			once.Do(cancel)
			return true, nil
		},
	}}})
	c, err := env.Compile(`contact.tags.all(a, contact.tags.all(b, cancelled(a, b)))`)
	require.NoError(t, err)
	_, err = c.Eval(ctx, v)
	assert.ErrorIs(t, err, condition.ErrEval)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestConcurrentEval(t *testing.T) {
	env := newEnv(t)
	c, err := env.Compile(`has(contact.email) && answers.ask_size == "large" && contact.numemployees > 50 && contact.tags.exists(t, t == "vip")`)
	require.NoError(t, err)
	tmpl, err := env.CompileTemplate(`Hi {{ contact.firstname }}, {{ contact.numemployees * 2 }} {{ answers.?nope | default("x") }}`)
	require.NoError(t, err)
	shared := fullVars()
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			own := fullVars()
			own.Contact = condition.Map{"numemployees": int64(g), "tags": []string{"vip"}, "email": "x", "firstname": fmt.Sprint("n", g)}
			for range 200 {
				ok, err := c.Eval(context.Background(), shared)
				if !assert.NoError(t, err) || !assert.True(t, ok) {
					return
				}
				ok, err = c.Eval(context.Background(), own)
				if !assert.NoError(t, err) || !assert.Equal(t, g > 50, ok) {
					return
				}
				if !assert.Equal(t, fmt.Sprintf("Hi n%d, %d x", g, 2*g), tmpl.Render(own)) {
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestDocumentedExamples(t *testing.T) {
	env := newEnv(t)
	for _, expr := range []string{
		`answer == "yes"`,
		`answer.lowerAscii().contains("pricing")`,
		`contact.numemployees > 50 && company.industry == "SOFTWARE"`,
		`has(contact.email) && answers.ask_size == "large"`,
		`!available || now.getHours("Europe/Paris") >= 18`,
		`"vip" in contact.?tags.orValue([])`,
		`contact.subscribed == true`,
		`contact.?email.orValue("") != ""`,
	} {
		c, err := env.Compile(expr)
		require.NoError(t, err, expr)
		_, err = c.Eval(context.Background(), fullVars())
		require.NoError(t, err, expr)
	}
	for _, text := range []string{
		`Hi {{ contact.firstname }}, thanks for your interest in {{ answers.product }}!`,
		`Hi {{ contact.firstname | default("there") }}!`,
		`Hi {{ contact.firstname | default('there') }}!`,
	} {
		_, err := env.CompileTemplate(text)
		require.NoError(t, err, text)
	}
}

func TestZeroValues(t *testing.T) {
	var env condition.Env
	_, err := env.Compile(`true`)
	assert.Error(t, err)
	_, err = env.CompileTemplate(`x`)
	assert.Error(t, err)
	var c condition.Condition
	_, err = c.Eval(context.Background(), nil)
	assert.ErrorIs(t, err, condition.ErrEval)
}
