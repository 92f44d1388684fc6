package engine_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/chatflow/chatflow/targeting"
)

// twoQuestions is a flow whose visitor can leave between its questions.
const twoQuestions = `{"id": "two", "version": 1, "welcome": {"message": ["Hi!"]},
 "options": {"sessionTimeout": "10m"},
 "actions": [
  {"name": "ask_name", "type": "ask_question", "settings": {"message": ["Name?"]}},
  {"name": "ask_city", "type": "ask_question", "settings": {"message": ["City?"]}},
  {"name": "bye", "type": "send_message", "settings": {"message": ["Bye"]}}]}`

func eventOf(t *testing.T, r *engine.Reply, typ string) engine.Event {
	t.Helper()
	for _, ev := range r.Events {
		if string(ev.Type) == typ {
			return ev
		}
	}
	t.Fatalf("no %s event in %+v", typ, r.Events)
	return engine.Event{}
}

func TestSweepAbandonsIdleEngagedSessions(t *testing.T) {
	h := enginetest.New(t, []byte(twoQuestions))
	ctx := t.Context()
	// c1 answers once and leaves; c2 only sees the welcome; c3 finishes.
	c1 := h.Start("c1").ExpectNoEvent(engine.EventConversationEngaged).
		Says("hello").ExpectEvent(engine.EventConversationEngaged).ExpectAwaiting("ask_name").
		Says("Ada").ExpectNoEvent(engine.EventConversationEngaged).ExpectAwaiting("ask_city")
	h.Start("c2")
	h.Start("c3").Says("hi").Says("Bo").Says("Oslo").ExpectStatus(engine.StatusFinished)

	// Within the timeout nothing is idle.
	h.Clock.Advance(9 * time.Minute)
	res, err := h.Engine.Sweep(ctx, engine.SweepRequest{})
	require.NoError(t, err)
	assert.Empty(t, res.Replies)
	assert.False(t, res.More)

	h.Clock.Advance(2 * time.Minute)
	res, err = h.Engine.Sweep(ctx, engine.SweepRequest{})
	require.NoError(t, err)
	require.Len(t, res.Replies, 1)
	r := res.Replies[0]
	assert.Equal(t, "c1", r.ConversationID)
	assert.Equal(t, engine.OutcomeAbandoned, r.Outcome)
	assert.Equal(t, engine.StatusAbandoned, r.Status)
	assert.Empty(t, r.Messages)
	ev := eventOf(t, r, string(engine.EventConversationAbandoned))
	assert.Equal(t, "ask_city", ev.Action, "the drop-off is the action that waited")
	assert.Equal(t, "ask_question", ev.ActionType)
	assert.Equal(t, "two", ev.FlowID)
	assert.Equal(t, 1, ev.FlowVersion)
	s, err := h.Engine.Session(ctx, "c1")
	require.NoError(t, err)
	assert.Equal(t, engine.StatusAbandoned, s.Status)
	assert.False(t, s.Status.Over())

	// A second sweep finds nothing: the session is no longer idle.
	res, err = h.Engine.Sweep(ctx, engine.SweepRequest{})
	require.NoError(t, err)
	assert.Empty(t, res.Replies)

	// The visitor comes back: a new session starts with the welcome
	// message, and the abandonment is not reported twice.
	c1.Says("I'm back").ExpectBot("Hi!", "Name?").ExpectNoEvent(engine.EventConversationAbandoned).
		ExpectEvent(engine.EventSessionReset).ExpectEvent(engine.EventConversationEngaged).ExpectAwaiting("ask_name")
}

func TestReturnAfterTimeoutReportsAbandonment(t *testing.T) {
	h := enginetest.New(t, []byte(twoQuestions))
	c := h.Start("c1").Says("hi").ExpectAwaiting("ask_name")
	c.Advance(time.Hour).Says("hello again").
		ExpectEvent(engine.EventConversationAbandoned, "ask_name").
		ExpectEvent(engine.EventSessionReset).
		ExpectEvent(engine.EventConversationStarted).
		ExpectEvent(engine.EventConversationEngaged).
		ExpectAwaiting("ask_name")
	// A session that only saw the welcome was never engaged, so it is not
	// abandoned.
	h.Start("c2").Advance(time.Hour).Says("hi").ExpectNoEvent(engine.EventConversationAbandoned)
}

func TestEventsCarryTheirFlowVersion(t *testing.T) {
	h := enginetest.New(t, []byte(twoQuestions))
	r := h.Start("c1").Says("hi").Reply()
	require.NotEmpty(t, r.Events)
	for _, ev := range r.Events {
		assert.Equal(t, "two", ev.FlowID, "event %s", ev.Type)
		assert.Equal(t, 1, ev.FlowVersion, "event %s", ev.Type)
	}
}

func TestSweepLimitAndStaleIndex(t *testing.T) {
	h := enginetest.New(t, []byte(twoQuestions))
	ctx := t.Context()
	for _, id := range []string{"a", "b", "c"} {
		h.Start(id).Says("hi")
	}
	h.Clock.Advance(time.Hour)
	res, err := h.Engine.Sweep(ctx, engine.SweepRequest{Limit: 2})
	require.NoError(t, err)
	assert.Len(t, res.Replies, 2)
	assert.True(t, res.More)
	res, err = h.Engine.Sweep(ctx, engine.SweepRequest{Limit: 2})
	require.NoError(t, err)
	assert.Len(t, res.Replies, 1)
	assert.False(t, res.More)

	// A session the index still lists although it is not idle (an index
	// that lagged) is left alone, and the index is put right.
	sessions := h.Stores.Sessions.(store.IdleSessions)
	h.Start("d").Says("hi")
	rec, err := sessions.Load(ctx, "d")
	require.NoError(t, err)
	_, err = sessions.SaveIdle(ctx, "d", rec.Data, rec.Version, time.Unix(0, 0))
	require.NoError(t, err)
	res, err = h.Engine.Sweep(ctx, engine.SweepRequest{})
	require.NoError(t, err)
	assert.Empty(t, res.Replies)
	ids, err := sessions.Idle(ctx, h.Clock.Now(), 10)
	require.NoError(t, err)
	assert.Empty(t, ids)
}

func TestSweepNeedsIdleSessions(t *testing.T) {
	e, err := engine.New(engine.Config{Stores: store.Stores{Contacts: memory.NewContacts(),
		Sessions: struct{ store.Sessions }{memory.NewSessions()}, Consent: memory.NewConsentRecords()}})
	require.NoError(t, err)
	_, err = e.Sweep(t.Context(), engine.SweepRequest{})
	assert.ErrorIs(t, err, engine.ErrInvalidConfig)
}

func TestDisableEndsConversationsGracefully(t *testing.T) {
	h := enginetest.New(t, []byte(twoQuestions))
	ctx := t.Context()
	running := h.Start("c1").Says("hi").ExpectAwaiting("ask_name")
	h.Start("c2").Says("hi")
	finished := h.Start("c3").Says("hi").Says("Bo").Says("Oslo").ExpectStatus(engine.StatusFinished)

	require.NoError(t, h.Engine.Disable("two"))
	require.NoError(t, h.Engine.Disable("two"), "disabling twice is harmless")
	assert.ErrorIs(t, h.Engine.Disable("nope"), engine.ErrUnknownFlow)
	assert.False(t, h.Engine.Enabled("two"))

	// A new conversation does not start.
	r, err := h.Engine.Start(ctx, engine.StartRequest{ConversationID: "new", FlowID: "two"})
	require.NoError(t, err)
	assert.Equal(t, engine.OutcomeFlowDisabled, r.Outcome)
	assert.Empty(t, r.Messages)
	_, err = h.Engine.Session(ctx, "new")
	assert.ErrorIs(t, err, engine.ErrUnknownConversation)

	// A running one ends at the visitor's next message, saying nothing.
	running.Says("Ada").ExpectOutcome(engine.OutcomeFlowDisabled).ExpectBot().
		ExpectStatus(engine.StatusEnded).ExpectEvent(engine.EventConversationClosed, "ask_name")
	running.Says("hello?").ExpectOutcome(engine.OutcomeConversationOver)
	// A finished one is over as before.
	finished.Says("thanks").ExpectOutcome(engine.OutcomeConversationOver)
	// An idle one is closed by the sweep.
	h.Clock.Advance(time.Hour)
	res, err := h.Engine.Sweep(ctx, engine.SweepRequest{})
	require.NoError(t, err)
	require.Len(t, res.Replies, 1)
	assert.Equal(t, "c2", res.Replies[0].ConversationID)
	assert.Equal(t, engine.OutcomeFlowDisabled, res.Replies[0].Outcome)
	assert.Equal(t, engine.StatusEnded, res.Replies[0].Status)
	eventOf(t, res.Replies[0], string(engine.EventConversationClosed))

	// Targeting does not select it.
	cands := h.Engine.Candidates("two", "unpublished")
	require.Len(t, cands, 1)
	assert.True(t, cands[0].Disabled)
	d, err := targeting.Select(ctx, cands, targeting.Request{Explain: true})
	require.NoError(t, err)
	assert.Nil(t, d.Chosen)
	require.Len(t, d.Explanations, 1)
	assert.Equal(t, targeting.Disabled, d.Explanations[0].Outcome)

	// Switched on again, it starts.
	require.NoError(t, h.Engine.Enable("two"))
	assert.True(t, h.Engine.Enabled("two"))
	h.Start("c5").ExpectBot("Hi!").ExpectOutcome(engine.OutcomeProcessed)
	d, err = targeting.Select(ctx, h.Engine.Candidates("two"), targeting.Request{})
	require.NoError(t, err)
	require.NotNil(t, d.Chosen)
}
