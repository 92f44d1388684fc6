package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"

	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/examples/templates"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// leadEngine returns an engine on memory stores (or st, when not nil)
// with the Qualify leads template published.
func leadEngine(t *testing.T, st *store.Stores) *engine.Engine {
	t.Helper()
	stores := memory.New()
	if st != nil {
		stores = *st
	}
	e, err := engine.New(engine.Config{Stores: stores})
	require.NoError(t, err)
	data, err := templates.JSON("qualify-leads")
	require.NoError(t, err)
	f, err := e.Load(data)
	require.NoError(t, err)
	require.NoError(t, e.Publish(f))
	return e
}

// HandleInto and StartInto give the replies Handle and Start give, turn
// after turn into the same Reply, whatever the previous reply held: no
// message, quick reply or event of one turn shows in the next.
func TestHandleIntoGivesWhatHandleGives(t *testing.T) {
	ctx := context.Background()
	fresh, reused := leadEngine(t, nil), leadEngine(t, nil)
	asJSON := func(r *engine.Reply) string {
		// Event times differ between the engines' clocks.
		c := *r
		c.Events = nil
		b, err := json.Marshal(&c)
		require.NoError(t, err)
		types := ""
		for _, ev := range r.Events {
			types += string(ev.Type) + "," + ev.Action + "," + ev.Property + "," + ev.Value + ";"
		}
		return string(b) + " events: " + types
	}
	var into engine.Reply
	for c := range 2 {
		id := "c" + strconv.Itoa(c)
		want, err := fresh.Start(ctx, engine.StartRequest{ConversationID: id, FlowID: "qualify-leads"})
		require.NoError(t, err)
		require.NoError(t, reused.StartInto(ctx, engine.StartRequest{ConversationID: id, FlowID: "qualify-leads"}, &into))
		require.Equal(t, asJSON(want), asJSON(&into), "start of %s", id)
		script := []engine.Input{{QuickReply: "yes"}, {Text: "Ada"}, {Text: "nope"}, {Text: "ada" + id + "@example.com"},
			{QuickReply: "51-200"}, {QuickReply: "51-200"}}
		for i, in := range script {
			in.ConversationID, in.MessageID = id, strconv.Itoa(min(i, 4)) // the last one is a redelivery
			want, err := fresh.Handle(ctx, in)
			require.NoError(t, err)
			require.NoError(t, reused.HandleInto(ctx, in, &into))
			require.Equal(t, asJSON(want), asJSON(&into), "turn %d of %s", i, id)
		}
		require.Equal(t, engine.OutcomeDuplicate, into.Outcome)
	}
}

// The room of the Reply passed in is reused: a turn with fewer events than
// the previous one writes them where the previous ones were, and clears
// the rest, which keeps nothing of the earlier turn alive.
func TestHandleIntoReusesTheReply(t *testing.T) {
	ctx := context.Background()
	e := leadEngine(t, nil)
	var r engine.Reply
	require.NoError(t, e.StartInto(ctx, engine.StartRequest{ConversationID: "c", FlowID: "qualify-leads"}, &r))
	require.NoError(t, e.HandleInto(ctx, engine.Input{ConversationID: "c", MessageID: "1", QuickReply: "yes"}, &r))
	require.NoError(t, e.HandleInto(ctx, engine.Input{ConversationID: "c", MessageID: "2", Text: "Ada"}, &r))
	require.Greater(t, len(r.Events), 1)
	events, messages := r.Events[:cap(r.Events)], r.Messages[:cap(r.Messages)]
	require.NoError(t, e.HandleInto(ctx, engine.Input{ConversationID: "c", MessageID: "3", Text: "not an email"}, &r))
	require.Len(t, r.Events, 1)
	assert.Equal(t, builtin.EventAnswerRejected, r.Events[0].Type)
	assert.Same(t, &events[0], &r.Events[0], "the events are written where the previous ones were")
	assert.Same(t, &messages[0], &r.Messages[0], "the messages are written where the previous ones were")
	for i := 1; i < len(events); i++ {
		assert.Zero(t, events[i], "event %d of the previous turn is left behind", i)
	}
}

// On error the Reply passed in keeps what it held; a nil one is refused.
func TestHandleIntoLeavesTheReplyOnError(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	sessions := &failingSaves{Sessions: st.Sessions}
	st.Sessions = sessions
	e := leadEngine(t, &st)
	var r engine.Reply
	require.NoError(t, e.StartInto(ctx, engine.StartRequest{ConversationID: "c", FlowID: "qualify-leads"}, &r))
	before := r.Texts()
	sessions.fail = true
	err := e.HandleInto(ctx, engine.Input{ConversationID: "c", MessageID: "1", QuickReply: "yes"}, &r)
	require.ErrorIs(t, err, errSaveFailed)
	assert.Equal(t, before, r.Texts())
	assert.Equal(t, engine.StatusWelcome, r.Status)

	sessions.fail = false
	err = e.StartInto(ctx, engine.StartRequest{ConversationID: "c", FlowID: "qualify-leads"}, &r)
	require.ErrorIs(t, err, engine.ErrConversationExists)
	assert.Equal(t, before, r.Texts())

	require.ErrorIs(t, e.HandleInto(ctx, engine.Input{ConversationID: "c", Text: "hi"}, nil), engine.ErrInvalidInput)
	require.ErrorIs(t, e.StartInto(ctx, engine.StartRequest{ConversationID: "d", FlowID: "qualify-leads"}, nil), engine.ErrInvalidInput)
}

var errSaveFailed = errors.New("save failed")

// failingSaves is a session store whose saves fail while fail is set.
type failingSaves struct {
	store.Sessions
	fail bool
}

func (s *failingSaves) Save(ctx context.Context, id string, data []byte, v int64) (int64, error) {
	if s.fail {
		return 0, errSaveFailed
	}
	return s.Sessions.Save(ctx, id, data, v)
}
