package condition_test

import (
	"context"
	"testing"

	"github.com/chatflow/chatflow/condition"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpen(t *testing.T) {
	env, err := condition.NewEnv(condition.EnvConfig{})
	require.NoError(t, err)
	c, err := env.Compile(`open("support") && answer == "team"`)
	require.NoError(t, err)
	names, dynamic := c.OpenNames()
	assert.Equal(t, []string{"support"}, names)
	assert.False(t, dynamic)

	ctx := context.Background()
	for _, tc := range []struct {
		schedules condition.Lookup
		want      bool
		err       string
	}{
		{condition.Map{"support": true}, true, ""},
		{condition.Map{"support": false}, false, ""},
		{condition.Map{"sales": true}, false, `open("support"): no schedule of that name`},
		{nil, false, `open("support"): there are no schedules`},
		{condition.Map{"support": "yes"}, false, "not bool"},
	} {
		got, err := c.Eval(ctx, &condition.Vars{Answer: "team", Schedules: tc.schedules})
		if tc.err != "" {
			assert.ErrorIs(t, err, condition.ErrEval)
			assert.ErrorContains(t, err, tc.err)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}

	// Short-circuiting: open() is not called when the answer decides.
	got, err := c.Eval(ctx, &condition.Vars{Answer: "bot"})
	require.NoError(t, err)
	assert.False(t, got)

	dyn, err := env.Compile(`open(answer) || open("sales") || open("support") || open("sales")`)
	require.NoError(t, err)
	names, dynamic = dyn.OpenNames()
	assert.Equal(t, []string{"sales", "support"}, names)
	assert.True(t, dynamic)
	got, err = dyn.Eval(ctx, &condition.Vars{Answer: "night", Schedules: condition.Map{"night": true}})
	require.NoError(t, err)
	assert.True(t, got)

	plain, err := env.Compile(`answer == "open"`)
	require.NoError(t, err)
	names, dynamic = plain.OpenNames()
	assert.Empty(t, names)
	assert.False(t, dynamic)

	_, err = env.Compile(`open(1)`)
	assert.ErrorIs(t, err, condition.ErrType)
	_, err = env.Compile(`"support".open()`)
	assert.ErrorIs(t, err, condition.ErrType)
}

func TestOpenInTemplates(t *testing.T) {
	env, err := condition.NewEnv(condition.EnvConfig{})
	require.NoError(t, err)
	tm, err := env.CompileTemplate(`Support is {{ open("support") ? "open" : "closed" }}; sales {{ open("sales") }}.`)
	require.NoError(t, err)
	names, dynamic := tm.OpenNames()
	assert.Equal(t, []string{"support", "sales"}, names)
	assert.False(t, dynamic)
	assert.Equal(t, "Support is closed; sales true.", tm.Render(&condition.Vars{Schedules: condition.Map{"support": false, "sales": true}}))
	assert.Equal(t, "Support is ; sales .", tm.Render(nil), "a failing token renders as nothing")
}

func TestOpenIsReserved(t *testing.T) {
	_, err := condition.NewEnv(condition.EnvConfig{Functions: []condition.Function{{
		Name: "open", Params: []condition.Type{condition.String}, Result: condition.Bool,
		Impl: func(...any) (any, error) { return true, nil },
	}}})
	assert.ErrorContains(t, err, "built-in function")
}

// TestEvalWithoutOpenAllocatesNothingMore: binding open() at evaluation
// time costs the evaluations that do not call it nothing.
func TestEvalWithoutOpenAllocatesNothingMore(t *testing.T) {
	env, err := condition.NewEnv(condition.EnvConfig{})
	require.NoError(t, err)
	c, err := env.Compile(`available`)
	require.NoError(t, err)
	v := &condition.Vars{Available: true}
	ctx := context.Background()
	allocs := testing.AllocsPerRun(100, func() { _, _ = c.Eval(ctx, v) })
	assert.Zero(t, allocs)
}
