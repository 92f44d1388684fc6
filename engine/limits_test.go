package engine_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
)

func TestOptionsAreCapped(t *testing.T) {
	okAsk := `{"name":"ask","type":"ask_question","settings":{"message":["q?"]}}`
	flow := func(options string) []byte {
		return []byte(`{"id":"f","version":1,"welcome":{"message":["hi"]},"options":{` + options + `},"actions":[` + okAsk + `]}`)
	}
	for _, tt := range []struct {
		options, path, msg string
	}{
		{`"maxActionsPerTurn":300000`, "options.maxActionsPerTurn", "must be between 1 and 1000, got 300000"},
		{`"maxActionsPerTurn":1001`, "options.maxActionsPerTurn", "must be between 1 and 1000"},
		{`"maxActionsPerTurn":-1`, "options.maxActionsPerTurn", "must be between 1 and 1000"},
		{`"maxAnswerLength":10001`, "options.maxAnswerLength", "must be between 1 and 10000 characters, got 10001"},
		{`"maxAnswerLength":-3`, "options.maxAnswerLength", "must be between 1 and 10000"},
	} {
		t.Run(tt.options, func(t *testing.T) {
			f, err := loadFlow(flow(tt.options))
			assert.Nil(t, f)
			require.ErrorIs(t, err, engine.ErrInvalidFlow)
			probs := condition.Problems(err)
			require.Len(t, probs, 1, "%v", err)
			assert.Equal(t, tt.path, probs[0].Path)
			assert.Contains(t, probs[0].Msg, tt.msg)
		})
	}
	f, err := loadFlow(flow(fmt.Sprintf(`"maxActionsPerTurn":%d,"maxAnswerLength":%d`, engine.MaxActionsPerTurnLimit, engine.MaxAnswerLengthLimit)))
	require.NoError(t, err, "the limits themselves are allowed")
	assert.Equal(t, engine.MaxActionsPerTurnLimit, f.Definition().Options.MaxActionsPerTurn)
	assert.Equal(t, engine.MaxAnswerLengthLimit, f.Definition().Options.MaxAnswerLength)
}

// sends returns n send_message actions named prefix1…prefixN, and the
// last one ends the conversation when end is true.
func sends(prefix string, n int, end bool) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(`{"name":"%s%d","type":"send_message","settings":{"message":["%s%d"]}}`, prefix, i+1, prefix, i+1)
	}
	if end {
		out[n-1] = strings.TrimSuffix(out[n-1], "}") + `,"end":true}`
	}
	return out
}

func flowOf(maxActions int, actions ...string) []byte {
	return []byte(fmt.Sprintf(`{"id":"f","version":1,"welcome":{"message":["hi"]},"options":{"maxActionsPerTurn":%d},"actions":[%s]}`,
		maxActions, strings.Join(actions, ",")))
}

func tooLongRuns(f *engine.Flow) []*condition.Error {
	var out []*condition.Error
	for _, w := range f.Warnings() {
		if errors.Is(w, engine.ErrTooLongRun) {
			out = append(out, w)
		}
	}
	return out
}

func TestLongRunWithoutWaitingIsAWarning(t *testing.T) {
	ask := func(name string) string {
		return `{"name":"` + name + `","type":"ask_question","settings":{"message":["` + name + `?"]}}`
	}
	t.Run("from the start", func(t *testing.T) {
		// s1 s2 s3 and the question make four actions in the first turn.
		f, err := loadFlow(flowOf(3, append(sends("s", 3, false), ask("q"))...))
		require.NoError(t, err)
		w := tooLongRuns(f)
		require.Len(t, w, 1, "%v", f.Warnings())
		assert.Equal(t, "actions[0]", w[0].Path)
		assert.Equal(t, "s1", w[0].Action)
		assert.ErrorIs(t, w[0], engine.ErrTooLongRun)
		assert.Contains(t, w[0].Msg, "4 actions from here without waiting for the visitor (s1 → s2 → s3 → q), more than options.maxActionsPerTurn (3)")
	})
	t.Run("after an answer", func(t *testing.T) {
		f, err := loadFlow(flowOf(3, append([]string{ask("q")}, sends("s", 4, true)...)...))
		require.NoError(t, err)
		w := tooLongRuns(f)
		require.Len(t, w, 1, "%v", f.Warnings())
		assert.Equal(t, "actions[1]", w[0].Path)
		assert.Equal(t, "s1", w[0].Action)
	})
	t.Run("the longest branch", func(t *testing.T) {
		actions := []string{
			`{"name":"q","type":"ask_question","settings":{"message":["q?"]},"branches":[{"if":"answer == \"long\"","then":"l1"}],"next":"short"}`,
			`{"name":"short","type":"send_message","settings":{"message":["short"]},"end":true}`,
		}
		actions = append(actions, sends("l", 12, true)...)
		f, err := loadFlow(flowOf(10, actions...))
		require.NoError(t, err)
		w := tooLongRuns(f)
		require.Len(t, w, 1, "%v", f.Warnings())
		assert.Equal(t, "actions[2]", w[0].Path)
		assert.Contains(t, w[0].Msg, "12 actions from here without waiting for the visitor (l1 → l2 → l3 → … → l11 → l12)")
	})
	t.Run("failure paths count", func(t *testing.T) {
		actions := []string{
			ask("q"),
			`{"name":"hook","type":"send_message","settings":{"message":["x"]},"onFailure":"f1","end":true}`,
		}
		actions = append(actions, sends("f", 3, true)...)
		f, err := loadFlow(flowOf(3, actions...))
		require.NoError(t, err)
		require.Len(t, tooLongRuns(f), 1, "hook → f1 → f2 → f3: %v", f.Warnings())
	})
	t.Run("within the limit", func(t *testing.T) {
		for _, flow := range [][]byte{
			flowOf(3, append(sends("s", 2, false), ask("q"))...),
			flowOf(3, append([]string{ask("q")}, sends("s", 3, true)...)...),
			flowOf(3, ask("a"), ask("b"), ask("c"), ask("d"), ask("e")),
		} {
			f, err := loadFlow(flow)
			require.NoError(t, err)
			assert.Empty(t, f.Warnings())
		}
	})
}

// The warning is right about where the turn limit stops a turn: a run of
// exactly maxActionsPerTurn actions finishes, one more does not.
func TestLongRunWarningMatchesTheTurnLimit(t *testing.T) {
	ask := `{"name":"q","type":"ask_question","settings":{"message":["q?"]}}`
	fits := flowOf(3, append(sends("s", 2, false), ask)...)
	h := enginetest.New(t, fits)
	assert.Empty(t, h.Flow.Warnings())
	h.Start("c").Says("go").ExpectBot("s1", "s2", "q?").ExpectNoEvent(engine.EventTurnLimit).ExpectAwaiting("q")

	over := flowOf(3, append(sends("s", 3, false), ask)...)
	h = enginetest.New(t, over)
	assert.Len(t, tooLongRuns(h.Flow), 1)
	h.Start("c").Says("go").ExpectEvent(engine.EventTurnLimit, "q").ExpectStatus(engine.StatusEnded)
}
