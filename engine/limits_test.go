package engine_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/engine"
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
