package condition_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var allVars = []string{"answer", "contact", "company", "answers", "session", "visitor", "page", "available", "now"}

func TestConditionUses(t *testing.T) {
	env := newEnv(t)
	tests := []struct {
		expr string
		uses []string
	}{
		{`!available || answer == "x"`, []string{"available", "answer"}},
		{`available`, []string{"available"}},
		{`answer == "available"`, []string{"answer"}},
		{`contact.available == true`, []string{"contact"}},
		{`has(contact.email) && company.size > 3`, []string{"contact", "company"}},
		{`"available" in page`, []string{"page"}},
		{`{"available": 1}.available == 1`, nil},
		{`contact.?tags.orValue([]).exists(t, t == "vip")`, []string{"contact"}},
		{`[1, 2].exists(available, available > 1)`, nil},
		{`[1, 2].exists(x, x > 1 && available)`, []string{"available"}},
		{`[answer].all(now, now != "") && now > timestamp("2020-01-01T00:00:00Z")`, []string{"answer", "now"}},
		{`{"a": visitor.id}.exists(k, k == session.channel)`, []string{"visitor", "session"}},
		{`answers.ask.lowerAscii().startsWith("y")`, []string{"answers"}},
		{`true`, nil},
	}
	for _, tt := range tests {
		expr := tt.expr
		c, err := env.Compile(expr)
		require.NoError(t, err, expr)
		for _, v := range allVars {
			assert.Equal(t, slices.Contains(tt.uses, v), c.Uses(v), "%s uses %s", expr, v)
		}
		assert.False(t, c.Uses("x"), expr)
		assert.False(t, c.Uses(""), expr)
	}
}

// TestUsesAvailable is the case that motivated Uses: reading availability
// can be costly, so a flow that never reads it must not be charged for it,
// whatever its text says.
func TestUsesAvailable(t *testing.T) {
	env := newEnv(t)
	static, err := env.CompileTemplate("we are unavailable")
	require.NoError(t, err)
	assert.False(t, static.Uses("available"))

	tok, err := env.CompileTemplate("{{ available }}")
	require.NoError(t, err)
	assert.True(t, tok.Uses("available"))
	assert.False(t, tok.Uses("answer"))

	lit, err := env.CompileTemplate(`{{ answer | default("available") }} {{ "available" }}`)
	require.NoError(t, err)
	assert.False(t, lit.Uses("available"))
	assert.True(t, lit.Uses("answer"))

	cond, err := env.Compile("!available || answer == \"x\"")
	require.NoError(t, err)
	assert.True(t, cond.Uses("available"))

	lit2, err := env.Compile(`answer == "available"`)
	require.NoError(t, err)
	assert.False(t, lit2.Uses("available"))
}

func TestTemplateUses(t *testing.T) {
	env := newEnv(t)
	tests := []struct {
		text string
		uses []string
	}{
		{"", nil},
		{"Hello contact, are you available now?", nil},
		{`Type \{{ available }}`, nil},
		{"Hi {{ contact.firstname }}", []string{"contact"}},
		{"{{ now }} {{ answer }}", []string{"now", "answer"}},
		{`{{ available ? "An agent will answer." : "We are away." }}`, []string{"available"}},
		{"{{ page.url }} {{ visitor.known }} {{ session.channel }} {{ answers.a }} {{ company.name.size() }}", []string{"page", "visitor", "session", "answers", "company"}},
	}
	for _, tt := range tests {
		tmpl, err := env.CompileTemplate(tt.text)
		require.NoError(t, err, tt.text)
		for _, v := range allVars {
			assert.Equal(t, slices.Contains(tt.uses, v), tmpl.Uses(v), "%q uses %s", tt.text, v)
		}
	}
}
