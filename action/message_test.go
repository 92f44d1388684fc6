package action_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A reply's message delay is written like the flow JSON's typingDelay, as a
// duration string, and read back the same.
func TestMessageDelayIsADurationString(t *testing.T) {
	m := action.Message{Type: action.TextBubble, Text: "hi", Delay: 800 * time.Millisecond}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"text","text":"hi","delay":"800ms"}`, string(b))
	var back action.Message
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, m, back)

	b, err = json.Marshal(action.Message{Type: action.TextBubble, Text: "first"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"text","text":"first"}`, string(b), "no delay, no field")
	assert.Error(t, json.Unmarshal([]byte(`{"type":"text","delay":800}`), &back), "nanoseconds are not a duration string")
}

// Bubbles are written as in flow JSON: a text bubble as a plain string.
func TestBubbleJSON(t *testing.T) {
	var m action.Messages
	require.NoError(t, json.Unmarshal([]byte(`["Hi {{ contact.firstname }}", {"type":"image","url":"https://x.example/a.png","text":"alt"}]`), &m))
	require.Len(t, m, 2)
	assert.Equal(t, "Hi {{ contact.firstname }}", m[0].Text)
	assert.Nil(t, m[0].Template(), "not compiled until a loader compiles it")
	b, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, `["Hi {{ contact.firstname }}", {"type":"image","url":"https://x.example/a.png","text":"alt"}]`, string(b))
	assert.Error(t, json.Unmarshal([]byte(`[{"type":"image","src":"x"}]`), &m), "unknown fields are refused")
}

func TestHandoffJSON(t *testing.T) {
	b, err := json.Marshal(action.Handoff{Kind: action.HandoffAgent, Outcome: "answer_in_context", Instructions: "Help with pricing."})
	require.NoError(t, err)
	assert.JSONEq(t, `{"kind":"agent","outcome":"answer_in_context","instructions":"Help with pricing."}`, string(b))
}
