package engine

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The reply's hand-written JSON must say what encoding/json says, for
// every field: a field added to Reply without updating appendReplyJSON
// fails here.
func TestReplyJSONMatchesEncodingJSON(t *testing.T) {
	r := &Reply{
		ConversationID: "c\"1",
		Messages: []action.Message{
			{Type: action.TextBubble, Text: "Hi <b>&\n\t\x01 \u2028 é 👋", Delay: 800 * time.Millisecond},
			{Type: action.ImageBubble, URL: "https://x.example/a.png", Name: "a.png", Text: "alt"},
			{Type: action.TextBubble, Text: "bad \xff utf8"},
		},
		QuickReplies: []action.QuickReply{{Value: "yes", Label: "Yes!"}, {Value: "no", Next: "x"}},
		FreeText:     true, Awaiting: "ask",
		Events: []Event{{Type: EventActionReached, Time: time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC), Action: "a", ActionType: "t",
			Object: action.ContactObject, Property: "p", Value: "v", Next: "n", Reason: "r"}},
		Status:  StatusHandedOff,
		Handoff: &action.Handoff{Kind: action.HandoffTeam, UserIDs: []string{"u"}, Outcome: "available"},
		Consent: &ConsentPrompt{DataProcessing: &ProcessingNotice{Text: "t", Required: true}},
		Survey:  &SurveyPrompt{Question: "How did we do?", Ratings: []action.QuickReply{{Value: "5"}}},
		Outcome: OutcomeProcessed,
	}
	// Set every other field too, by reflection through JSON: a zero field
	// would hide a missing one.
	want, err := json.Marshal(r)
	require.NoError(t, err)
	got, err := appendReplyJSON(nil, r, true)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(got))

	var full map[string]any
	require.NoError(t, json.Unmarshal(want, &full))
	for _, f := range replyFields() {
		_, inFull := full[f]
		assert.True(t, inFull, "field %q is not set in this test: set it, and write it in appendReplyJSON", f)
	}

	r.Events = nil
	noEvents, err := appendReplyJSON(nil, r, false)
	require.NoError(t, err)
	want, _ = json.Marshal(r)
	assert.JSONEq(t, string(want), string(noEvents))
}

// replyFields are the JSON names of Reply's fields.
func replyFields() []string {
	var out []string
	t := reflect.TypeFor[Reply]()
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

func TestEffectsJSONMatchesEncodingJSON(t *testing.T) {
	for _, ef := range []*effects{
		{},
		{Message: "m\"1", ContactID: "c1", Contact: store.Properties{"a": "1", "b<": "2"}, CompanyID: "co", Company: store.Properties{"x": "y"},
			Records:       []consent.Record{{ID: "r1", Kind: consent.Communication, Choice: consent.Granted, Time: time.Unix(1, 2).UTC()}},
			Subscriptions: []subscriptionChange{{"news", store.OptedIn}}, Link: true, Reply: json.RawMessage(`{"status":"active"}`)},
	} {
		want, err := json.Marshal(ef)
		require.NoError(t, err)
		got, err := appendEffectsJSON(nil, ef)
		require.NoError(t, err)
		assert.JSONEq(t, string(want), string(got))
		var back effects
		require.NoError(t, json.Unmarshal(got, &back))
	}
}
