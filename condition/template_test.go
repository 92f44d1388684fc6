package condition_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/condition"
)

func TestRender(t *testing.T) {
	env := newEnvWith(t, condition.EnvConfig{Functions: []condition.Function{{
		Name:   "greeting",
		Params: []condition.Type{condition.Timestamp},
		Result: condition.String,
		Impl: func(args ...any) (any, error) {
			if args[0].(time.Time).Hour() < 12 {
				return "Good morning", nil
			}
			return "Hello", nil
		},
	}}})
	v := fullVars()
	v.Contact.(condition.Map)["bio"] = "I write {{ contact.email }} and }} and {{"
	v.Contact.(condition.Map)["blank"] = ""
	v.Contact.(condition.Map)["ratio"] = 0.25
	v.Contact.(condition.Map)["big"] = 1e21
	v.Contact.(condition.Map)["whole"] = 3.0
	tests := []struct {
		name, text, want string
	}{
		{"plain text", "Hello there!", "Hello there!"},
		{"empty", "", ""},
		{"token", "Hi {{ contact.firstname }}!", "Hi Ada!"},
		{"no spaces", "Hi {{contact.firstname}}!", "Hi Ada!"},
		{"several tokens", "{{answers.ask_name}} from {{ company.industry }} ({{ page.path }})", "Ada from SOFTWARE (/pricing)"},
		{"answer", "You said {{ answer }}.", "You said Yes."},
		{"available", "{{ available }}", "true"},
		{"now", "{{ now }}", "2024-05-01T09:40:00Z"},
		{"int", "{{ contact.numemployees }} people", "1200 people"},
		{"double", "{{ contact.revenue }} {{ contact.ratio }} {{ contact.big }} {{ contact.whole }}", "2500000 0.25 1e+21 3"},
		{"bool", "{{ contact.subscribed }} {{ visitor.identified }}", "true false"},
		{"timestamp", "since {{ contact.created }}", "since 2024-04-29T09:30:00Z"},
		{"duration", "{{ contact.wait }}", "1m30s"},
		{"string list", "tags: {{ contact.tags }}", "tags: vip, beta"},
		{"expression", "{{ contact.firstname.upperAscii() + '!' }}", "ADA!"},
		{"arithmetic", "{{ contact.numemployees * 2 }}", "2400"},
		{"double arithmetic", "{{ contact.revenue / 4.0 }}", "625000"},
		{"conditional", `{{ available ? "An agent will answer." : "We are away." }}`, "An agent will answer."},
		{"int list", "{{ [1, 2, 3] }}", "1, 2, 3"},
		{"host function", "{{ greeting(now) }}, {{ contact.firstname }}", "Good morning, Ada"},
		{"optional present", `{{ contact.?firstname }}`, "Ada"},
		{"optional orValue", `{{ contact.?phone.orValue("n/a") }}`, "n/a"},
		{"default unused", `Hi {{ contact.firstname | default("there") }}`, "Hi Ada"},
		{"default on missing key", `Hi {{ contact.nickname | default("there") }}!`, "Hi there!"},
		{"default single quotes", `Hi {{ contact.nickname | default('there') }}!`, "Hi there!"},
		{"default no spaces", `Hi {{contact.nickname|default("there")}}!`, "Hi there!"},
		{"default with quotes and braces", `{{ contact.nickname | default("a \"}}\" | b") }}`, `a "}}" | b`},
		{"default on empty value", `Hi {{ contact.blank | default("there") }}`, "Hi there"},
		{"default on empty optional", `{{ contact.?phone | default("none") }}`, "none"},
		{"default on error", `{{ contact.firstname + contact.numemployees | default("?") }}`, "?"},
		{"default on map", `{{ contact | default("?") }}`, "?"},
		{"default after ||", `{{ available || false | default("x") }}`, "true"},
		{"missing without default", "Hi {{ contact.nickname }}!", "Hi !"},
		{"missing map without default", "[{{ page.nothing }}]", "[]"},
		{"error without default", "[{{ int(answer) }}]", "[]"},
		{"literal insertion", "Bio: {{ contact.bio }}", "Bio: I write {{ contact.email }} and }} and {{"},
		{"literal insertion via CEL", "Bio: {{ contact.bio.trim() }}", "Bio: I write {{ contact.email }} and }} and {{"},
		{"escaped braces", `Type \{{ name }} to see {{ contact.firstname }}`, "Type {{ name }} to see Ada"},
		{"stray closing braces", "a }} b", "a }} b"},
		{"braces in a string", `{{ "{{x}}" + contact.firstname }}`, "{{x}}Ada"},
		{"map literal", `{{ {"a": {"b": "c"}}.a.b }}`, "c"},
		{"unicode", "Bonjour {{ contact.firstname }} ☕ {{ 'été' }}", "Bonjour Ada ☕ été"},
		{"multi-line", "Hello\n{{ contact.firstname }}\nbye", "Hello\nAda\nbye"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := env.CompileTemplate(tt.text)
			require.NoError(t, err)
			assert.Equal(t, tt.text, tmpl.Source())
			assert.Equal(t, tt.want, tmpl.Render(v))
		})
	}
}

func TestRenderZeroVars(t *testing.T) {
	env := newEnv(t)
	tmpl, err := env.CompileTemplate(`Hi {{ contact.firstname | default("there") }}{{ answer }}{{ session.x.size() }}, {{ available }}`)
	require.NoError(t, err)
	assert.Equal(t, "Hi there, false", tmpl.Render(nil))
	assert.Equal(t, "Hi there, false", tmpl.Render(&condition.Vars{}))
}

func TestIsStatic(t *testing.T) {
	env := newEnv(t)
	tests := []struct {
		text   string
		static bool
		render string
	}{
		{"", true, ""},
		{"Welcome!", true, "Welcome!"},
		{`Type \{{ name }}`, true, "Type {{ name }}"},
		{"Hi {{ answer }}", false, "Hi "},
	}
	for _, tt := range tests {
		tmpl, err := env.CompileTemplate(tt.text)
		require.NoError(t, err)
		assert.Equal(t, tt.static, tmpl.IsStatic(), tt.text)
		assert.Equal(t, tt.render, tmpl.Render(nil), tt.text)
	}
	var zero condition.Template
	assert.True(t, zero.IsStatic())
	assert.Equal(t, "", zero.Render(nil))
}

func TestTemplateErrors(t *testing.T) {
	env := newEnv(t)
	tests := []struct {
		name      string
		text      string
		kind      error
		line, col int
		msg       string
	}{
		{"unclosed", "Hi {{ contact.firstname", condition.ErrSyntax, 1, 4, "unclosed {{"},
		{"unclosed after a token", "Hi {{ answer }} and {{ answer", condition.ErrSyntax, 1, 21, "unclosed {{"},
		{"unclosed string", `Hi {{ "abc }}`, condition.ErrSyntax, 1, 4, "unclosed {{"},
		{"single closing brace", "Hi {{ answer }", condition.ErrSyntax, 1, 4, "unclosed {{"},
		{"empty token", "Hi {{ }}", condition.ErrSyntax, 1, 4, "empty token"},
		{"undeclared", "Hi {{ contac.firstname }}", condition.ErrType, 1, 7, "undeclared reference to 'contac'"},
		{"undeclared second line", "Hello\nHi {{ answer }} {{ foo }}", condition.ErrType, 2, 20, "undeclared reference to 'foo'"},
		{"undeclared in multi-line token", "Hello {{ answer +\n  foo }}", condition.ErrType, 2, 3, "undeclared reference to 'foo'"},
		{"after unicode", "Été ☕ {{ foo }}", condition.ErrType, 1, 10, "undeclared reference to 'foo'"},
		{"syntax", "Hi {{ answer + }}", condition.ErrSyntax, 1, 16, "Syntax error"},
		{"type", "Hi {{ answer + 1 }}", condition.ErrType, 1, 14, "no matching overload"},
		{"unknown filter", `Hi {{ answer | upper }}`, condition.ErrSyntax, 1, 16, `default("text")`},
		{"default without parentheses", `Hi {{ answer | default "x" }}`, condition.ErrSyntax, 1, 24, `default("text")`},
		{"default not a string", `Hi {{ answer | default(3) }}`, condition.ErrSyntax, 1, 24, "string literal"},
		{"default not a literal", `Hi {{ answer | default(answer) }}`, condition.ErrSyntax, 1, 24, "string literal"},
		{"default bad literal", `Hi {{ answer | default("x" +) }}`, condition.ErrSyntax, 1, 29, "Syntax error"},
		{"empty before filter", `Hi {{ | default("x") }}`, condition.ErrSyntax, 1, 4, "empty token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := env.CompileTemplate(tt.text)
			require.Error(t, err)
			assert.Nil(t, tmpl)
			assert.ErrorIs(t, err, tt.kind)
			var cerr *condition.Error
			require.ErrorAs(t, err, &cerr)
			assert.Equal(t, tt.text, cerr.Source)
			assert.Equal(t, tt.line, cerr.Line, "line")
			assert.Equal(t, tt.col, cerr.Column, "column")
			assert.Contains(t, cerr.Msg, tt.msg)
		})
	}
}

// countingLookup counts its calls, to show which tokens are read directly.
type countingLookup struct {
	condition.Map
	calls *int
}

func (c countingLookup) Lookup(name string) (any, bool) {
	*c.calls++
	return c.Map.Lookup(name)
}

func TestRenderReadsEachTokenOnce(t *testing.T) {
	env := newEnv(t)
	calls := 0
	v := &condition.Vars{Contact: countingLookup{condition.Map{"firstname": "Ada"}, &calls}}
	tmpl, err := env.CompileTemplate("{{ contact.firstname }} {{ contact.lastname | default('-') }} {{ contact.firstname.size() }}")
	require.NoError(t, err)
	assert.Equal(t, "Ada - 3", tmpl.Render(v))
	assert.Equal(t, 3, calls)
}
