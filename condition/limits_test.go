package condition_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/condition"
)

// nested wraps mid in depth pairs of open and close.
func nested(open, mid, close string, depth int) string {
	return strings.Repeat(open, depth) + mid + strings.Repeat(close, depth)
}

// requireTooLarge checks that err is an *Error of kind ErrTooLarge whose
// message contains msg.
func requireTooLarge(t *testing.T, err error, msg string) *condition.Error {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, condition.ErrTooLarge)
	var cerr *condition.Error
	require.ErrorAs(t, err, &cerr)
	assert.Equal(t, condition.ErrTooLarge, cerr.Err)
	assert.Contains(t, cerr.Msg, msg)
	return cerr
}

// Before the nesting limit, each of these took seconds to type-check (or,
// beyond cel-go's own limit of 250, failed as a syntax error).
func TestCompileRejectsDeepNesting(t *testing.T) {
	env := newEnv(t)
	const depth = 160
	tests := map[string]string{
		"lists":       nested("[", "", "]", depth) + " == []",
		"maps":        nested("{1:", "1", "}", depth) + " == {}",
		"optionals":   nested("[optional.of(", "1", ")]", depth) + " == []",
		"parentheses": nested("(", "true", ")", depth),
		"calls":       nested("size([", "", "])", depth) + " > 0",
		"conditional": strings.Repeat("true ? 1 : ", depth) + "1 == 1",
		"operators":   strings.Repeat("1 + ", depth) + "1 > 0",
		"fields":      "contact" + strings.Repeat(".a", depth) + " == 1",
		"methods":     "answer" + strings.Repeat(".trim()", depth) + ` == ""`,
		"macros":      nested("[1].map(x, ", "x", ")", depth) + " == []",
		"beyond cel":  nested("[", "", "]", 300) + " == []",
	}
	for name, expr := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := env.Compile(expr)
			assert.Nil(t, c)
			cerr := requireTooLarge(t, err, fmt.Sprintf("nests more than %d levels deep", condition.DefaultMaxNesting))
			assert.Equal(t, expr, cerr.Source)
			assert.Equal(t, 1, cerr.Line)
			assert.Equal(t, 1, cerr.Column)
		})
	}
}

func TestTemplateRejectsDeepNesting(t *testing.T) {
	env := newEnv(t)
	text := "Hi {{ contact.firstname }},\nyou said {{ " + nested("[", "", "]", 100) + " }}"
	tmpl, err := env.CompileTemplate(text)
	assert.Nil(t, tmpl)
	cerr := requireTooLarge(t, err, "nests more than")
	assert.Equal(t, text, cerr.Source)
	assert.Equal(t, 2, cerr.Line)
	assert.Equal(t, 12, cerr.Column, "the start of the token's expression")

	// A default is parsed too.
	text = `{{ answer | default(` + nested("(", `"x"`, ")", 100) + `) }}`
	_, err = env.CompileTemplate(text)
	requireTooLarge(t, err, "nests more than")
}

func TestNestingWithinLimit(t *testing.T) {
	env := newEnv(t)
	for _, expr := range []string{
		nested("[", "", "]", condition.DefaultMaxNesting) + " == []",
		nested("(", "true", ")", condition.DefaultMaxNesting-1),
		strings.Repeat("1 + ", condition.DefaultMaxNesting-1) + "1 > 0",
		// Chains of && and || are balanced: they do not nest.
		strings.Repeat(`answer == "a" || `, 300) + "false",
		`(has(contact.email) && contact.email.endsWith("@example.com")) || (answers.size in ["large", "huge"] && !available)`,
	} {
		_, err := env.Compile(expr)
		assert.NoError(t, err)
	}

	deep := nested("[", "", "]", 40) + " == []"
	_, err := env.Compile(deep)
	requireTooLarge(t, err, "nests more than 24 levels")
	_, err = newEnvWith(t, condition.EnvConfig{MaxNesting: 50}).Compile(deep)
	assert.NoError(t, err, "MaxNesting raises the limit")
	_, err = newEnvWith(t, condition.EnvConfig{MaxNesting: 5}).Compile(nested("[", "", "]", 6) + " == []")
	requireTooLarge(t, err, "nests more than 5 levels")
}

func TestCompileRejectsLongText(t *testing.T) {
	env := newEnv(t)
	const max = condition.DefaultMaxSourceSize
	cond := func(n int) string { // a condition of exactly n bytes
		return `answer == "` + strings.Repeat("a", n-len(`answer == ""`)) + `"`
	}
	_, err := env.Compile(cond(max))
	require.NoError(t, err)
	c, err := env.Compile(cond(max + 1))
	assert.Nil(t, c)
	cerr := requireTooLarge(t, err, fmt.Sprintf("the text is %d bytes long, more than the limit of %d", max+1, max))
	assert.Empty(t, cerr.Source, "the error does not carry the text")

	_, err = env.CompileTemplate(strings.Repeat("a", max))
	require.NoError(t, err)
	tmpl, err := env.CompileTemplate(strings.Repeat("a", max+1))
	assert.Nil(t, tmpl)
	requireTooLarge(t, err, "more than the limit")

	small := newEnvWith(t, condition.EnvConfig{MaxSourceSize: 20})
	_, err = small.Compile(cond(20))
	require.NoError(t, err)
	_, err = small.Compile(cond(21))
	requireTooLarge(t, err, "21 bytes long, more than the limit of 20")
	_, err = small.CompileTemplate("Hello {{ answer }}, and welcome")
	requireTooLarge(t, err, "more than the limit of 20")
}

func TestCompileRejectsLargeRegex(t *testing.T) {
	env := newEnv(t)
	for _, expr := range []string{
		`answer.matches("^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$")`,
		`matches(answer, "^[0-9]{5}(-[0-9]{4})?$")`,
		`answer.matches("a{1000}")`,
		`answer.matches(contact.?pattern.orValue(""))`, // computed at run time
	} {
		_, err := env.Compile(expr)
		assert.NoError(t, err, expr)
	}
	for name, expr := range map[string]string{
		// Compiling this one took a second.
		"repeated repetitions": `answer.matches("` + strings.Repeat("a{1000}", 1000) + `")`,
		"nested repetitions":   `answer.matches("((a{10}){10}){9}")`,
		"function form":        `matches(answer, "[0-9]{1000}x")`,
		"many small patterns":  strings.Repeat(`answer.matches("[a-z]{60}") || `, 20) + "false",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := env.Compile(expr)
			cerr := requireTooLarge(t, err, "regular expressions too large: more than 1000 instructions")
			assert.Equal(t, expr, cerr.Source)
			assert.Greater(t, cerr.Column, 1, "points at the pattern")
		})
	}

	// The patterns of one template share the limit.
	tmpl := strings.Repeat(`{{ answer.matches("[a-z]{300}") }} `, 4)
	_, err := env.CompileTemplate(tmpl)
	requireTooLarge(t, err, "regular expressions too large")
	_, err = env.CompileTemplate(strings.Repeat(`{{ answer.matches("[a-z]{300}") }} `, 3))
	assert.NoError(t, err)

	_, err = newEnvWith(t, condition.EnvConfig{MaxRegexSize: 5000}).Compile(`answer.matches("a{1000}a{1000}")`)
	assert.NoError(t, err, "MaxRegexSize raises the limit")
}

func TestNewEnvRejectsNegativeLimits(t *testing.T) {
	for _, cfg := range []condition.EnvConfig{{MaxSourceSize: -1}, {MaxNesting: -1}, {MaxRegexSize: -1}} {
		env, err := condition.NewEnv(cfg)
		assert.Nil(t, env)
		assert.ErrorContains(t, err, "negative limit")
	}
}

func TestEnvLimits(t *testing.T) {
	env := newEnv(t)
	assert.Equal(t, condition.DefaultMaxSourceSize, env.MaxSourceSize())
	assert.Equal(t, condition.DefaultMaxNesting, env.MaxNesting())
	assert.Equal(t, condition.DefaultMaxRegexSize, env.MaxRegexSize())
	env = newEnvWith(t, condition.EnvConfig{MaxSourceSize: 100, MaxNesting: 10, MaxRegexSize: 50})
	assert.Equal(t, 100, env.MaxSourceSize())
	assert.Equal(t, 10, env.MaxNesting())
	assert.Equal(t, 50, env.MaxRegexSize())
}
