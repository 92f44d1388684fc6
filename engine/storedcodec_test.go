package engine

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fullReply sets every field of Reply.
func fullReply() *Reply {
	return &Reply{
		ConversationID: "c\"1",
		Messages: []action.Message{
			{Type: action.TextBubble, Text: "Hi <b>&\n\t\x01 \u2028 é 👋", Delay: 800 * time.Millisecond},
			{Type: action.ImageBubble, URL: "https://x.example/a.png", Name: "a.png", Text: "alt"},
			{Type: action.TextBubble, Text: "bad \xff utf8"},
		},
		QuickReplies: []action.QuickReply{{Value: "yes", Label: "Yes!"}, {Value: "no", Next: "x"}},
		FreeText:     true, Awaiting: "ask",
		Events: []Event{{Type: EventActionReached, Time: time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC), FlowID: "f", FlowVersion: 3,
			Action: "a", ActionType: "t", Object: action.ContactObject, Property: "p", Value: "v", Next: "n", Reason: "r"},
			// The same time, flow and action as the one before; a type
			// without a code; then each shared field changing in turn.
			{Type: "host_event", Time: time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC), FlowID: "f", FlowVersion: 3, Action: "a", ActionType: "t"},
			{Type: EventPropertySet, Time: time.Date(2026, 3, 2, 9, 0, 1, 0, time.UTC), FlowID: "f", FlowVersion: 3, Action: "a", ActionType: "t", Property: "only"},
			{Type: EventActionCompleted, Time: time.Date(2026, 3, 2, 9, 0, 1, 0, time.UTC), FlowID: "g", FlowVersion: 1, Action: "a", ActionType: "t", Value: "x"},
			{Type: EventBranchTaken, Time: time.Date(2026, 3, 2, 9, 0, 1, 0, time.UTC), FlowID: "g", FlowVersion: 1, Action: "b", ActionType: "t", Next: "c"},
			{Type: EventConsentRecorded, Time: time.Date(2026, 3, 2, 9, 0, 1, 0, time.UTC), FlowID: "g", FlowVersion: 1, Reason: "why"},
		},
		Status:  StatusHandedOff,
		Handoff: &action.Handoff{Kind: action.HandoffTeam, UserIDs: []string{"u"}, Outcome: "available"},
		Consent: &ConsentPrompt{DataProcessing: &ProcessingNotice{Text: "t", Required: true}},
		Survey:  &SurveyPrompt{Question: "How did we do?", Ratings: []action.QuickReply{{Value: "5"}}},
		Outcome: OutcomeProcessed,
	}
}

// A stored reply comes back as it was, field for field: a field added to
// Reply without storing it fails here.
func TestStoredReplyRoundTrip(t *testing.T) {
	r := fullReply()
	for i := 0; i < reflect.TypeFor[Reply]().NumField(); i++ {
		assert.False(t, reflect.ValueOf(r).Elem().Field(i).IsZero(),
			"field %s is not set in this test: set it, and store it", reflect.TypeFor[Reply]().Field(i).Name)
	}
	b, err := appendStoredReply(nil, r, true, true)
	require.NoError(t, err)
	var back Reply
	require.NoError(t, decodeStoredReply(b, r.ConversationID, &back))
	assert.Equal(t, r, &back)

	// Without events and outcome, as a redelivery is answered.
	b, err = appendStoredReply(nil, r, false, false)
	require.NoError(t, err)
	back = Reply{}
	require.NoError(t, decodeStoredReply(b, r.ConversationID, &back))
	want := *r
	want.Events, want.Outcome = nil, ""
	assert.Equal(t, &want, &back)

	// The binary form is smaller than the JSON it replaced.
	j, err := json.Marshal(&want)
	require.NoError(t, err)
	assert.Less(t, len(b), len(j))
}

// Sessions saved by earlier versions hold their replies and outboxes as
// JSON; they are still read.
func TestStoredReplyAndEffectsReadJSON(t *testing.T) {
	r := fullReply()
	r.Events[0].FlowID, r.Events[0].FlowVersion = "", 0 // not in the JSON of earlier versions
	r.Messages[2].Text = "valid"                        // JSON replaced invalid UTF-8
	j, err := json.Marshal(r)
	require.NoError(t, err)
	var back Reply
	require.NoError(t, decodeStoredReply(j, "ignored", &back))
	assert.Equal(t, r, &back)

	ef := storedEffectsSample()
	ef.Reply = j
	j, err = json.Marshal(ef)
	require.NoError(t, err)
	var backEf effects
	require.NoError(t, decodeStoredEffects(j, &backEf))
	assert.JSONEq(t, string(ef.Reply), string(backEf.Reply))
	backEf.Reply, ef.Reply = nil, nil
	assert.Equal(t, ef, &backEf)
}

func storedEffectsSample() *effects {
	return &effects{Message: "m\"1", ContactID: "c1", Contact: store.Properties{"a": "1", "b<": "2"}, CompanyID: "co", Company: store.Properties{"x": "y"},
		Records: []consent.Record{{ID: "r1", VisitorID: "v", ContactID: "c1", Kind: consent.Communication, Basis: consent.ExplicitConsent,
			SubscriptionType: "news", Text: "t", TextHash: consent.Hash("t"), Choice: consent.Granted, Time: time.Unix(1, 2).UTC(),
			ChatflowID: "f", FlowVersion: 2, Action: "a", ConversationID: "conv"}},
		Subscriptions: []subscriptionChange{{"news", store.OptedIn}}, Link: true, Reply: []byte{storedReplyFormat, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}
}

func TestStoredEffectsRoundTrip(t *testing.T) {
	ef := storedEffectsSample()
	rec := reflect.ValueOf(ef.Records[0])
	for i := 0; i < rec.NumField(); i++ {
		assert.False(t, rec.Field(i).IsZero(), "consent.Record field %s is not set in this test: set it, and store it", rec.Type().Field(i).Name)
	}
	for _, in := range []*effects{{}, ef} {
		var back effects
		require.NoError(t, decodeStoredEffects(appendStoredEffects(nil, in), &back))
		assert.Equal(t, in, &back)
	}
}

// Truncated or garbled data is an error, never a panic.
func TestStoredReplyCorrupt(t *testing.T) {
	b, err := appendStoredReply(nil, fullReply(), true, true)
	require.NoError(t, err)
	for n := 0; n < len(b); n++ {
		var r Reply
		assert.Error(t, decodeStoredReply(b[:n], "c", &r), "truncated at %d", n)
	}
	e := appendStoredEffects(nil, storedEffectsSample())
	for n := 0; n < len(e); n++ {
		var ef effects
		assert.Error(t, decodeStoredEffects(e[:n], &ef), "truncated at %d", n)
	}
	var r Reply
	err = decodeStoredReply([]byte{9}, "c", &r)
	require.ErrorIs(t, err, errCorrupt)
	assert.True(t, strings.Contains(err.Error(), "layout"), err.Error())
}

func FuzzStoredReply(f *testing.F) {
	b, _ := appendStoredReply(nil, fullReply(), true, true)
	f.Add(b)
	f.Add(appendStoredEffects(nil, storedEffectsSample()))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Reply
		_ = decodeStoredReply(data, "c", &r)
		var ef effects
		_ = decodeStoredEffects(data, &ef)
	})
}

// A session saved by an earlier version, with its last reply and its
// outbox as JSON, is handled by this one: a redelivery gets the stored
// reply, and a retry applies the outbox and returns its reply.
func TestSessionsWithJSONRepliesStillWork(t *testing.T) {
	ctx := context.Background()
	data, err := os.ReadFile("../examples/templates/qualify-leads.json")
	require.NoError(t, err)
	st := memory.New()
	e, err := New(Config{Stores: st})
	require.NoError(t, err)
	f, err := e.Load(data)
	require.NoError(t, err)
	require.NoError(t, e.Publish(f))
	_, err = e.Start(ctx, StartRequest{ConversationID: "c", FlowID: "qualify-leads"})
	require.NoError(t, err)
	first, err := e.Handle(ctx, Input{ConversationID: "c", MessageID: "m1", QuickReply: "yes"})
	require.NoError(t, err)

	// Rewrite the stored session as the earlier version wrote it.
	rewrite := func(change func(s *Session)) {
		rec, err := st.Sessions.Load(ctx, "c")
		require.NoError(t, err)
		var s Session
		require.NoError(t, decodeSession(rec.Data, &s))
		change(&s)
		_, err = st.Sessions.Save(ctx, "c", encodeSession(nil, &s), rec.Version)
		require.NoError(t, err)
	}
	old := *first
	old.Events, old.Outcome = nil, ""
	lastJSON, err := json.Marshal(&old)
	require.NoError(t, err)
	rewrite(func(s *Session) { s.LastReply = lastJSON })
	again, err := e.Handle(ctx, Input{ConversationID: "c", MessageID: "m1", QuickReply: "yes"})
	require.NoError(t, err)
	assert.Equal(t, OutcomeDuplicate, again.Outcome)
	assert.Equal(t, first.Texts(), again.Texts())

	// An outbox the earlier version left: a contact write not yet applied,
	// and the reply of message m2.
	contact, err := st.Contacts.CreateContact(ctx, store.Properties{"email": "ada@example.com"})
	require.NoError(t, err)
	pendingReply, err := json.Marshal(&Reply{ConversationID: "c", Messages: []action.Message{{Type: action.TextBubble, Text: "Stored reply"}},
		Status: StatusActive, Outcome: OutcomeProcessed})
	require.NoError(t, err)
	outbox, err := json.Marshal(&effects{Message: "m2", ContactID: contact.ID, Contact: store.Properties{"firstname": "Ada"}, Reply: pendingReply})
	require.NoError(t, err)
	rewrite(func(s *Session) {
		s.Outbox = outbox
		s.remember("m2")
	})
	retried, err := e.Handle(ctx, Input{ConversationID: "c", MessageID: "m2", Text: "Ada"})
	require.NoError(t, err)
	assert.Equal(t, []string{"Stored reply"}, retried.Texts())
	got, err := st.Contacts.Contact(ctx, contact.ID)
	require.NoError(t, err)
	assert.Equal(t, "Ada", got.Properties["firstname"])
}

// Stored replies keep event types as codes: the list may only grow at its
// end. A change to an existing entry fails here.
func TestStoredEventCodesAreStable(t *testing.T) {
	want := []action.EventType{"conversation_started", "session_reset", "action_reached", "action_completed", "action_skipped",
		"action_failed", "property_set", "contact_created", "branch_taken", "condition_error",
		"conversation_finished", "handed_off", "turn_limit_reached", "general_error", "consent_recorded",
		"consent_required", "contact_missing", "conversation_engaged", "conversation_abandoned",
		"conversation_closed", "survey_answered", "outside_messaging_window", "answer_accepted", "answer_rejected"}
	require.GreaterOrEqual(t, len(storedEventTypes), len(want))
	assert.Equal(t, want, storedEventTypes[:len(want)])
	seen := map[action.EventType]bool{}
	for _, et := range storedEventTypes {
		assert.False(t, seen[et], "%s has two codes", et)
		seen[et] = true
	}
}
