package condition_test

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/condition"
)

func TestErrorString(t *testing.T) {
	_, err := newEnv(t).Compile(`answer == foo`)
	require.Error(t, err)
	assert.Equal(t, "line 1, column 11: undeclared reference to 'foo'", err.Error())
	assert.True(t, errors.Is(err, condition.ErrType))
	assert.False(t, errors.Is(err, condition.ErrSyntax))

	errKind := errors.New("kind")
	tests := []struct {
		e    condition.Error
		want string
	}{
		{condition.Error{Msg: "bad"}, "bad"},
		{condition.Error{Path: "a.b", Msg: "bad"}, "a.b: bad"},
		{condition.Error{Path: "a.b", Action: "ask", Msg: "bad"}, "a.b (action ask): bad"},
		{condition.Error{Action: "ask", Msg: "bad"}, "(action ask): bad"},
		{condition.Error{Path: "branches[0].if", Action: "ask", Line: 2, Column: 5, Msg: "bad"}, "branches[0].if (action ask): line 2, column 5: bad"},
		{condition.Error{Line: 3, Msg: "bad"}, "line 3: bad"},
		{condition.Error{Path: "x", Err: errKind}, "x: kind"},
		{condition.Error{Path: "x"}, "x"},
		{condition.Error{}, ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.e.Error())
	}
}

func TestErrorUnwrap(t *testing.T) {
	e := &condition.Error{Path: "p", Msg: "m", Err: fs.ErrNotExist}
	assert.ErrorIs(t, e, fs.ErrNotExist)
	assert.Equal(t, fs.ErrNotExist, e.Unwrap())
	assert.Nil(t, (&condition.Error{}).Unwrap())
}

func TestProblems(t *testing.T) {
	a := &condition.Error{Path: "a", Msg: "1"}
	b := &condition.Error{Path: "b", Msg: "2", Err: &condition.Error{Path: "cause"}}
	c := &condition.Error{Path: "c", Msg: "3"}
	plain := errors.New("plain")
	err := errors.Join(
		a,
		fmt.Errorf("wrapped: %w", b),
		plain,
		errors.Join(fmt.Errorf("two: %w and %w", c, plain)),
	)
	got := condition.Problems(err)
	require.Len(t, got, 3)
	// The same values, in order; the cause inside b is not a problem of its own.
	assert.Same(t, a, got[0])
	assert.Same(t, b, got[1])
	assert.Same(t, c, got[2])

	assert.Nil(t, condition.Problems(nil))
	assert.Nil(t, condition.Problems(plain))
	assert.Equal(t, []*condition.Error{a}, condition.Problems(a))
}

func TestWithPath(t *testing.T) {
	assert.NoError(t, condition.WithPath(nil, "x", "y"))

	orig := []*condition.Error{
		{Path: "pageRules[2].value", Msg: "bad regex"},
		{Path: "[1].from", Msg: "bad time"},
		{Path: "", Msg: "somewhere"},
		{Path: "if", Action: "other", Source: "answer ==", Line: 1, Column: 10, Msg: "syntax", Err: condition.ErrSyntax},
	}
	plain := errors.New("plain failure")
	in := errors.Join(orig[0], orig[1], fmt.Errorf("ctx: %w", orig[2]), orig[3], plain)

	err := condition.WithPath(in, "actions[3].settings", "ask")
	got := condition.Problems(err)
	require.Len(t, got, 5)
	want := []struct{ path, action string }{
		{"actions[3].settings.pageRules[2].value", "ask"},
		{"actions[3].settings[1].from", "ask"},
		{"actions[3].settings", "ask"},
		{"actions[3].settings.if", "other"},
		{"actions[3].settings", "ask"},
	}
	for i, w := range want {
		assert.Equal(t, w.path, got[i].Path, i)
		assert.Equal(t, w.action, got[i].Action, i)
	}
	// The other fields are kept.
	assert.Equal(t, "answer ==", got[3].Source)
	assert.Equal(t, 10, got[3].Column)
	assert.ErrorIs(t, got[3], condition.ErrSyntax)
	assert.ErrorIs(t, err, condition.ErrSyntax)
	// A plain error becomes a problem at the prefix, keeping it as its cause.
	assert.Equal(t, "plain failure", got[4].Msg)
	assert.Same(t, plain, got[4].Err)
	assert.ErrorIs(t, err, plain)
	// The originals are untouched.
	assert.Equal(t, "pageRules[2].value", orig[0].Path)
	assert.Equal(t, "", orig[0].Action)

	// An empty prefix only sets the action.
	got = condition.Problems(condition.WithPath(orig[0], "", "ask"))
	require.Len(t, got, 1)
	assert.Equal(t, "pageRules[2].value", got[0].Path)
	assert.Equal(t, "ask", got[0].Action)

	// Nested: a section inside a flow.
	inner := condition.WithPath(orig[0], "targeting", "")
	outer := condition.WithPath(inner, "flows[0]", "")
	assert.Equal(t, "flows[0].targeting.pageRules[2].value: bad regex", outer.Error())

	// A wrapper around a plain error stays whole.
	got = condition.Problems(condition.WithPath(fmt.Errorf("reading: %w", plain), "p", ""))
	require.Len(t, got, 1)
	assert.Equal(t, "reading: plain failure", got[0].Msg)
	assert.ErrorIs(t, got[0], plain)
}
