// Package enginetest is a test harness for projects that embed chatflow:
// a fake clock, memory stores, a fluent conversation script and golden
// transcript files.
//
//	h := enginetest.New(t, flowJSON)
//	h.Start("c1").
//		ExpectBot("Hi there!").
//		Says("Ada").ExpectBot("What's your email?").
//		Says("ada@example.com").ExpectProperty("email", "ada@example.com").
//		ExpectStatus(engine.StatusFinished).
//		MatchGolden("testdata/ada.golden")
//
// Run the tests with -update to rewrite golden files.
package enginetest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/store/memory"
)

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files instead of comparing with them")
	}
}

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// Epoch is the time a harness clock starts at.
var Epoch = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)

// Clock is a fake clock for tests. It only moves when told. It is safe for
// concurrent use; the zero value reads as the zero time.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Harness runs one flow on an engine with memory stores and a fake clock.
type Harness struct {
	tb testing.TB
	// Engine is the engine under test.
	Engine *engine.Engine
	// Flow is the loaded flow.
	Flow *engine.Flow
	// Clock drives the engine's time.
	Clock *Clock
	// Contacts holds contacts and companies.
	Contacts *memory.Contacts
	// Sessions holds the sessions.
	Sessions *memory.Sessions
	// Consent holds the consent records.
	Consent *memory.ConsentRecords
}

// Option adjusts the engine configuration before the harness builds it.
// The configuration starts with the harness's memory stores and clock
// (Config.Clock is the harness clock); an option that swaps in other
// *memory stores makes the harness read those.
type Option func(*engine.Config)

// WithRegistry makes the engine load flows with a registry that includes
// host-defined action types.
func WithRegistry(r *action.Registry) Option {
	return func(c *engine.Config) { c.Registry = r }
}

// WithPorts gives the engine the host's ports.
func WithPorts(p *action.Ports) Option { return func(c *engine.Config) { c.Ports = p } }

// WithSchema sets the property schema.
func WithSchema(s action.Schema) Option { return func(c *engine.Config) { c.Schema = s } }

// New loads and publishes flowJSON on a fresh engine. It fails the test if
// the flow does not load.
func New(tb testing.TB, flowJSON []byte, opts ...Option) *Harness {
	tb.Helper()
	h := &Harness{tb: tb, Clock: NewClock(Epoch), Contacts: memory.NewContacts(), Sessions: memory.NewSessions(), Consent: memory.NewConsentRecords()}
	cfg := engine.Config{Contacts: h.Contacts, Companies: h.Contacts, Sessions: h.Sessions, ConsentRecords: h.Consent, Clock: h.Clock.Now}
	for _, o := range opts {
		o(&cfg)
	}
	// An option may swap in its own memory stores; the harness reads those.
	if c, ok := cfg.Contacts.(*memory.Contacts); ok {
		h.Contacts = c
	}
	if s, ok := cfg.Sessions.(*memory.Sessions); ok {
		h.Sessions = s
	}
	if r, ok := cfg.ConsentRecords.(*memory.ConsentRecords); ok {
		h.Consent = r
	}
	e, err := engine.New(cfg)
	if err != nil {
		tb.Fatalf("enginetest: %v", err)
	}
	f, err := e.Load(flowJSON)
	if err != nil {
		tb.Fatalf("enginetest: loading flow: %v", err)
	}
	if err := e.Publish(f); err != nil {
		tb.Fatalf("enginetest: publishing flow: %v", err)
	}
	h.Engine, h.Flow = e, f
	return h
}

// Conversation is a scripted conversation. Each step fails the test (with
// t.Errorf, so later steps still run) when an expectation is not met.
type Conversation struct {
	h     *Harness
	id    string
	seq   int
	last  *engine.Reply
	err   error
	lines []string
}

// Start starts a conversation with the given ID on the harness's flow.
func (h *Harness) Start(id string) *Conversation {
	return h.StartWith(engine.StartRequest{ConversationID: id})
}

// StartWith starts a conversation with a custom request; FlowID defaults to
// the harness's flow.
func (h *Harness) StartWith(req engine.StartRequest) *Conversation {
	h.tb.Helper()
	if req.FlowID == "" {
		req.FlowID = h.Flow.ID()
	}
	c := &Conversation{h: h, id: req.ConversationID}
	c.lines = append(c.lines, "-- start")
	c.record(h.Engine.Start(context.Background(), req))
	return c
}

// Says sends typed text.
func (c *Conversation) Says(text string) *Conversation {
	c.h.tb.Helper()
	c.lines = append(c.lines, "visitor: "+text)
	return c.Send(engine.Input{Text: text})
}

// Clicks sends the value of a quick reply.
func (c *Conversation) Clicks(value string) *Conversation {
	c.h.tb.Helper()
	c.lines = append(c.lines, "visitor clicks: "+value)
	return c.Send(engine.Input{QuickReply: value})
}

// Send sends an input; the conversation ID and a message ID are filled in
// when empty.
func (c *Conversation) Send(in engine.Input) *Conversation {
	c.h.tb.Helper()
	if in.ConversationID == "" {
		in.ConversationID = c.id
	}
	if in.MessageID == "" {
		c.seq++
		in.MessageID = fmt.Sprintf("%s-m%d", c.id, c.seq)
	}
	c.record(c.h.Engine.Handle(context.Background(), in))
	return c
}

func (c *Conversation) record(r *engine.Reply, err error) {
	c.last, c.err = r, err
	if err != nil {
		c.lines = append(c.lines, "error: "+err.Error())
	}
	if r == nil {
		return
	}
	for _, m := range r.Messages {
		line := "bot: " + m.Text
		switch {
		case m.Type != action.TextBubble:
			line = fmt.Sprintf("bot [%s %s %s]: %s", m.Type, m.URL, m.Name, m.Text)
		case m.URL != "":
			line += " <" + m.URL + ">"
		}
		c.lines = append(c.lines, line)
	}
	if len(r.QuickReplies) > 0 {
		var qs []string
		for _, q := range r.QuickReplies {
			qs = append(qs, q.Text())
		}
		c.lines = append(c.lines, "  ["+strings.Join(qs, " | ")+"]")
	}
	st := "-- " + string(r.Status)
	if r.Awaiting != "" {
		st += ", awaiting " + r.Awaiting
		if !r.FreeText {
			st += " (quick replies only)"
		}
	}
	if r.Duplicate {
		st += ", duplicate"
	}
	c.lines = append(c.lines, st)
}

// Advance moves the harness clock forward.
func (c *Conversation) Advance(d time.Duration) *Conversation {
	c.h.Clock.Advance(d)
	c.lines = append(c.lines, "-- "+d.String()+" later")
	return c
}

// Reply returns the last reply (nil if the last step failed).
func (c *Conversation) Reply() *engine.Reply { return c.last }

// Err returns the last step's error.
func (c *Conversation) Err() error { return c.err }

func (c *Conversation) ok() bool {
	c.h.tb.Helper()
	if c.err != nil {
		c.h.tb.Errorf("enginetest: %s: last step failed: %v", c.id, c.err)
		return false
	}
	if c.last == nil {
		c.h.tb.Errorf("enginetest: %s: no reply", c.id)
		return false
	}
	return true
}

// ExpectBot checks the texts of the last reply's messages, exactly.
func (c *Conversation) ExpectBot(texts ...string) *Conversation {
	c.h.tb.Helper()
	if c.ok() {
		if got := c.last.Texts(); !slices.Equal(got, texts) {
			c.h.tb.Errorf("enginetest: %s: bot said %q, want %q", c.id, got, texts)
		}
	}
	return c
}

// ExpectBotContains checks that some message of the last reply contains s.
func (c *Conversation) ExpectBotContains(s string) *Conversation {
	c.h.tb.Helper()
	if c.ok() && !slices.ContainsFunc(c.last.Texts(), func(t string) bool { return strings.Contains(t, s) }) {
		c.h.tb.Errorf("enginetest: %s: no bot message contains %q; got %q", c.id, s, c.last.Texts())
	}
	return c
}

// ExpectQuickReplies checks the values of the offered quick replies.
func (c *Conversation) ExpectQuickReplies(values ...string) *Conversation {
	c.h.tb.Helper()
	if c.ok() {
		var got []string
		for _, q := range c.last.QuickReplies {
			got = append(got, q.Value)
		}
		if !slices.Equal(got, values) {
			c.h.tb.Errorf("enginetest: %s: quick replies %q, want %q", c.id, got, values)
		}
	}
	return c
}

// ExpectFreeText checks whether free text is accepted.
func (c *Conversation) ExpectFreeText(want bool) *Conversation {
	c.h.tb.Helper()
	if c.ok() && c.last.FreeText != want {
		c.h.tb.Errorf("enginetest: %s: free text %v, want %v", c.id, c.last.FreeText, want)
	}
	return c
}

// ExpectStatus checks the session status after the last step.
func (c *Conversation) ExpectStatus(want engine.Status) *Conversation {
	c.h.tb.Helper()
	if c.last == nil {
		c.h.tb.Errorf("enginetest: %s: no reply to check the status of (error: %v)", c.id, c.err)
	} else if c.last.Status != want {
		c.h.tb.Errorf("enginetest: %s: status %q, want %q", c.id, c.last.Status, want)
	}
	return c
}

// ExpectAwaiting checks which action waits for the visitor.
func (c *Conversation) ExpectAwaiting(name string) *Conversation {
	c.h.tb.Helper()
	if c.ok() && c.last.Awaiting != name {
		c.h.tb.Errorf("enginetest: %s: awaiting %q, want %q", c.id, c.last.Awaiting, name)
	}
	return c
}

// ExpectEvent checks that the last reply has an event of the type (and, if
// given, for the named action).
func (c *Conversation) ExpectEvent(typ action.EventType, actionName ...string) *Conversation {
	c.h.tb.Helper()
	if !c.ok() {
		return c
	}
	for _, e := range c.last.Events {
		if e.Type == typ && (len(actionName) == 0 || e.Action == actionName[0]) {
			return c
		}
	}
	c.h.tb.Errorf("enginetest: %s: no %s event %v in %v", c.id, typ, actionName, eventTypes(c.last.Events))
	return c
}

// ExpectNoEvent checks that the last reply has no event of the type.
func (c *Conversation) ExpectNoEvent(typ action.EventType) *Conversation {
	c.h.tb.Helper()
	if c.ok() {
		for _, e := range c.last.Events {
			if e.Type == typ {
				c.h.tb.Errorf("enginetest: %s: unexpected %s event: %+v", c.id, typ, e)
			}
		}
	}
	return c
}

func eventTypes(evs []action.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e.Type)
		if e.Action != "" {
			out[i] += "(" + e.Action + ")"
		}
	}
	return out
}

// ExpectError checks that the last step failed with an error matching target.
func (c *Conversation) ExpectError(target error) *Conversation {
	c.h.tb.Helper()
	if !errors.Is(c.err, target) {
		c.h.tb.Errorf("enginetest: %s: error %v, want %v", c.id, c.err, target)
	}
	return c
}

// Property returns a contact property of the conversation's visitor: from
// the contact record once there is one, else from the values the session
// keeps until the visitor is known.
func (c *Conversation) Property(name string) (string, bool) {
	c.h.tb.Helper()
	ctx := context.Background()
	s, err := c.h.Engine.Session(ctx, c.id)
	if err != nil {
		c.h.tb.Fatalf("enginetest: %s: %v", c.id, err)
	}
	if s.ContactID == "" {
		v, ok := s.Pending[name]
		return v, ok
	}
	ct, err := c.h.Contacts.Contact(ctx, s.ContactID)
	if err != nil {
		c.h.tb.Fatalf("enginetest: %s: contact %s: %v", c.id, s.ContactID, err)
	}
	v, ok := ct.Properties[name]
	return v, ok
}

// ExpectProperty checks a contact property of the visitor.
func (c *Conversation) ExpectProperty(name, want string) *Conversation {
	c.h.tb.Helper()
	if got, ok := c.Property(name); !ok || got != want {
		c.h.tb.Errorf("enginetest: %s: contact property %s = %q (set: %v), want %q", c.id, name, got, ok, want)
	}
	return c
}

// ExpectNoProperty checks that a contact property is not set.
func (c *Conversation) ExpectNoProperty(name string) *Conversation {
	c.h.tb.Helper()
	if got, ok := c.Property(name); ok {
		c.h.tb.Errorf("enginetest: %s: contact property %s = %q, want it unset", c.id, name, got)
	}
	return c
}

// Transcript returns the conversation so far as text, one line per step.
func (c *Conversation) Transcript() string { return strings.Join(c.lines, "\n") + "\n" }

// MatchGolden compares the transcript with a golden file (rewriting it when
// the tests run with -update).
func (c *Conversation) MatchGolden(path string) *Conversation {
	c.h.tb.Helper()
	Golden(c.h.tb, path, []byte(c.Transcript()))
	return c
}

// Golden compares got with the golden file at path, or rewrites the file
// when the tests run with -update.
func Golden(tb testing.TB, path string, got []byte) {
	tb.Helper()
	if updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatalf("enginetest: %v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatalf("enginetest: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("enginetest: reading golden file (run with -update to create it): %v", err)
	}
	if string(want) != string(got) {
		tb.Errorf("enginetest: %s differs (run with -update to accept):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}
