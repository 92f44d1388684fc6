package enginetest_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
)

// update is this test binary's own -update flag, as a host project has one.
// Were enginetest to register a flag of that name, the binary would panic
// with "flag redefined: update" before any test ran.
var update = flag.Bool("update", false, "rewrite golden files in testdata")

// profileFlow asks for a name and an email address; the email address makes
// the visitor a known contact, so later values go to the contacts store.
const profileFlow = `{
  "id": "profile", "version": 1,
  "welcome": {"message": ["Hi! Say anything to start."]},
  "actions": [
    {"name": "ask_name", "type": "ask_question",
     "settings": {"message": ["What's your name?"], "property": "firstname"}},
    {"name": "ask_email", "type": "ask_question",
     "settings": {"message": ["What's your email?"], "property": "email"}},
    {"name": "ask_city", "type": "ask_question",
     "settings": {"message": ["Where do you live?"], "property": "city"}},
    {"name": "thanks", "type": "send_message",
     "settings": {"message": ["Thanks, {{ contact.firstname }}!"]}}
  ]
}`

// byeFlow finishes at the visitor's first message.
const byeFlow = `{
  "id": "bye", "version": 1,
  "welcome": {"message": ["hi"]},
  "actions": [{"name": "bye", "type": "send_message", "settings": {"message": ["bye"]}}]
}`

// TestNoFlags checks that every flag of this test binary is the testing
// package's or this file's: importing enginetest adds none.
func TestNoFlags(t *testing.T) {
	flag.VisitAll(func(f *flag.Flag) {
		if f.Name != "update" && !strings.HasPrefix(f.Name, "test.") {
			t.Errorf("unexpected flag -%s (%s)", f.Name, f.Usage)
		}
	})
	if f := flag.Lookup("update"); f == nil || f.Usage != "rewrite golden files in testdata" {
		t.Errorf("-update is not this test's flag: %+v", f)
	}
}

// hostContacts is a host's contact adapter: it keeps a tenant's contacts in
// a shared store under prefixed IDs, and counts its calls.
type hostContacts struct {
	tenant string
	shared *memory.Contacts
	reads  atomic.Int64 // Contact and ContactByEmail
	writes atomic.Int64 // CreateContact and UpdateContact
	// detached counts calls with a context that can never be cancelled
	// (context.Background), not the test's.
	detached atomic.Int64
}

func (c *hostContacts) called(ctx context.Context, n *atomic.Int64) {
	n.Add(1)
	if ctx.Done() == nil {
		c.detached.Add(1)
	}
}

var _ store.Contacts = (*hostContacts)(nil)

func (c *hostContacts) out(ct store.Contact) store.Contact {
	ct.ID = c.tenant + ":" + ct.ID
	return ct
}

func (c *hostContacts) in(id string) (string, error) {
	raw, ok := strings.CutPrefix(id, c.tenant+":")
	if !ok {
		return "", fmt.Errorf("host: contact %q of another tenant: %w", id, store.ErrNotFound)
	}
	return raw, nil
}

func (c *hostContacts) Contact(ctx context.Context, id string) (store.Contact, error) {
	c.called(ctx, &c.reads)
	raw, err := c.in(id)
	if err != nil {
		return store.Contact{}, err
	}
	ct, err := c.shared.Contact(ctx, raw)
	return c.out(ct), err
}

func (c *hostContacts) ContactByEmail(ctx context.Context, email string) (store.Contact, error) {
	c.called(ctx, &c.reads)
	ct, err := c.shared.ContactByEmail(ctx, email)
	return c.out(ct), err
}

func (c *hostContacts) CreateContact(ctx context.Context, props store.Properties) (store.Contact, error) {
	c.called(ctx, &c.writes)
	ct, err := c.shared.CreateContact(ctx, props)
	return c.out(ct), err
}

func (c *hostContacts) UpdateContact(ctx context.Context, id string, props store.Properties) error {
	c.called(ctx, &c.writes)
	raw, err := c.in(id)
	if err != nil {
		return err
	}
	return c.shared.UpdateContact(ctx, raw, props)
}

// TestExpectationsReadTheEngineStores runs the harness on a host contacts
// store and checks that expectations see what the engine wrote there, and
// what the host wrote there behind the bot's back.
func TestExpectationsReadTheEngineStores(t *testing.T) {
	hc := &hostContacts{tenant: "acme", shared: memory.NewContacts()}
	h := enginetest.NewWith(t, engine.Config{Stores: store.Stores{Contacts: hc}}, []byte(profileFlow))
	if h.Stores.Contacts != store.Contacts(hc) {
		t.Fatalf("Harness.Stores.Contacts = %T, want the host's store", h.Stores.Contacts)
	}
	if h.Stores.Sessions == nil || h.Stores.Consent == nil {
		t.Fatalf("the stores the host left nil are not filled: %+v", h.Stores)
	}

	c := h.Start("c1").
		Says("hello").ExpectBot("What's your name?").
		Says("Ada").ExpectBot("What's your email?").
		// Not a contact yet: the session keeps the value.
		ExpectProperty("firstname", "Ada").ExpectNoProperty("email")
	if n := hc.writes.Load(); n != 0 {
		t.Errorf("%d contact writes before the visitor gave an email address", n)
	}

	c.Says("ada@example.com").ExpectBot("Where do you live?").
		ExpectProperty("email", "ada@example.com").ExpectProperty("firstname", "Ada")
	if hc.writes.Load() == 0 {
		t.Fatal("the engine never wrote to the host's contacts store")
	}
	s, err := h.Engine.Session(t.Context(), "c1")
	if err != nil {
		t.Fatal(err)
	}
	if s.ContactID != "acme:contact-1" {
		t.Errorf("session contact ID %q, want the host store's acme:contact-1", s.ContactID)
	}
	stored, err := hc.shared.Contact(t.Context(), "contact-1")
	if err != nil || stored.Properties["firstname"] != "Ada" || stored.Properties["email"] != "ada@example.com" {
		t.Errorf("host store holds %+v (%v), want firstname and email", stored, err)
	}

	// The host's CRM changes the contact; the harness sees it at once, so
	// it holds no copy of its own.
	if err := hc.shared.UpdateContact(t.Context(), "contact-1", store.Properties{"lastname": "Lovelace"}); err != nil {
		t.Fatal(err)
	}
	reads := hc.reads.Load()
	c.ExpectProperty("lastname", "Lovelace")
	if got, ok := c.Property("lastname"); !ok || got != "Lovelace" {
		t.Errorf("Property(lastname) = %q, %v; want Lovelace", got, ok)
	}
	if hc.reads.Load() <= reads {
		t.Error("ExpectProperty and Property did not read the host's contacts store")
	}

	c.Says("London").ExpectBot("Thanks, Ada!").ExpectStatus(engine.StatusFinished).
		ExpectProperty("city", "London")
	if n := hc.detached.Load(); n != 0 {
		t.Errorf("%d store calls had a context other than the test's", n)
	}
}

// ctxAction records the context of its runs.
type ctxAction struct{ seen chan<- context.Context }

func (a ctxAction) Run(ctx context.Context, t action.Turn) (action.Result, error) {
	a.seen <- ctx
	t.Say(action.Messages{{Text: fmt.Sprintf("ctx err: %v", ctx.Err())}})
	return action.Result{Status: action.Done}, nil
}

// TestStepsUseTheTestContext checks that the context an action gets is the
// test's: live while the test runs, cancelled once it has ended.
func TestStepsUseTheTestContext(t *testing.T) {
	seen := make(chan context.Context, 1)
	cfg := engine.Config{Actions: []action.Type{{
		Name: "record_ctx", Doc: "records the context it runs with",
		New: func() action.Action { return ctxAction{seen: seen} },
	}}}
	flow := `{"id": "ctx", "version": 1, "welcome": {"message": ["hi"]},
	  "actions": [{"name": "rec", "type": "record_ctx"}]}`

	var ctx context.Context
	t.Run("conversation", func(t *testing.T) {
		h := enginetest.NewWith(t, cfg, []byte(flow))
		h.Start("c1").Says("go").ExpectBot("ctx err: <nil>").ExpectStatus(engine.StatusFinished)
		ctx = <-seen
		if ctx.Err() != nil {
			t.Errorf("context already done while the test runs: %v", ctx.Err())
		}
	})
	if ctx == nil {
		t.Fatal("the action never ran")
	}
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Errorf("after the test ended the action's context reports %v, want context.Canceled", ctx.Err())
	}
}

// TestGolden checks that Golden writes with update and compares without.
func TestGolden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "dir", "x.golden")
	enginetest.Golden(t, path, []byte("one\n"), true)
	if b, err := os.ReadFile(path); err != nil || string(b) != "one\n" {
		t.Fatalf("after update the file holds %q (%v)", b, err)
	}
	enginetest.Golden(t, path, []byte("one\n"), false) // the same: passes

	ft := newFakeTB(t)
	ft.run(func() { enginetest.Golden(ft, path, []byte("two\n"), false) })
	ft.wantOne(t, path, "differs", enginetest.UpdateEnv)
	if b, _ := os.ReadFile(path); string(b) != "one\n" {
		t.Errorf("comparing changed the file to %q", b)
	}

	ft = newFakeTB(t)
	missing := filepath.Join(t.TempDir(), "missing.golden")
	ft.run(func() { enginetest.Golden(ft, missing, []byte("x"), false) })
	if !ft.fatal {
		t.Errorf("a missing golden file is not fatal; errors: %q", ft.errs)
	}
	ft.wantOne(t, "reading golden file", enginetest.UpdateEnv)
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("comparing created the golden file: %v", err)
	}
}

// TestMatchGoldenHonoursUpdate checks that MatchGolden writes the transcript
// when Harness.Update is set and compares with it when not.
func TestMatchGoldenHonoursUpdate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bye.golden")
	h := enginetest.New(t, []byte(byeFlow))
	h.Update = true
	c := h.Start("c1").Says("hello").MatchGolden(path)
	if b, err := os.ReadFile(path); err != nil || string(b) != c.Transcript() {
		t.Fatalf("golden file holds %q (%v), want the transcript %q", b, err, c.Transcript())
	}

	h.Update = false
	c.MatchGolden(path)

	ft := newFakeTB(t)
	h = enginetest.New(ft, []byte(byeFlow))
	h.Update = false
	ft.run(func() { h.Start("c2").MatchGolden(path) }) // shorter than the golden transcript
	ft.wantOne(t, path, "differs")
}

// TestNewReadsUpdateEnv checks that New sets Harness.Update from UpdateEnv.
func TestNewReadsUpdateEnv(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  bool
	}{{"", false}, {"0", false}, {"1", true}, {"true", true}} {
		t.Run(fmt.Sprintf("%s=%q", enginetest.UpdateEnv, tc.value), func(t *testing.T) {
			t.Setenv(enginetest.UpdateEnv, tc.value)
			if got := enginetest.New(t, []byte(byeFlow)).Update; got != tc.want {
				t.Errorf("Update = %v, want %v", got, tc.want)
			}
			if got := enginetest.NewWith(t, engine.Config{}, []byte(byeFlow)).Update; got != tc.want {
				t.Errorf("NewWith: Update = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestTranscriptGolden is the host pattern: the test binary's own -update
// flag decides whether the golden file is rewritten.
func TestTranscriptGolden(t *testing.T) {
	h := enginetest.New(t, []byte(profileFlow))
	h.Update = h.Update || *update
	h.Start("c1").
		Says("hello").Says("Ada").Says("ada@example.com").Says("London").
		Advance(time.Minute).
		Says("still there?").
		MatchGolden(filepath.Join("testdata", "profile.golden"))
}

// fakeTB records failures instead of failing the test that owns it.
type fakeTB struct {
	testing.TB
	errs  []string
	fatal bool
}

// fatalStop unwinds a fake Fatalf, as runtime.Goexit unwinds a real one.
type fatalStop struct{}

func newFakeTB(t *testing.T) *fakeTB { return &fakeTB{TB: t} }

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
	f.fatal = true
	panic(fatalStop{})
}

// run runs fn, stopping where it calls f.Fatalf.
func (f *fakeTB) run(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(fatalStop); !ok {
				panic(r)
			}
		}
	}()
	fn()
}

// wantOne checks that exactly one failure was reported, containing each
// of parts.
func (f *fakeTB) wantOne(t *testing.T, parts ...string) {
	t.Helper()
	if len(f.errs) != 1 {
		t.Errorf("got %d failures, want 1: %q", len(f.errs), f.errs)
		return
	}
	for _, p := range parts {
		if !strings.Contains(f.errs[0], p) {
			t.Errorf("failure %q does not mention %q", f.errs[0], p)
		}
	}
}

// TestFailingExpectations checks that each expectation that is not met
// fails the test once, naming the conversation, and that the script goes
// on (Errorf, not Fatalf).
func TestFailingExpectations(t *testing.T) {
	for _, tc := range []struct {
		name   string
		expect func(c *enginetest.Conversation)
		want   string
	}{
		{"ExpectBot", func(c *enginetest.Conversation) { c.ExpectBot("Hello!") }, `want ["Hello!"]`},
		{"ExpectBotContains", func(c *enginetest.Conversation) { c.ExpectBotContains("phone") }, `"phone"`},
		{"ExpectQuickReplies", func(c *enginetest.Conversation) { c.ExpectQuickReplies("yes") }, `"yes"`},
		{"ExpectFreeText", func(c *enginetest.Conversation) { c.ExpectFreeText(false) }, "free text"},
		{"ExpectStatus", func(c *enginetest.Conversation) { c.ExpectStatus(engine.StatusFinished) }, `"finished"`},
		{"ExpectAwaiting", func(c *enginetest.Conversation) { c.ExpectAwaiting("ask_name") }, `"ask_name"`},
		{"ExpectEvent", func(c *enginetest.Conversation) { c.ExpectEvent(engine.EventHandedOff) }, "handed_off"},
		{"ExpectNoEvent", func(c *enginetest.Conversation) { c.ExpectNoEvent(engine.EventPropertySet) }, "property_set"},
		{"ExpectOutcome", func(c *enginetest.Conversation) { c.ExpectOutcome(engine.OutcomeDuplicate) }, `"duplicate"`},
		{"ExpectProperty", func(c *enginetest.Conversation) { c.ExpectProperty("firstname", "Bob") }, `"Ada"`},
		{"ExpectNoProperty", func(c *enginetest.Conversation) { c.ExpectNoProperty("firstname") }, "firstname"},
		{"ExpectError", func(c *enginetest.Conversation) { c.ExpectError(engine.ErrInvalidInput) }, "<nil>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := newFakeTB(t)
			h := enginetest.New(ft, []byte(profileFlow))
			c := h.Start("conv-7").Says("hello").Says("Ada") // awaiting ask_email
			ft.run(func() {
				tc.expect(c)
				c.Says("ada@example.com") // a later step still runs
			})
			ft.wantOne(t, "conv-7", tc.want)
			if c.Err() != nil || c.Reply().Awaiting != "ask_city" {
				t.Errorf("the step after the failed expectation did not run: %v, %+v", c.Err(), c.Reply())
			}
			if ft.fatal {
				t.Error("the failed expectation stopped the test")
			}
		})
	}
}

// TestExpectationsPass checks that met expectations report nothing.
func TestExpectationsPass(t *testing.T) {
	ft := newFakeTB(t)
	h := enginetest.New(ft, []byte(profileFlow))
	ft.run(func() {
		h.Start("c1").ExpectBot("Hi! Say anything to start.").ExpectStatus(engine.StatusWelcome).
			Says("hello").ExpectBot("What's your name?").ExpectBotContains("name").
			ExpectQuickReplies().ExpectFreeText(true).ExpectAwaiting("ask_name").
			ExpectEvent(engine.EventActionReached, "ask_name").ExpectNoEvent(engine.EventHandedOff).
			ExpectOutcome(engine.OutcomeProcessed).ExpectNoProperty("firstname").
			Says("Ada").ExpectProperty("firstname", "Ada").
			Send(engine.Input{}).ExpectError(engine.ErrInvalidInput)
	})
	if len(ft.errs) != 0 {
		t.Errorf("met expectations reported failures: %q", ft.errs)
	}
}

// TestFailedStepFailsExpectations checks that an expectation after a step
// that returned an error reports the error, not a misleading mismatch.
func TestFailedStepFailsExpectations(t *testing.T) {
	ft := newFakeTB(t)
	h := enginetest.New(ft, []byte(profileFlow))
	c := h.Start("c1")
	ft.run(func() {
		c.Send(engine.Input{ConversationID: "nobody", Text: "hi"}).ExpectBot("What's your name?")
	})
	ft.wantOne(t, "c1", "last step failed", "nobody")
	if !errors.Is(c.Err(), engine.ErrUnknownConversation) {
		t.Errorf("Err() = %v, want ErrUnknownConversation", c.Err())
	}
}

// TestExpectOutcome checks the outcomes a host routes on.
func TestExpectOutcome(t *testing.T) {
	h := enginetest.New(t, []byte(byeFlow))
	c := h.Start("c1").
		Says("hello").ExpectBot("bye").ExpectStatus(engine.StatusFinished).ExpectOutcome(engine.OutcomeProcessed).
		Says("anyone there?").ExpectOutcome(engine.OutcomeConversationOver).ExpectBot().
		ExpectStatus(engine.StatusFinished)
	if c.Err() != nil {
		t.Errorf("a message after the end is an error: %v", c.Err())
	}
	// A redelivery of the latest message gets the reply it got the first time.
	c.Send(engine.Input{MessageID: "c1-m1", Text: "hello"}).ExpectOutcome(engine.OutcomeDuplicate).ExpectBot("bye")
}

// TestConversationMessageIDs checks that Send numbers messages per
// conversation, so a redelivery is only what the test says it is.
func TestConversationMessageIDs(t *testing.T) {
	h := enginetest.New(t, []byte(profileFlow))
	c := h.Start("c1").Says("hello").Says("Ada").ExpectAwaiting("ask_email")
	c.Send(engine.Input{MessageID: "c1-m2", Text: "Bob"}).ExpectOutcome(engine.OutcomeDuplicate).
		ExpectProperty("firstname", "Ada")
}

// TestExampleTest runs the body of the package example, so that it is known
// to pass.
func TestExampleTest(t *testing.T) { testGreetingBot(t) }
