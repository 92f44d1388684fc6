package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pinger waits for the visitor; each "tick" signal (a host event) makes
// it say "tock" and wait again, and a typed message finishes it.
type pinger struct{}

func (pinger) Run(_ context.Context, t action.Turn) (action.Result, error) {
	t.Say(action.Messages{{Text: "waiting"}})
	return action.Result{Status: action.Wait}, nil
}

func (pinger) Answer(_ context.Context, t action.Turn, in action.Input) (action.Result, error) {
	if in.Signal == "tick" {
		t.Say(action.Messages{{Text: "tock"}})
		return action.Result{Status: action.Wait}, nil
	}
	t.Say(action.Messages{{Text: "bye"}})
	return action.Result{Status: action.Done}, nil
}

func (pinger) Provision(p action.Provision) error {
	p.AcceptSignal("tick")
	p.Waits()
	return nil
}

var pingerType = action.Type{Name: "pinger", New: func() action.Action { return pinger{} }}

func channelFlow(channels string) []byte {
	return []byte(`{"id":"ch","version":1,` + channels + `
	  "options":{"sessionTimeout":"240h"},
	  "welcome":{"message":["Hi!"]},
	  "actions":[{"name":"ping","type":"pinger"}]}`)
}

func channelHarness(t *testing.T, cfg engine.Config, channels string) *enginetest.Harness {
	cfg.Actions = append(cfg.Actions, pingerType)
	return enginetest.NewWith(t, cfg, channelFlow(channels))
}

// TestMessengerWindowStopsLateAutomatedMessages reproduces the report: a
// host signal 25 hours after the visitor's last message on Messenger made
// the bot send an automated message, which Messenger forbids.
func TestMessengerWindowStopsLateAutomatedMessages(t *testing.T) {
	h := channelHarness(t, engine.Config{}, `"channels":["facebook_messenger","chat"],`)
	c := h.StartWith(engine.StartRequest{ConversationID: "m", Channel: engine.ChannelMessenger}).
		Says("hello").ExpectBot("waiting").ExpectAwaiting("ping")

	c.Advance(23 * time.Hour).Send(engine.Input{Signal: "tick"}).ExpectBot("tock").ExpectOutcome(engine.OutcomeProcessed)

	// The signal did not count as the visitor writing: 25 hours after the
	// visitor's message the window is closed.
	c.Advance(2 * time.Hour).Send(engine.Input{Signal: "tick"}).
		ExpectBot().ExpectOutcome(engine.OutcomeOutsideWindow).ExpectEvent(engine.EventOutsideWindow).
		ExpectAwaiting("ping").ExpectStatus(engine.StatusActive)
	ev := findEvent(t, c.Reply(), engine.EventOutsideWindow)
	assert.Equal(t, enginetest.Epoch.Add(7*24*time.Hour).UTC().Format(time.RFC3339), ev.Value, "a person may reply for 7 days")
	assert.Contains(t, ev.Reason, "facebook_messenger allows automated messages for 24h0m0s")

	w, err := h.Engine.MessagingWindow(t.Context(), "m")
	require.NoError(t, err)
	assert.Equal(t, engine.ChannelMessenger, w.Channel)
	assert.Equal(t, enginetest.Epoch, w.LastVisitorMessage)
	assert.False(t, w.AutomatedOpen(h.Clock.Now()))
	assert.True(t, w.HumanOpen(h.Clock.Now()))
	assert.False(t, w.HumanOpen(enginetest.Epoch.Add(8*24*time.Hour)))

	// The visitor writes again: the window is open again.
	c.Says("still there?").ExpectBot("bye").ExpectStatus(engine.StatusFinished)

	// The same late signal on the website chat, which has no window.
	web := h.StartWith(engine.StartRequest{ConversationID: "w", Channel: engine.ChannelChat}).Says("hello")
	web.Advance(25 * time.Hour).Send(engine.Input{Signal: "tick"}).ExpectBot("tock").ExpectOutcome(engine.OutcomeProcessed)
}

func findEvent(t *testing.T, r *engine.Reply, typ action.EventType) engine.Event {
	t.Helper()
	require.NotNil(t, r)
	for _, e := range r.Events {
		if e.Type == typ {
			return e
		}
	}
	t.Fatalf("no %s event in %v", typ, r.Events)
	return engine.Event{}
}

// TestLateMessageIsNotAnswered: a visitor's message that reaches the
// engine a day late (a backlog) is not answered automatically, and
// nothing changes, so the host can hand it to a person.
func TestLateMessageIsNotAnswered(t *testing.T) {
	h := channelHarness(t, engine.Config{}, "")
	c := h.StartWith(engine.StartRequest{ConversationID: "wa", Channel: engine.ChannelWhatsApp}).Says("hi")
	before, err := h.Engine.Session(t.Context(), "wa")
	require.NoError(t, err)
	h.Clock.Advance(30 * time.Hour)
	c.Send(engine.Input{Text: "sent yesterday", Time: h.Clock.Now().Add(-25 * time.Hour)}).
		ExpectBot().ExpectOutcome(engine.OutcomeOutsideWindow).ExpectAwaiting("ping")
	after, err := h.Engine.Session(t.Context(), "wa")
	require.NoError(t, err)
	assert.Equal(t, before, after, "nothing changed")
	assert.Equal(t, h.Clock.Now().Add(-25*time.Hour).Add(24*time.Hour).UTC().Format(time.RFC3339), findEvent(t, c.Reply(), engine.EventOutsideWindow).Value,
		"on WhatsApp a person has the same 24 hours")
	c.Send(engine.Input{Text: "sent just now"}).ExpectBot("bye")
}

// slow is a step that takes long: it moves the clock while it runs.
type slow struct{ clock **enginetest.Clock }

func (s slow) Run(_ context.Context, t action.Turn) (action.Result, error) {
	(*s.clock).Advance(2 * time.Hour)
	t.Say(action.Messages{{Text: "done at last"}})
	return action.Result{Status: action.Done}, nil
}

// TestReplyReadyAfterTheWindowIsWithheld: a message that came in within
// the window, whose reply was ready only after it closed, keeps the turn
// (its effects happened) but withholds the messages.
func TestReplyReadyAfterTheWindowIsWithheld(t *testing.T) {
	var clock *enginetest.Clock
	cfg := engine.Config{Actions: []action.Type{{Name: "slow", New: func() action.Action { return slow{&clock} }}}}
	flow := `{"id":"s","version":1,"options":{"sessionTimeout":"48h"},"welcome":{"message":["Hi"]},"actions":[
	  {"name":"ask","type":"ask_question","settings":{"message":["Name?"],"property":"firstname"}},
	  {"name":"work","type":"slow"},
	  {"name":"ask2","type":"ask_question","settings":{"message":["Email?"]}}]}`
	h := enginetest.NewWith(t, cfg, []byte(flow))
	clock = h.Clock
	c := h.StartWith(engine.StartRequest{ConversationID: "m", Channel: engine.ChannelMessenger}).Says("hi")
	// The visitor's answer was sent 23 hours ago; the step takes two more.
	c.Send(engine.Input{Text: "Ada", Time: h.Clock.Now().Add(-23 * time.Hour)}).
		ExpectBot().ExpectOutcome(engine.OutcomeOutsideWindow).ExpectEvent(engine.EventOutsideWindow).
		ExpectAwaiting("ask2").ExpectProperty("firstname", "Ada")
	assert.Empty(t, c.Reply().QuickReplies)
}

// TestStartOnAChannelTheFlowDoesNotServe: a flow that names its channels
// refuses the others, an empty channel being the website chat.
func TestStartOnAChannelTheFlowDoesNotServe(t *testing.T) {
	h := channelHarness(t, engine.Config{}, `"channels":["whatsapp"],`)
	_, err := h.Engine.Start(t.Context(), engine.StartRequest{ConversationID: "a", FlowID: "ch", Channel: engine.ChannelMessenger})
	require.ErrorIs(t, err, engine.ErrChannelNotServed)
	assert.EqualError(t, err, `engine: the flow does not serve this channel: flow "ch" serves whatsapp, not "facebook_messenger"`)
	_, err = h.Engine.Start(t.Context(), engine.StartRequest{ConversationID: "b", FlowID: "ch"})
	assert.ErrorIs(t, err, engine.ErrChannelNotServed, "no channel is the website chat")
	_, err = h.Engine.Session(t.Context(), "a")
	assert.ErrorIs(t, err, engine.ErrUnknownConversation, "nothing was stored")
	h.StartWith(engine.StartRequest{ConversationID: "c", Channel: engine.ChannelWhatsApp}).ExpectBot("Hi!")
	assert.Equal(t, []string{"whatsapp"}, h.Flow.Channels())

	open := channelHarness(t, engine.Config{}, "")
	open.StartWith(engine.StartRequest{ConversationID: "d", Channel: "sms"}).ExpectBot("Hi!")
	assert.Empty(t, open.Flow.Channels(), "a flow without channels serves every channel")
}

func TestFlowChannelsAreChecked(t *testing.T) {
	e, err := engine.New(engine.Config{Stores: memory.New(), Actions: []action.Type{pingerType},
		Channels: map[string]engine.ChannelRule{"sms": {AutomatedWindow: time.Hour}}})
	require.NoError(t, err)
	_, err = e.Load(channelFlow(`"channels":["chat","facebok_messenger","sms","chat"],`))
	require.ErrorIs(t, err, engine.ErrInvalidFlow)
	var paths []string
	for _, p := range condition.Problems(err) {
		paths = append(paths, p.Path+": "+p.Msg)
	}
	assert.Equal(t, []string{
		`channels[1]: unknown channel "facebok_messenger" (known: calling, chat, email, facebook_messenger, forms, sms, whatsapp; a host adds others with Config.Channels)`,
		`channels[3]: channel "chat" is listed twice`,
	}, paths)
}

// TestHostChannelRules: a host adds a channel's rule and lifts a default.
func TestHostChannelRules(t *testing.T) {
	cfg := engine.Config{Channels: map[string]engine.ChannelRule{
		"sms":                   {AutomatedWindow: time.Hour},
		engine.ChannelWhatsApp:  {}, // the host's WhatsApp templates may be sent any time
		engine.ChannelMessenger: {AutomatedWindow: 48 * time.Hour},
	}}
	h := channelHarness(t, cfg, "")
	sms := h.StartWith(engine.StartRequest{ConversationID: "s", Channel: "sms"}).Says("hi")
	wa := h.StartWith(engine.StartRequest{ConversationID: "w", Channel: engine.ChannelWhatsApp}).Says("hi")
	fb := h.StartWith(engine.StartRequest{ConversationID: "f", Channel: engine.ChannelMessenger}).Says("hi")
	h.Clock.Advance(90 * time.Minute)
	sms.Send(engine.Input{Signal: "tick"}).ExpectOutcome(engine.OutcomeOutsideWindow)
	h.Clock.Advance(30 * time.Hour)
	wa.Send(engine.Input{Signal: "tick"}).ExpectBot("tock")
	fb.Send(engine.Input{Signal: "tick"}).ExpectBot("tock")
	w, err := h.Engine.MessagingWindow(t.Context(), "f")
	require.NoError(t, err)
	assert.True(t, w.HumanUntil.IsZero(), "the host's rule replaces the default, human window included")
	assert.Equal(t, enginetest.Epoch.Add(48*time.Hour), w.AutomatedUntil)
}

// TestStartReportedLateSaysNothing: a start whose time is a day before
// the engine's clock keeps the session but withholds the welcome message.
func TestStartReportedLateSaysNothing(t *testing.T) {
	h := channelHarness(t, engine.Config{}, "")
	c := h.StartWith(engine.StartRequest{ConversationID: "m", Channel: engine.ChannelMessenger, Time: h.Clock.Now().Add(-25 * time.Hour)}).
		ExpectBot().ExpectOutcome(engine.OutcomeOutsideWindow).ExpectStatus(engine.StatusWelcome)
	c.Says("hello").ExpectBot("waiting")
}

func TestDefaultChannelRules(t *testing.T) {
	r := engine.DefaultChannelRules()
	assert.Equal(t, engine.ChannelRule{AutomatedWindow: 24 * time.Hour, HumanWindow: 7 * 24 * time.Hour}, r[engine.ChannelMessenger])
	assert.Equal(t, engine.ChannelRule{AutomatedWindow: 24 * time.Hour, HumanWindow: 24 * time.Hour}, r[engine.ChannelWhatsApp])
	r[engine.ChannelMessenger] = engine.ChannelRule{}
	assert.NotZero(t, engine.DefaultChannelRules()[engine.ChannelMessenger], "the caller's copy")
}

// TestLateReplyOffersNoSurvey: a survey is a message on a text channel
// too, so a reply withheld for the window carries none.
func TestLateReplyOffersNoSurvey(t *testing.T) {
	var clock *enginetest.Clock
	cfg := engine.Config{Actions: []action.Type{{Name: "slow", New: func() action.Action { return slow{&clock} }}}}
	flow := `{"id":"s","version":1,"options":{"sessionTimeout":"48h","survey":{"enabled":true}},"welcome":{"message":["Hi"]},"actions":[
	  {"name":"ask","type":"ask_question","settings":{"message":["Name?"]}},
	  {"name":"work","type":"slow","end":true}]}`
	h := enginetest.NewWith(t, cfg, []byte(flow))
	clock = h.Clock
	in := h.StartWith(engine.StartRequest{ConversationID: "in", Channel: engine.ChannelMessenger}).Says("hi").Says("Ada").
		ExpectStatus(engine.StatusFinished)
	assert.NotNil(t, in.Reply().Survey, "a reply in time offers the survey")
	c := h.StartWith(engine.StartRequest{ConversationID: "late", Channel: engine.ChannelMessenger}).Says("hi")
	c.Send(engine.Input{Text: "Ada", Time: h.Clock.Now().Add(-23 * time.Hour)}).
		ExpectOutcome(engine.OutcomeOutsideWindow).ExpectStatus(engine.StatusFinished)
	assert.Nil(t, c.Reply().Survey)
}
