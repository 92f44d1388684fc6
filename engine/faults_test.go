package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errInjected is the failure a faultPlan injects.
var errInjected = errors.New("injected store failure")

// faultPlan counts the store calls of an engine and fails the one whose
// number is fail (1-based; 0 fails none).
type faultPlan struct {
	calls atomic.Int32
	fail  atomic.Int32
	log   []string
}

func (p *faultPlan) call(what string) error {
	n := p.calls.Add(1)
	p.log = append(p.log, what)
	if n == p.fail.Load() {
		return fmt.Errorf("%s: %w", what, errInjected)
	}
	return nil
}

type faultyContacts struct {
	*memory.Contacts
	p *faultPlan
}

func (f faultyContacts) Contact(ctx context.Context, id string) (store.Contact, error) {
	if err := f.p.call("Contact"); err != nil {
		return store.Contact{}, err
	}
	return f.Contacts.Contact(ctx, id)
}

func (f faultyContacts) ContactByEmail(ctx context.Context, email string) (store.Contact, error) {
	if err := f.p.call("ContactByEmail"); err != nil {
		return store.Contact{}, err
	}
	return f.Contacts.ContactByEmail(ctx, email)
}

func (f faultyContacts) CreateContact(ctx context.Context, props store.Properties) (store.Contact, error) {
	if err := f.p.call("CreateContact"); err != nil {
		return store.Contact{}, err
	}
	return f.Contacts.CreateContact(ctx, props)
}

func (f faultyContacts) UpdateContact(ctx context.Context, id string, props store.Properties) error {
	if err := f.p.call("UpdateContact"); err != nil {
		return err
	}
	return f.Contacts.UpdateContact(ctx, id, props)
}

type faultySessions struct {
	*memory.Sessions
	p *faultPlan
}

func (f faultySessions) Load(ctx context.Context, id string) (store.SessionRecord, error) {
	if err := f.p.call("Sessions.Load"); err != nil {
		return store.SessionRecord{}, err
	}
	return f.Sessions.Load(ctx, id)
}

func (f faultySessions) Save(ctx context.Context, id string, data []byte, v int64) (int64, error) {
	if err := f.p.call("Sessions.Save"); err != nil {
		return 0, err
	}
	return f.Sessions.Save(ctx, id, data, v)
}

// SaveIdle fails like Save: the engine saves through it, since the embedded
// store implements store.IdleSessions.
func (f faultySessions) SaveIdle(ctx context.Context, id string, data []byte, v int64, idleAt time.Time) (int64, error) {
	if err := f.p.call("Sessions.Save"); err != nil {
		return 0, err
	}
	return f.Sessions.SaveIdle(ctx, id, data, v, idleAt)
}

type faultyConsent struct {
	*memory.ConsentRecords
	p *faultPlan
}

func (f faultyConsent) Append(ctx context.Context, r consent.Record) error {
	if err := f.p.call("Consent.Append"); err != nil {
		return err
	}
	return f.ConsentRecords.Append(ctx, r)
}

func (f faultyConsent) LinkContact(ctx context.Context, visitorID, contactID string) error {
	if err := f.p.call("Consent.LinkContact"); err != nil {
		return err
	}
	return f.ConsentRecords.LinkContact(ctx, visitorID, contactID)
}

type faultySubscriptions struct {
	*memory.Subscriptions
	p *faultPlan
}

func (f faultySubscriptions) State(ctx context.Context, contactID, typ string) (store.SubscriptionState, error) {
	if err := f.p.call("Subscriptions.State"); err != nil {
		return "", err
	}
	return f.Subscriptions.State(ctx, contactID, typ)
}

func (f faultySubscriptions) SetState(ctx context.Context, contactID, typ string, st store.SubscriptionState, explicit bool) error {
	if err := f.p.call("Subscriptions.SetState"); err != nil {
		return err
	}
	return f.Subscriptions.SetState(ctx, contactID, typ, st, explicit)
}

// faultFlow exercises every store a turn writes to: a property derived from
// a stored one, an anonymous visitor who becomes a contact by email, consent
// recorded under legitimate interest and an email subscription offered.
const faultFlow = `{"id":"faults","version":1,"welcome":{"message":["Hi!"]},
  "actions":[
    {"name":"count","type":"set_contact_property","settings":{"property":"visits","value":"{{ contact.?visits.orValue(0) + 1 }}"}},
    {"name":"ask_email","type":"ask_question","settings":{"message":["Email?"],"property":"email"}},
    {"name":"again","type":"set_contact_property","settings":{"property":"visits","value":"{{ contact.visits + 1 }}"}},
    {"name":"offer","type":"offer_email_subscription","settings":{"message":["Newsletter?"],"subscriptionTypes":["news"],
      "subscribedMessage":["Subscribed."],"notSubscribedMessage":["Fine."]}},
    {"name":"bye","type":"send_message","settings":{"message":["Visits: {{ contact.visits }}"]}}]}`

// faultWorld is an engine on faulty stores.
type faultWorld struct {
	e        *engine.Engine
	plan     *faultPlan
	contacts *memory.Contacts
	consent  *memory.ConsentRecords
	subs     *memory.Subscriptions
}

func newFaultWorld(t *testing.T) *faultWorld {
	t.Helper()
	w := &faultWorld{plan: new(faultPlan), contacts: memory.NewContacts(), consent: memory.NewConsentRecords(), subs: memory.NewSubscriptions()}
	schema := condition.DefaultSchema()
	schema["contact"]["visits"] = condition.PropertyDef{Type: condition.NumberProperty}
	e, err := engine.New(engine.Config{Schema: schema, Stores: store.Stores{
		Contacts: faultyContacts{w.contacts, w.plan}, Companies: w.contacts,
		Sessions: faultySessions{memory.NewSessions(), w.plan},
		Consent:  faultyConsent{w.consent, w.plan}, Subscriptions: faultySubscriptions{w.subs, w.plan},
	}})
	require.NoError(t, err)
	f, err := e.Load([]byte(faultFlow))
	require.NoError(t, err)
	require.NoError(t, e.Publish(f))
	w.e = e
	return w
}

// script is the conversation every fault run replays.
var faultScript = []string{"hi", "ada@example.com", "yes"}

// run plays the script, retrying each message after an injected failure,
// and returns the texts the visitor saw.
func (w *faultWorld) run(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	var seen []string
	for attempt := 0; ; attempt++ {
		r, err := w.e.Start(ctx, engine.StartRequest{ConversationID: "c", FlowID: "faults"})
		if err == nil {
			seen = append(seen, r.Texts()...)
			break
		}
		require.ErrorIs(t, err, errInjected)
		require.Less(t, attempt, 3)
	}
	for i, text := range faultScript {
		in := engine.Input{ConversationID: "c", MessageID: fmt.Sprint("m", i), Text: text}
		for attempt := 0; ; attempt++ {
			r, err := w.e.Handle(ctx, in)
			if err == nil {
				require.Equal(t, engine.OutcomeProcessed, r.Outcome, "the retry of a failed turn is that turn, not a duplicate")
				seen = append(seen, r.Texts()...)
				break
			}
			require.ErrorIs(t, err, errInjected)
			require.Less(t, attempt, 3)
		}
	}
	return seen
}

// outcome is what a run leaves in the stores.
func (w *faultWorld) outcome(t *testing.T) string {
	ctx := context.Background()
	w.plan.fail.Store(0)
	var b strings.Builder
	for _, c := range w.contacts.AllContacts(ctx) {
		fmt.Fprintf(&b, "contact %v\n", c.Properties)
		st, _ := w.subs.State(ctx, c.ID, "news")
		fmt.Fprintf(&b, "news %s\n", st)
		recs, _ := w.consent.ForContact(ctx, c.ID)
		for _, r := range recs {
			fmt.Fprintf(&b, "record %s %s %s %s\n", r.ID, r.Kind, r.Choice, r.Action)
		}
	}
	s, err := w.e.Session(ctx, "c")
	require.NoError(t, err)
	fmt.Fprintf(&b, "session %s %q %v\n", s.Status, s.Position, s.Answers)
	return b.String()
}

// TestFaultAtEveryStoreCall fails each store call of a clean run in turn,
// retries the message, and checks that the visitor and the stores end up
// exactly as after the clean run: no write lost, none applied twice.
func TestFaultAtEveryStoreCall(t *testing.T) {
	clean := newFaultWorld(t)
	wantSeen := clean.run(t)
	calls := int(clean.plan.calls.Load())
	want := clean.outcome(t)
	require.Contains(t, want, "visits:2", "the clean run counts both visits")
	require.Contains(t, want, "news opted_in")
	for i := 1; i <= calls; i++ {
		t.Run(fmt.Sprintf("%d_%s", i, clean.plan.log[i-1]), func(t *testing.T) {
			w := newFaultWorld(t)
			w.plan.fail.Store(int32(i))
			seen := w.run(t)
			assert.Equal(t, wantSeen, seen, "what the visitor saw")
			assert.Equal(t, want, w.outcome(t), "what the stores hold")
		})
	}
}

// A turn whose lock was lost (another process saved the session since)
// applies none of its property writes.
func TestLostLockAppliesNoWrites(t *testing.T) {
	ctx := context.Background()
	h := enginetest.New(t, flowWith(`[{"name":"ask","type":"ask_question","settings":{"message":["?"],"property":"firstname"}},
		{"name":"done","type":"send_message","settings":{"message":["ok"]}}]`))
	ct, err := h.Stores.Contacts.CreateContact(ctx, store.Properties{"email": "a@x.example"})
	require.NoError(t, err)
	h.StartWith(engine.StartRequest{ConversationID: "c1", ContactID: ct.ID}).Says("hi").ExpectAwaiting("ask")
	// Another process moves the session on behind this one's back.
	rec, err := h.Stores.Sessions.Load(ctx, "c1")
	require.NoError(t, err)
	stale := &staleSessions{Sessions: h.Stores.Sessions, version: rec.Version}
	_, err = h.Stores.Sessions.Save(ctx, "c1", rec.Data, rec.Version)
	require.NoError(t, err)
	e, err := engine.New(engine.Config{Stores: store.Stores{Contacts: h.Stores.Contacts, Sessions: stale, Consent: h.Stores.Consent}})
	require.NoError(t, err)
	data, err := json.Marshal(h.Flow)
	require.NoError(t, err)
	f, err := e.Load(data)
	require.NoError(t, err)
	require.NoError(t, e.Publish(f))
	_, err = e.Handle(ctx, engine.Input{ConversationID: "c1", MessageID: "m9", Text: "Mallory"})
	require.ErrorIs(t, err, store.ErrConflict)
	got, err := h.Stores.Contacts.Contact(ctx, ct.ID)
	require.NoError(t, err)
	assert.NotContains(t, got.Properties, "firstname", "the fenced save failed, so no write was applied")
}

// staleSessions loads an old version of the session, as a process whose
// lease expired would have.
type staleSessions struct {
	store.Sessions
	version int64
}

func (s *staleSessions) Load(ctx context.Context, id string) (store.SessionRecord, error) {
	rec, err := s.Sessions.Load(ctx, id)
	rec.Version = s.version
	return rec, err
}

// Without message IDs every input is a new message: a ticket action that
// runs in two turns creates two tickets.
func TestInputsWithoutIDsGetTheirOwnSideEffects(t *testing.T) {
	ctx := context.Background()
	tickets := memory.NewTickets()
	h := enginetest.NewWith(t, engine.Config{Stores: store.Stores{Tickets: tickets}}, flowWith(`[
		{"name":"ask","type":"ask_question","settings":{"message":["Problem?"]}},
		{"name":"ticket","type":"submit_ticket","settings":{"name":"{{ answers.ask }}","pipeline":"p","status":"new"},"next":"ask"}]`))
	ct, err := h.Stores.Contacts.CreateContact(ctx, store.Properties{"email": "t@x.example"})
	require.NoError(t, err)
	_, err = h.Engine.Start(ctx, engine.StartRequest{ConversationID: "c1", FlowID: h.Flow.ID(), ContactID: ct.ID})
	require.NoError(t, err)
	for _, text := range []string{"hi", "printer", "scanner"} {
		_, err := h.Engine.Handle(ctx, engine.Input{ConversationID: "c1", Text: text})
		require.NoError(t, err)
	}
	var names []string
	for _, tk := range tickets.All() {
		names = append(names, tk.Name)
	}
	assert.ElementsMatch(t, []string{"printer", "scanner"}, names)
}

// A host that cancels its call while a webhook runs has failed, not the
// conversation: nothing is saved and the retry runs the turn.
func TestCancelledCallSavesNothing(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			close(started)
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		_, _ = w.Write([]byte(`{"botMessage":"Found it."}`))
	}))
	defer srv.Close()
	defer close(release)
	h := enginetest.NewWith(t, (&testPorts{Webhooks: testWebhookPolicy()}).config(), flowWith(`[
		{"name":"hook","type":"webhook","settings":{"url":"`+srv.URL+`","waitForResponse":true}},
		{"name":"done","type":"send_message","settings":{"message":["Done."]}}]`))
	h.Start("c1")
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	_, err := h.Engine.Handle(ctx, engine.Input{ConversationID: "c1", MessageID: "m1", Text: "hi"})
	require.ErrorIs(t, err, context.Canceled)
	s, err := h.Engine.Session(context.Background(), "c1")
	require.NoError(t, err)
	assert.Equal(t, engine.StatusWelcome, s.Status, "not ended by the host's cancellation")
	r, err := h.Engine.Handle(context.Background(), engine.Input{ConversationID: "c1", MessageID: "m1", Text: "hi"})
	require.NoError(t, err)
	assert.Equal(t, []string{"Found it.", "Done."}, r.Texts())
}

// A contact deleted outside the library does not break its conversation.
func TestDeletedContactConversationGoesOn(t *testing.T) {
	ctx := context.Background()
	h := enginetest.New(t, flowWith(`[{"name":"ask","type":"ask_question","settings":{"message":["Name?"],"property":"firstname"}},
		{"name":"ask_email","type":"ask_question","settings":{"message":["Email?"],"property":"email"}},
		{"name":"done","type":"send_message","settings":{"message":["Thanks {{ contact.firstname }}"]}}]`))
	contacts := h.Stores.Contacts.(*memory.Contacts)
	ct, err := contacts.CreateContact(ctx, store.Properties{"email": "gone@x.example"})
	require.NoError(t, err)
	c := h.StartWith(engine.StartRequest{ConversationID: "c1", ContactID: ct.ID}).Says("hi").ExpectAwaiting("ask")
	require.NoError(t, contacts.DeleteContact(ctx, ct.ID))
	c.Says("Ada").ExpectAwaiting("ask_email").ExpectProperty("firstname", "Ada")
	c.Says("new@x.example").ExpectBot("Thanks Ada").ExpectStatus(engine.StatusFinished).ExpectProperty("email", "new@x.example")
}

// writeLog records the contact writes a store receives.
type writeLog struct {
	*memory.Contacts
	log []string
}

func (w *writeLog) CreateContact(ctx context.Context, props store.Properties) (store.Contact, error) {
	w.log = append(w.log, fmt.Sprint("create ", props))
	return w.Contacts.CreateContact(ctx, props)
}

func (w *writeLog) UpdateContact(ctx context.Context, id string, props store.Properties) error {
	w.log = append(w.log, fmt.Sprint("update ", props))
	return w.Contacts.UpdateContact(ctx, id, props)
}

// The turn that creates a contact from an email address writes its
// properties once, with the contact; a value set after that, in the same
// turn, is still written, and so are the writes of later turns.
func TestCreatedContactIsWrittenOnce(t *testing.T) {
	contacts := &writeLog{Contacts: memory.NewContacts()}
	h := enginetest.NewWith(t, engine.Config{Stores: store.Stores{Contacts: contacts, Companies: contacts.Contacts}},
		flowWith(`[{"name":"ask","type":"ask_question","settings":{"message":["Name?"],"property":"firstname"}},
		{"name":"ask_email","type":"ask_question","settings":{"message":["Email?"],"property":"email"}},
		{"name":"again","type":"set_contact_property","settings":{"property":"firstname","value":"{{ contact.firstname }}!"}},
		{"name":"ask_size","type":"ask_question","settings":{"message":["Size?"],"property":"company_size"}}]`))
	c := h.Start("c1").Says("hi").Says("Ada").ExpectAwaiting("ask_email")
	contacts.log = nil
	c.Says("ada@x.example").ExpectAwaiting("ask_size")
	assert.Equal(t, []string{"create map[email:ada@x.example firstname:Ada]", "update map[firstname:Ada!]"}, contacts.log)
	c.ExpectProperty("firstname", "Ada!").ExpectProperty("email", "ada@x.example")
	contacts.log = nil
	c.Says("1-10").ExpectProperty("company_size", "1-10").ExpectProperty("firstname", "Ada!")
	assert.Equal(t, []string{"update map[company_size:1-10]"}, contacts.log)
}

// A session that timed out restarts on the latest version even when the
// version it ran is no longer published (by a process that never loaded it).
func TestTimedOutSessionRestartsOnLatestVersion(t *testing.T) {
	ctx := context.Background()
	m := memory.New()
	clock := enginetest.NewClock(enginetest.Epoch)
	newEngine := func(version int, text string) *engine.Engine {
		e, err := engine.New(engine.Config{Stores: m, Clock: clock.Now})
		require.NoError(t, err)
		f, err := e.Load([]byte(fmt.Sprintf(`{"id":"f","version":%d,"welcome":{"message":["%s"]},
			"actions":[{"name":"a","type":"ask_question","settings":{"message":["?"]}}]}`, version, text)))
		require.NoError(t, err)
		require.NoError(t, e.Publish(f))
		return e
	}
	old := newEngine(1, "v1")
	_, err := old.Start(ctx, engine.StartRequest{ConversationID: "c1", FlowID: "f"})
	require.NoError(t, err)
	_, err = old.Handle(ctx, engine.Input{ConversationID: "c1", MessageID: "m1", Text: "hi"})
	require.NoError(t, err)

	next := newEngine(2, "v2")
	_, err = next.Handle(ctx, engine.Input{ConversationID: "c1", MessageID: "m2", Text: "x"})
	assert.ErrorIs(t, err, engine.ErrUnknownFlow, "a running session stays on its version")
	clock.Advance(time.Hour)
	r, err := next.Handle(ctx, engine.Input{ConversationID: "c1", MessageID: "m2", Text: "hello again"})
	require.NoError(t, err)
	assert.Equal(t, []string{"v2", "?"}, r.Texts())
}

// A panicking host callback is an error for the caller, never a panic.
func TestPanickingAvailabilityIsAnError(t *testing.T) {
	ctx := context.Background()
	e, err := engine.New(engine.Config{Stores: memory.New(), Available: func(context.Context, string, time.Time) (bool, error) {
		panic("directory down")
	}})
	require.NoError(t, err)
	f, err := e.Load([]byte(`{"id":"f","version":1,"welcome":{"message":["{{ available ? \"We're here\" : \"Away\" }}"]},
		"actions":[{"name":"a","type":"send_message","settings":{"message":["x"]}}]}`))
	require.NoError(t, err)
	require.NoError(t, e.Publish(f))
	assert.NotPanics(t, func() {
		_, err = e.Start(ctx, engine.StartRequest{ConversationID: "c1", FlowID: "f"})
	})
	assert.ErrorContains(t, err, "directory down")
	_, err = e.Session(ctx, "c1")
	assert.ErrorIs(t, err, engine.ErrUnknownConversation, "nothing saved")
}

// A redelivered message gets the reply its turn gave, without events,
// whether the turn's effects reached the stores at once or only on a retry
// after a failure, and whether the session was saved once more after the
// effects or not.
func TestRedeliveryAfterEffectsGetsTheReply(t *testing.T) {
	ctx := context.Background()
	in := engine.Input{ConversationID: "c", MessageID: "m0", Text: "hi"}
	for _, fail := range []string{"", "Consent.Append", "the second Sessions.Save"} {
		t.Run(fail, func(t *testing.T) {
			w := newFaultWorld(t)
			_, err := w.e.Start(ctx, engine.StartRequest{ConversationID: "c", FlowID: "faults"})
			require.NoError(t, err)
			switch fail {
			case "Consent.Append":
				w.plan.fail.Store(w.plan.calls.Load() + 3) // Load, Save, Append
			case "the second Sessions.Save":
				w.plan.fail.Store(w.plan.calls.Load() + 4)
			}
			first, err := w.e.Handle(ctx, in)
			if fail == "Consent.Append" {
				require.ErrorIs(t, err, errInjected)
				first, err = w.e.Handle(ctx, in)
			}
			require.NoError(t, err)
			require.Equal(t, engine.OutcomeProcessed, first.Outcome)
			require.NotEmpty(t, first.Events)
			require.NotEmpty(t, first.Texts())
			for range 2 {
				again, err := w.e.Handle(ctx, in)
				require.NoError(t, err)
				if fail == "the second Sessions.Save" && again.Outcome == engine.OutcomeProcessed {
					// The first redelivery finds the effects unconfirmed:
					// it applies them again and gets the whole reply.
					assert.Equal(t, first.Texts(), again.Texts())
					continue
				}
				assert.Equal(t, engine.OutcomeDuplicate, again.Outcome)
				assert.Equal(t, first.Texts(), again.Texts())
				assert.Equal(t, first.Awaiting, again.Awaiting)
				assert.Empty(t, again.Events)
			}
			if fail != "" {
				assert.Contains(t, strings.Join(w.plan.log, " "), fmt.Sprint(" ", strings.TrimPrefix(fail, "the second "), " "))
			}
		})
	}
}

// Exactly-once holds well beyond a handful of messages.
func TestRedeliveryAfterManyMessages(t *testing.T) {
	h := enginetest.New(t, flowWith(`[{"name":"ask","type":"ask_question","settings":{"message":["?"]},"next":"ask"}]`))
	c := h.Start("c1")
	for i := 0; i < 40; i++ {
		c.Send(engine.Input{MessageID: fmt.Sprint("m", i), Text: "x"}).ExpectOutcome(engine.OutcomeProcessed)
	}
	c.Send(engine.Input{MessageID: "m3", Text: "x"}).ExpectOutcome(engine.OutcomeDuplicate)
}

// An email typed in a chat is no proof of identity: the bot records to that
// contact but shows none of what it held.
func TestClaimedEmailRevealsNothing(t *testing.T) {
	ctx := context.Background()
	flow := flowWith(`[{"name":"ask_email","type":"ask_question","settings":{"message":["Email?"],"property":"email"}},
		{"name":"hello","type":"send_message","settings":{"message":["Hello {{ contact.?firstname.orValue(\"stranger\") }}, {{ contact.?phone.orValue(\"no phone\") }}"]},
		 "branches":[{"if":"contact.?vip.orValue(\"\") == \"yes\"","then":"vip"}],"end":true},
		{"name":"vip","type":"send_message","settings":{"message":["Welcome back, VIP."]}}]`)
	h := enginetest.New(t, flow)
	ct, err := h.Stores.Contacts.CreateContact(ctx, store.Properties{"email": "ceo@x.example", "firstname": "Grace", "phone": "+31612345678", "vip": "yes"})
	require.NoError(t, err)
	h.Start("claim").Says("hi").Says("ceo@x.example").ExpectBot("Hello stranger, no phone")
	s, err := h.Engine.Session(ctx, "claim")
	require.NoError(t, err)
	assert.Equal(t, ct.ID, s.ContactID, "recorded to that contact")

	// Identified by the host, the same visitor is greeted by name.
	h.StartWith(engine.StartRequest{ConversationID: "known", ContactID: ct.ID}).Says("hi").Says("ceo@x.example").
		ExpectBot("Hello Grace, +31612345678", "Welcome back, VIP.")
}

// Bad IDs and control characters are refused at the edge.
func TestInputValidation(t *testing.T) {
	h := enginetest.New(t, flowWith(`[{"name":"a","type":"ask_question","settings":{"message":["?"]}}]`))
	ctx := context.Background()
	_, err := h.Engine.Start(ctx, engine.StartRequest{ConversationID: strings.Repeat("x", 1<<20), FlowID: h.Flow.ID()})
	assert.ErrorIs(t, err, engine.ErrInvalidInput)
	_, err = h.Engine.Start(ctx, engine.StartRequest{ConversationID: "bad\xff", FlowID: h.Flow.ID()})
	assert.ErrorIs(t, err, engine.ErrInvalidInput)
	_, err = h.Engine.Start(ctx, engine.StartRequest{ConversationID: "c1", FlowID: h.Flow.ID(), Page: map[string]string{"url": "x\x00y"}})
	assert.ErrorIs(t, err, engine.ErrInvalidInput)
	h.Start("c1")
	_, err = h.Engine.Handle(ctx, engine.Input{ConversationID: "c1", Text: "nul\x00byte"})
	assert.ErrorIs(t, err, engine.ErrInvalidInput)
	assert.ErrorContains(t, err, "U+0000")
	_, err = h.Engine.Handle(ctx, engine.Input{ConversationID: "c1", MessageID: "m\n1", Text: "hi"})
	assert.ErrorIs(t, err, engine.ErrInvalidInput)
	r, err := h.Engine.Handle(ctx, engine.Input{ConversationID: "c1", Text: "two\nlines"})
	require.NoError(t, err)
	assert.Equal(t, engine.StatusActive, r.Status)
}

// After a withdrawal the session keeps nothing the visitor said.
func TestWithdrawalDropsWhatTheVisitorSaid(t *testing.T) {
	ctx := context.Background()
	h := enginetest.New(t, flowWith(`[{"name":"ask","type":"ask_question","settings":{"message":["Name?"],"property":"firstname"}},
		{"name":"ask2","type":"ask_question","settings":{"message":["More?"]}}]`))
	h.StartWith(engine.StartRequest{ConversationID: "c1", Page: map[string]string{"url": "https://x.example/?email=a@b.example"}}).
		Says("hi").Says("Ada").ExpectAwaiting("ask2")
	_, err := h.Engine.Consent(ctx, engine.ConsentDecision{ConversationID: "c1", Kind: consent.DataProcessing, Choice: consent.Withdrawn})
	require.NoError(t, err)
	rec, err := h.Stores.Sessions.Load(ctx, "c1")
	require.NoError(t, err)
	assert.NotContains(t, string(rec.Data), "Ada")
	assert.NotContains(t, string(rec.Data), "a@b.example")
}

// A retry that comes after other messages of the conversation were
// processed still creates its side effects once.
func TestRetryAfterLaterMessagesCreatesNoDuplicate(t *testing.T) {
	ctx := context.Background()
	tickets := memory.NewTickets()
	sessions := &flakySessions{Sessions: memory.NewSessions()}
	h := enginetest.NewWith(t, engine.Config{Stores: store.Stores{Tickets: tickets, Sessions: sessions}}, flowWith(`[
		{"name":"ask","type":"ask_question","settings":{"message":["Problem?"]}},
		{"name":"ticket","type":"submit_ticket","settings":{"name":"{{ answers.ask }}","pipeline":"p","status":"new"},"next":"ask"}]`))
	ct, err := h.Stores.Contacts.CreateContact(ctx, store.Properties{"email": "t@x.example"})
	require.NoError(t, err)
	_, err = h.Engine.Start(ctx, engine.StartRequest{ConversationID: "c1", FlowID: h.Flow.ID(), ContactID: ct.ID})
	require.NoError(t, err)
	_, err = h.Engine.Handle(ctx, engine.Input{ConversationID: "c1", MessageID: "m1", Text: "hi"})
	require.NoError(t, err)
	sessions.fail.Store(true) // m2 creates its ticket, then its session save fails
	_, err = h.Engine.Handle(ctx, engine.Input{ConversationID: "c1", MessageID: "m2", Text: "printer"})
	require.Error(t, err)
	sessions.fail.Store(false)
	_, err = h.Engine.Handle(ctx, engine.Input{ConversationID: "c1", MessageID: "m3", Text: "scanner"})
	require.NoError(t, err)
	_, err = h.Engine.Handle(ctx, engine.Input{ConversationID: "c1", MessageID: "m2", Text: "printer"})
	require.NoError(t, err)
	var names []string
	for _, tk := range tickets.All() {
		names = append(names, tk.Name)
	}
	assert.ElementsMatch(t, []string{"printer", "scanner"}, names)
}
