package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/examples/templates"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQualifyLeadsSalesPath(t *testing.T) {
	h := enginetest.New(t, mustTemplate(t, "qualify-leads"))
	h.Start("c1").
		ExpectBot("Hi there! 👋 Want to find out how we can help your business?").
		ExpectQuickReplies("yes").
		ExpectStatus(engine.StatusWelcome).
		Clicks("yes").
		ExpectBot("Great! What's your first name?").
		ExpectAwaiting("ask_name").
		Says("Ada").
		ExpectBot("Nice to meet you, Ada. What's your work email address?").
		ExpectNoProperty("email").
		Says("ada@example").
		ExpectEvent(builtin.EventAnswerRejected, "ask_email").
		ExpectAwaiting("ask_email").
		Says("Ada@Example.COM").
		ExpectEvent(engine.EventContactCreated).
		ExpectProperty("email", "Ada@example.com").
		ExpectProperty("firstname", "Ada").
		ExpectQuickReplies("1-10", "11-50", "51-200", "201+").
		ExpectFreeText(false).
		Says("More than 200").
		ExpectEvent(engine.EventBranchTaken, "ask_size").
		ExpectProperty("company_size", "201+").
		ExpectProperty("lifecyclestage", "salesqualifiedlead").
		ExpectStatus(engine.StatusFinished).
		ExpectEvent(engine.EventConversationFinished).
		MatchGolden("testdata/qualify-leads-sales.golden")
}

func TestQualifyLeadsSmallCompany(t *testing.T) {
	h := enginetest.New(t, mustTemplate(t, "qualify-leads"))
	h.Start("c1").Says("hello").Says("Bo").Says("bo@shop.example").
		Clicks("1-10").
		ExpectBot("Thanks, Bo! We'll send a few resources to get you started to bo@shop.example.").
		ExpectNoEvent(engine.EventBranchTaken).
		ExpectProperty("lifecyclestage", "lead").
		ExpectStatus(engine.StatusFinished)
}

func TestTypingDelay(t *testing.T) {
	h := enginetest.New(t, []byte(`{"id":"f","version":1,"welcome":{"message":["hi"]},"options":{"typingDelay":"1.5s"},
		"actions":[{"name":"a","type":"send_message","settings":{"message":["one","two"]}}]}`))
	r := h.Start("c1").Says("go").Reply()
	require.Len(t, r.Messages, 2)
	assert.Zero(t, r.Messages[0].Delay, "the first message follows the visitor's at once")
	assert.Equal(t, 1500*time.Millisecond, r.Messages[1].Delay)
}

func TestMaxAttemptsFollowsFailurePath(t *testing.T) {
	h := enginetest.New(t, mustTemplate(t, "qualify-leads"))
	c := h.Start("c1").Says("hi").Says("Ada").
		Says("nope").ExpectAwaiting("ask_email").
		Says("still nope").ExpectAwaiting("ask_email").
		Says("never").
		ExpectEvent(engine.EventActionFailed, "ask_email").
		ExpectBot("No problem — you can always reach us through the contact page.").
		ExpectStatus(engine.StatusFinished)
	c.ExpectProperty("firstname", "Ada") // kept with the session: the visitor never became a contact
	assert.Empty(t, h.Stores.Contacts.(*memory.Contacts).AllContacts(context.Background()))
}

func TestFailureWithoutPathShowsGeneralError(t *testing.T) {
	h := enginetest.New(t, []byte(`{"id":"f","version":1,"welcome":{"message":["hi"]},
		"options":{"generalErrorMessage":"Oops."},
		"actions":[{"name":"ask","type":"ask_question","settings":{"message":["Email?"],"property":"email","maxAttempts":2}},
		           {"name":"done","type":"send_message","settings":{"message":["ok"]}}]}`))
	h.Start("c1").Says("hi").Says("x").ExpectAwaiting("ask").Says("y").
		ExpectBot("Oops.").
		ExpectEvent(engine.EventGeneralError).
		ExpectStatus(engine.StatusEnded).
		Says("hello?").
		ExpectOutcome(engine.OutcomeConversationOver).
		ExpectStatus(engine.StatusEnded)
}

func TestWelcomeQuickReplyChoosesFirstAction(t *testing.T) {
	h := enginetest.New(t, []byte(`{"id":"f","version":1,
		"welcome":{"message":["How can we help?"],"quickReplies":[{"value":"sales","next":"sales"},{"value":"support","label":"Get support","next":"support"}]},
		"actions":[{"name":"sales","type":"send_message","settings":{"message":["Sales here."]},"end":true},
		           {"name":"support","type":"send_message","settings":{"message":["Support here, you chose {{ answers.welcome }}."]},"end":true}]}`))
	h.Start("a").Clicks("support").ExpectBot("Support here, you chose support.")
	h.Start("b").Says("get SUPPORT").ExpectBot("Support here, you chose support.")
	h.Start("c").Says("whatever").ExpectBot("Sales here.")
}

func TestSessionTimeoutResetsUnlessFinished(t *testing.T) {
	h := enginetest.New(t, mustTemplate(t, "qualify-leads"))
	h.Start("c1").Says("hi").Says("Ada").ExpectAwaiting("ask_email").
		Advance(31*time.Minute).
		Says("ada@example.com").
		ExpectEvent(engine.EventSessionReset).
		ExpectBot("Hi there! 👋 Want to find out how we can help your business?", "Great! What's your first name?").
		ExpectAwaiting("ask_name")

	done := h.Start("c2").Says("hi").Says("Bo").Says("bo@x.example").Clicks("1-10").ExpectStatus(engine.StatusFinished)
	done.Advance(2 * time.Hour).Says("hello again").
		ExpectOutcome(engine.OutcomeConversationOver).
		ExpectStatus(engine.StatusFinished)

	h.Start("c3").Says("hi").Advance(29 * time.Minute).Says("Cy").
		ExpectNoEvent(engine.EventSessionReset).ExpectAwaiting("ask_email")
}

func TestSkipIfKnown(t *testing.T) {
	h := enginetest.New(t, mustTemplate(t, "qualify-leads"))
	ct, err := h.Stores.Contacts.CreateContact(context.Background(), store.Properties{"email": "known@x.example", "firstname": "Kim"})
	require.NoError(t, err)
	h.StartWith(engine.StartRequest{ConversationID: "c1", ContactID: ct.ID}).
		Says("hi").Says("Kimberly").
		ExpectEvent(engine.EventActionSkipped, "ask_email").
		ExpectAwaiting("ask_size").
		ExpectProperty("firstname", "Kimberly")
}

func TestDuplicateMessageIsProcessedOnce(t *testing.T) {
	h := enginetest.New(t, mustTemplate(t, "qualify-leads"))
	c := h.Start("c1")
	c.Send(engine.Input{MessageID: "m1", Text: "hi"}).ExpectAwaiting("ask_name")
	c.Send(engine.Input{MessageID: "m2", Text: "Ada"}).ExpectAwaiting("ask_email")
	// A redelivery of the latest message gets the same reply (the first
	// may have been lost on its way to the visitor) and changes nothing.
	c.Send(engine.Input{MessageID: "m2", Text: "Ada"}).
		ExpectOutcome(engine.OutcomeDuplicate).
		ExpectBot("Nice to meet you, Ada. What's your work email address?").
		ExpectAwaiting("ask_email").ExpectStatus(engine.StatusActive)
	assert.Empty(t, c.Reply().Events, "a redelivery is not a new turn for analytics")
	// An older one gets no messages.
	c.Send(engine.Input{MessageID: "m1", Text: "hi"}).ExpectOutcome(engine.OutcomeDuplicate).ExpectBot()
	s, err := h.Engine.Session(context.Background(), "c1")
	require.NoError(t, err)
	assert.Equal(t, "ask_email", s.Position)
}

func TestBadInputChangesNothing(t *testing.T) {
	h := enginetest.New(t, []byte(`{"id":"f","version":1,"welcome":{"message":["hi"]},"options":{"maxAnswerLength":10},
		"actions":[{"name":"ask","type":"ask_question","settings":{"message":["?"]}}]}`))
	ctx := context.Background()
	h.Start("c1").Says("go").ExpectAwaiting("ask")
	before, err := h.Stores.Sessions.Load(ctx, "c1")
	require.NoError(t, err)
	for name, in := range map[string]engine.Input{
		"too long":     {ConversationID: "c1", Text: strings.Repeat("é", 11)},
		"invalid utf8": {ConversationID: "c1", Text: "a\xffb"},
		"empty":        {ConversationID: "c1", Text: "  "},
		"no id":        {Text: "hi"},
	} {
		_, err := h.Engine.Handle(ctx, in)
		assert.ErrorIs(t, err, engine.ErrInvalidInput, name)
	}
	_, err = h.Engine.Handle(ctx, engine.Input{ConversationID: "nope", Text: "hi"})
	assert.ErrorIs(t, err, engine.ErrUnknownConversation)
	_, err = h.Engine.Start(ctx, engine.StartRequest{ConversationID: "c1", FlowID: "f"})
	assert.ErrorIs(t, err, engine.ErrConversationExists)
	_, err = h.Engine.Start(ctx, engine.StartRequest{ConversationID: "c9", FlowID: "nope"})
	assert.ErrorIs(t, err, engine.ErrUnknownFlow)
	after, err := h.Stores.Sessions.Load(ctx, "c1")
	require.NoError(t, err)
	assert.Equal(t, before, after)
	_, err = h.Engine.Handle(ctx, engine.Input{ConversationID: "c1", Text: strings.Repeat("é", 10)})
	assert.NoError(t, err, "exactly the limit is fine")
}

func TestSessionStaysOnItsFlowVersion(t *testing.T) {
	v1 := `{"id":"f","version":1,"welcome":{"message":["v1"]},"actions":[
		{"name":"ask","type":"ask_question","settings":{"message":["v1 question"]}},
		{"name":"end","type":"send_message","settings":{"message":["v1 end"]}}]}`
	v2 := strings.ReplaceAll(strings.Replace(v1, `"version":1`, `"version":2`, 1), "v1", "v2")
	h := enginetest.New(t, []byte(v1))
	old := h.Start("old").Says("hi").ExpectBot("v1 question")
	f2, err := h.Engine.Load([]byte(v2))
	require.NoError(t, err)
	require.NoError(t, h.Engine.Publish(f2))
	old.Says("answer").ExpectBot("v1 end")
	h.Start("new").ExpectBot("v2").Says("hi").ExpectBot("v2 question")

	f1again, err := h.Engine.Load([]byte(v1))
	require.NoError(t, err)
	assert.NoError(t, h.Engine.Publish(f1again), "republishing the same content is harmless")
	changed, err := h.Engine.Load([]byte(strings.Replace(v1, "v1 end", "changed", 1)))
	require.NoError(t, err)
	assert.ErrorIs(t, h.Engine.Publish(changed), engine.ErrInvalidFlow)
}

func TestTurnLimitStopsRunawayTurns(t *testing.T) {
	h := enginetest.New(t, []byte(`{"id":"f","version":1,"welcome":{"message":["hi"]},"options":{"maxActionsPerTurn":2},"actions":[
		{"name":"a","type":"send_message","settings":{"message":["1"]}},
		{"name":"b","type":"send_message","settings":{"message":["2"]}},
		{"name":"c","type":"send_message","settings":{"message":["3"]}}]}`))
	h.Start("c1").Says("go").
		ExpectBot("1", "2", engine.DefaultGeneralErrorMessage).
		ExpectEvent(engine.EventTurnLimit, "c").
		ExpectStatus(engine.StatusEnded)
}

func TestBranchConditions(t *testing.T) {
	schema := condition.DefaultSchema()
	schema["contact"]["age"] = condition.PropertyDef{Type: condition.NumberProperty}
	flow := []byte(`{"id":"f","version":1,"welcome":{"message":["hi"]},"actions":[
		{"name":"ask_age","type":"ask_question","settings":{"message":["Age?"],"property":"age"},
		 "branches":[{"if":"contact.nickname == \"x\"","then":"nick"},{"if":"contact.age >= 18","then":"adult"}],"next":"minor"},
		{"name":"adult","type":"send_message","settings":{"message":["adult"]},"end":true},
		{"name":"minor","type":"send_message","settings":{"message":["minor"]},"end":true},
		{"name":"nick","type":"send_message","settings":{"message":["nick"]},"end":true}]}`)
	h := enginetest.NewWith(t, engine.Config{Schema: schema}, flow)
	h.Start("a").Says("hi").Says("42").ExpectBot("adult").
		ExpectEvent(engine.EventConditionError, "ask_age"). // contact.nickname is missing: that branch counts as false
		ExpectProperty("age", "42")
	h.Start("b").Says("hi").Says("twelve").ExpectEvent(builtin.EventAnswerRejected).Says("12").ExpectBot("minor")
}

func TestCompanyPropertySkippedWithoutCompany(t *testing.T) {
	h := enginetest.New(t, flowWith(`[{"name":"co","type":"set_company_property","settings":{"property":"name","value":"x"}},
		{"name":"done","type":"send_message","settings":{"message":["done"]}}]`))
	h.Start("c1").Says("hi").ExpectEvent(engine.EventActionSkipped, "co").ExpectBot("done")
}

func TestCompanyActionsNeedTheCompaniesPort(t *testing.T) {
	e, err := engine.New(engine.Config{Stores: store.Stores{Contacts: memory.NewContacts(), Sessions: memory.NewSessions(), Consent: memory.NewConsentRecords()}})
	require.NoError(t, err)
	_, err = e.Load(flowWith(`[{"name":"co","type":"set_company_property","settings":{"property":"name","value":"x"}}]`))
	assert.ErrorIs(t, err, builtin.ErrMissingPort)
	assert.ErrorContains(t, err, "actions[0].type")
}

// panicky is a host action that panics.
type panicky struct{}

func (panicky) Run(context.Context, action.Turn) (action.Result, error) { panic("boom") }

func TestPanickingActionFollowsFailurePath(t *testing.T) {
	cfg := engine.Config{Actions: []action.Type{{Name: "panicky", New: func() action.Action { return panicky{} }}}}
	h := enginetest.NewWith(t, cfg, flowWith(`[{"name":"p","type":"panicky","onFailure":"sorry"},
		{"name":"sorry","type":"send_message","settings":{"message":["That did not work."]}}]`))
	h.Start("c1").Says("hi").ExpectEvent(engine.EventActionFailed, "p").ExpectBot("That did not work.")
}

// flakySessions fails Save when told to.
type flakySessions struct {
	*memory.Sessions
	fail atomic.Bool
}

func (f *flakySessions) Save(ctx context.Context, id string, data []byte, v int64) (int64, error) {
	if f.fail.Load() {
		return 0, errors.New("disk on fire")
	}
	return f.Sessions.Save(ctx, id, data, v)
}

// SaveIdle fails like Save: the engine saves through it, since the embedded
// store implements store.IdleSessions.
func (f *flakySessions) SaveIdle(ctx context.Context, id string, data []byte, v int64, idleAt time.Time) (int64, error) {
	if f.fail.Load() {
		return 0, errors.New("disk on fire")
	}
	return f.Sessions.SaveIdle(ctx, id, data, v, idleAt)
}

// flakyContacts fails UpdateContact/CreateContact when told to.
type flakyContacts struct {
	*memory.Contacts
	fail    atomic.Bool
	creates atomic.Int32
}

func (f *flakyContacts) CreateContact(ctx context.Context, p store.Properties) (store.Contact, error) {
	if f.fail.Load() {
		return store.Contact{}, errors.New("contacts down")
	}
	f.creates.Add(1)
	return f.Contacts.CreateContact(ctx, p)
}

func TestStoreFailureMidTurnDoesNotAdvance(t *testing.T) {
	ctx := context.Background()
	sessions := &flakySessions{Sessions: memory.NewSessions()}
	contacts := &flakyContacts{Contacts: memory.NewContacts()}
	e, err := engine.New(engine.Config{Stores: store.Stores{Contacts: contacts, Sessions: sessions, Consent: memory.NewConsentRecords()}})
	require.NoError(t, err)
	f, err := e.Load(mustTemplate(t, "qualify-leads"))
	require.NoError(t, err)
	require.NoError(t, e.Publish(f))
	_, err = e.Start(ctx, engine.StartRequest{ConversationID: "c", FlowID: f.ID()})
	require.NoError(t, err)
	for i, text := range []string{"hi", "Ada"} {
		_, err := e.Handle(ctx, engine.Input{ConversationID: "c", MessageID: fmt.Sprint(i), Text: text})
		require.NoError(t, err)
	}
	email := engine.Input{ConversationID: "c", MessageID: "email", Text: "ada@example.com"}

	// The contact store fails: nothing moves.
	contacts.fail.Store(true)
	_, err = e.Handle(ctx, email)
	require.ErrorContains(t, err, "contacts down")
	s, _ := e.Session(ctx, "c")
	assert.Equal(t, "ask_email", s.Position)
	assert.Empty(t, s.ContactID)

	// The contact is created but the session cannot be saved: the retry
	// must find that contact instead of creating a second one.
	contacts.fail.Store(false)
	sessions.fail.Store(true)
	_, err = e.Handle(ctx, email)
	require.ErrorContains(t, err, "disk on fire")
	s, _ = e.Session(ctx, "c")
	assert.Equal(t, "ask_email", s.Position)

	sessions.fail.Store(false)
	r, err := e.Handle(ctx, email)
	require.NoError(t, err)
	assert.Equal(t, "ask_size", r.Awaiting)
	assert.Equal(t, int32(1), contacts.creates.Load(), "exactly one contact created")
	assert.Len(t, contacts.AllContacts(ctx), 1)

	r, err = e.Handle(ctx, email)
	require.NoError(t, err)
	assert.True(t, (r.Outcome == engine.OutcomeDuplicate))
}

// counter is a host action that increments a contact property: with turns
// serialized, no increment may be lost.
type counter struct{}

func (counter) Run(_ context.Context, t action.Turn) (action.Result, error) {
	v, _ := t.Property(action.ContactObject, "count")
	var n int
	fmt.Sscan(v, &n)
	if err := t.SetProperty(action.ContactObject, "count", fmt.Sprint(n+1)); err != nil {
		return action.Result{}, err
	}
	return action.Result{Status: action.Done}, nil
}

func TestConcurrentMessagesAreSerialized(t *testing.T) {
	cfg := engine.Config{Actions: []action.Type{{Name: "count", New: func() action.Action { return counter{} }}}}
	h := enginetest.NewWith(t, cfg, flowWith(`[{"name":"ask","type":"ask_question","settings":{"message":["?"]}},
		{"name":"count","type":"count","next":"ask"}]`))
	ctx := context.Background()
	// Each redelivery is checked against the last engine.RecentMessages
	// messages, so a conversation gets fewer than that at once.
	const convs, msgs = 8, engine.RecentMessages - 1
	for c := 0; c < convs; c++ {
		ct, err := h.Stores.Contacts.CreateContact(ctx, store.Properties{"email": fmt.Sprintf("v%d@x.example", c)})
		require.NoError(t, err)
		_, err = h.Engine.Start(ctx, engine.StartRequest{ConversationID: fmt.Sprint("c", c), FlowID: "f", ContactID: ct.ID})
		require.NoError(t, err)
		_, err = h.Engine.Handle(ctx, engine.Input{ConversationID: fmt.Sprint("c", c), Text: "start"})
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	for c := 0; c < convs; c++ {
		for m := 0; m < msgs; m++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := engine.Input{ConversationID: fmt.Sprint("c", c), MessageID: fmt.Sprint(m), Text: "x"}
				_, err := h.Engine.Handle(ctx, in)
				assert.NoError(t, err)
				_, err = h.Engine.Handle(ctx, in) // redelivered
				assert.NoError(t, err)
			}()
		}
	}
	wg.Wait()
	for c := 0; c < convs; c++ {
		s, err := h.Engine.Session(ctx, fmt.Sprint("c", c))
		require.NoError(t, err)
		ct, err := h.Stores.Contacts.Contact(ctx, s.ContactID)
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprint(msgs), ct.Properties["count"], "conversation c%d", c)
	}
}

func TestRedeliveryWindow(t *testing.T) {
	h := enginetest.New(t, flowWith(`[{"name":"ask","type":"ask_question","settings":{"message":["?"]},"next":"ask"}]`))
	c := h.Start("c1")
	c.Send(engine.Input{MessageID: "first", Text: "go"})
	for i := 0; i < engine.RecentMessages-1; i++ {
		c.Send(engine.Input{MessageID: fmt.Sprint("m", i), Text: "x"})
	}
	c.Send(engine.Input{MessageID: "first", Text: "go"})
	assert.True(t, (c.Reply().Outcome == engine.OutcomeDuplicate), "still within the last %d messages", engine.RecentMessages)
	c.Send(engine.Input{MessageID: "one-more", Text: "x"})
	c.Send(engine.Input{MessageID: "first", Text: "go"})
	assert.False(t, (c.Reply().Outcome == engine.OutcomeDuplicate), "older than the window: processed as new")
}

func TestAvailabilityAskedOnlyWhenUsed(t *testing.T) {
	var calls atomic.Int32
	avail := engine.Config{Available: func(context.Context, string, time.Time) (bool, error) { calls.Add(1); return true, nil }}
	plain := enginetest.NewWith(t, avail, flowWith(`[{"name":"a","type":"send_message","settings":{"message":["Hi {{ contact.firstname | default(\"you\") }} — unavailable?"]}}]`))
	plain.Start("c1").Says("hi").ExpectBot("Hi you — unavailable?")
	assert.Zero(t, calls.Load(), "no condition reads `available`")

	routed := enginetest.NewWith(t, avail, flowWith(`[{"name":"a","type":"send_message","settings":{"message":["checking"]},
		"branches":[{"if":"available","then":"on"}],"next":"off"},
		{"name":"on","type":"send_message","settings":{"message":["online"]},"end":true},
		{"name":"off","type":"send_message","settings":{"message":["offline"]},"end":true}]`))
	c := routed.Start("c1")
	calls.Store(0)
	c.Says("hi").ExpectBot("checking", "online")
	assert.Equal(t, int32(1), calls.Load(), "asked once per turn")
}

// With Config.OmitEvents a conversation runs the same, and its replies
// carry no events.
func TestOmitEvents(t *testing.T) {
	ctx := context.Background()
	data, err := templates.JSON("qualify-leads")
	require.NoError(t, err)
	run := func(cfg engine.Config) []*engine.Reply {
		cfg.Stores = memory.New()
		e, err := engine.New(cfg)
		require.NoError(t, err)
		f, err := e.Load(data)
		require.NoError(t, err)
		require.NoError(t, e.Publish(f))
		r, err := e.Start(ctx, engine.StartRequest{ConversationID: "c", FlowID: "qualify-leads"})
		require.NoError(t, err)
		replies := []*engine.Reply{r}
		for i, in := range []engine.Input{{QuickReply: "yes"}, {Text: "Ada"}, {Text: "nope"}, {Text: "ada@example.com"}, {QuickReply: "51-200"}} {
			in.ConversationID, in.MessageID = "c", strconv.Itoa(i)
			r, err := e.Handle(ctx, in)
			require.NoError(t, err)
			replies = append(replies, r)
		}
		// A redelivery of the last message gets the same reply.
		r, err = e.Handle(ctx, engine.Input{ConversationID: "c", MessageID: "4", QuickReply: "51-200"})
		require.NoError(t, err)
		return append(replies, r)
	}
	with, without := run(engine.Config{}), run(engine.Config{OmitEvents: true})
	require.Len(t, without, len(with))
	events := 0
	for i := range with {
		events += len(with[i].Events)
		assert.Empty(t, without[i].Events, "reply %d", i)
		assert.Equal(t, with[i].Texts(), without[i].Texts(), "reply %d", i)
		assert.Equal(t, with[i].Status, without[i].Status, "reply %d", i)
		assert.Equal(t, with[i].Outcome, without[i].Outcome, "reply %d", i)
	}
	assert.NotZero(t, events, "the default engine reports events")
}

// Turns reuse their buffers; a reply the host keeps must not change when
// later turns run, on this conversation or others.
func TestRepliesOwnTheirContents(t *testing.T) {
	ctx := context.Background()
	data, err := templates.JSON("qualify-leads")
	require.NoError(t, err)
	e, err := engine.New(engine.Config{Stores: memory.New()})
	require.NoError(t, err)
	f, err := e.Load(data)
	require.NoError(t, err)
	require.NoError(t, e.Publish(f))
	type kept struct {
		reply *engine.Reply
		json  string
	}
	var all []kept
	script := []engine.Input{{QuickReply: "yes"}, {Text: "Ada"}, {Text: "nope"}, {Text: "ada@example.com"}, {QuickReply: "51-200"}}
	for c := range 3 {
		id := "c" + strconv.Itoa(c)
		_, err := e.Start(ctx, engine.StartRequest{ConversationID: id, FlowID: "qualify-leads"})
		require.NoError(t, err)
		for i, in := range script {
			in.ConversationID, in.MessageID = id, strconv.Itoa(i)
			r, err := e.Handle(ctx, in)
			require.NoError(t, err)
			b, err := json.Marshal(r)
			require.NoError(t, err)
			all = append(all, kept{r, string(b)})
		}
		// A redelivery decodes the stored reply.
		r, err := e.Handle(ctx, engine.Input{ConversationID: id, MessageID: "4", QuickReply: "51-200"})
		require.NoError(t, err)
		b, err := json.Marshal(r)
		require.NoError(t, err)
		all = append(all, kept{r, string(b)})
	}
	for i, k := range all {
		b, err := json.Marshal(k.reply)
		require.NoError(t, err)
		assert.JSONEq(t, k.json, string(b), "reply %d changed after later turns", i)
		for _, ev := range k.reply.Events {
			assert.NotEmpty(t, ev.Type, "reply %d has an event that was wiped", i)
		}
		for _, m := range k.reply.Messages {
			assert.NotEmpty(t, m.Text, "reply %d has a message that was wiped", i)
		}
	}
}

// Turns and sessions come from pools; nothing of one conversation (its
// answers, its properties, its pending writes) may show in another.
func TestPooledStateDoesNotLeakBetweenConversations(t *testing.T) {
	ctx := context.Background()
	const flow = `{"id":"leak","version":1,"welcome":{"message":["hi"]},"actions":[
	{"name":"greet","type":"send_message","settings":{"message":["name={{ contact.firstname }} extra={{ contact.extra }} secret={{ answers.secret }}"]},"next":"ask"},
	{"name":"ask","type":"ask_question","settings":{"message":["Your name?"],"property":"firstname"},
	 "branches":[{"if":"answer.startsWith('E')","then":"secret"}],"next":"greet"},
	{"name":"secret","type":"ask_question","settings":{"message":["A secret?"],"property":"extra"},"next":"greet"}]}`
	e, err := engine.New(engine.Config{Stores: memory.New()})
	require.NoError(t, err)
	f, err := e.Load([]byte(flow))
	require.NoError(t, err)
	require.NoError(t, e.Publish(f))
	say := func(id, msgID, text string) []string {
		r, err := e.Handle(ctx, engine.Input{ConversationID: id, MessageID: msgID, Text: text})
		require.NoError(t, err)
		return r.Texts()
	}
	for i := range 10 {
		eve, ned := "eve"+strconv.Itoa(i), "ned"+strconv.Itoa(i)
		for _, id := range []string{eve, ned} {
			_, err := e.Start(ctx, engine.StartRequest{ConversationID: id, FlowID: "leak"})
			require.NoError(t, err)
		}
		require.Equal(t, []string{"name= extra= secret=", "Your name?"}, say(ned, "1", "go"))
		require.Equal(t, []string{"name=Ned extra= secret=", "Your name?"}, say(ned, "2", "Ned"))
		// Eve tells a secret, which is her answer and her property ...
		say(eve, "1", "go")
		say(eve, "2", "Eve")
		require.Equal(t, []string{"name=Eve extra=s3cret secret=s3cret", "Your name?"}, say(eve, "3", "s3cret"))
		// ... and Ned, whose turn reuses what hers used, does not see it.
		require.Equal(t, []string{"name=Nat extra= secret=", "Your name?"}, say(ned, "3", "Nat"))
	}
}
