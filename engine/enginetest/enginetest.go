// Package enginetest is a test harness for projects that embed chatflow:
// a fake clock, memory stores (or the host's own), a fluent conversation
// script and golden transcript files.
//
//	h := enginetest.New(t, flowJSON)
//	h.Start("c1").
//		ExpectBot("Hi there!").
//		Says("Ada").ExpectBot("What's your email?").
//		Says("ada@example.com").ExpectProperty("email", "ada@example.com").
//		ExpectStatus(engine.StatusFinished).
//		MatchGolden("testdata/ada.golden")
//
// The package registers no flags. Golden files are rewritten instead of
// compared when Harness.Update is set, which New does when the environment
// variable CHATFLOW_UPDATE_GOLDEN is set (to anything but "" or "0"); a host
// with its own -update flag sets h.Update itself.
package enginetest

import (
	"errors"
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
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
)

// UpdateEnv is the environment variable that makes New set Harness.Update.
const UpdateEnv = "CHATFLOW_UPDATE_GOLDEN"

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

// Set sets the clock to t, forward or back: a test runs the same script at
// several times of day (within office hours, in the evening, on a holiday).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Harness runs one flow on an engine with a fake clock. Its methods must be
// called from the test's goroutine.
type Harness struct {
	tb testing.TB
	// Engine is the engine under test.
	Engine *engine.Engine
	// Flow is the loaded flow.
	Flow *engine.Flow
	// Clock drives the engine's time.
	Clock *Clock
	// Stores are the stores the engine uses: the host's, with memory
	// stores in the fields it left nil.
	Stores store.Stores
	// Update makes MatchGolden rewrite golden files instead of comparing
	// with them.
	Update bool
	// OnReply, when set, is given every reply a conversation step gets,
	// such as an analytics.Aggregator's AddReply.
	OnReply func(*engine.Reply)
}

// New loads and publishes flowJSON on a fresh engine with memory stores.
// It fails the test if the flow does not load.
func New(tb testing.TB, flowJSON []byte) *Harness {
	tb.Helper()
	return NewWith(tb, engine.Config{}, flowJSON)
}

// NewWith is New with the host's configuration: its stores, ports, action
// types and schema. Every store cfg leaves nil is a fresh memory store, and
// the engine's clock is the harness's fake clock whatever cfg.Clock says.
func NewWith(tb testing.TB, cfg engine.Config, flowJSON []byte) *Harness {
	tb.Helper()
	h := &Harness{tb: tb, Clock: NewClock(Epoch), Update: updateFromEnv()}
	cfg.Stores = cfg.Stores.Or(memory.New())
	cfg.Clock = h.Clock.Now
	h.Stores = cfg.Stores
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

func updateFromEnv() bool {
	v := os.Getenv(UpdateEnv)
	return v != "" && v != "0"
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
	c.record(h.Engine.Start(h.tb.Context(), req))
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
	c.record(c.h.Engine.Handle(c.h.tb.Context(), in))
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
	if c.h.OnReply != nil {
		c.h.OnReply(r)
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
	if r.Outcome != engine.OutcomeProcessed {
		st += ", " + string(r.Outcome)
	}
	c.lines = append(c.lines, st)
}

// Advance moves the harness clock forward.
func (c *Conversation) Advance(d time.Duration) *Conversation {
	c.h.Clock.Advance(d)
	c.lines = append(c.lines, "-- "+d.String()+" later")
	return c
}

// At sets the harness clock to t, noting the time and weekday in the
// transcript.
func (c *Conversation) At(t time.Time) *Conversation {
	c.h.Clock.Set(t)
	c.lines = append(c.lines, "-- at "+t.Format("Monday 2006-01-02 15:04 MST"))
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

// Property returns a contact property of the conversation's visitor, read
// through the engine's stores (Engine.VisitorProperties): from the contact
// record once there is one, else from the values the session keeps until
// the visitor is known.
func (c *Conversation) Property(name string) (string, bool) {
	c.h.tb.Helper()
	props, err := c.h.Engine.VisitorProperties(c.h.tb.Context(), c.id)
	if err != nil {
		c.h.tb.Fatalf("enginetest: %s: %v", c.id, err)
	}
	v, ok := props[name]
	return v, ok
}

// ExpectOutcome checks what became of the last input.
func (c *Conversation) ExpectOutcome(want engine.Outcome) *Conversation {
	c.h.tb.Helper()
	if c.ok() && c.last.Outcome != want {
		c.h.tb.Errorf("enginetest: %s: outcome %q, want %q", c.id, c.last.Outcome, want)
	}
	return c
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
// Harness.Update is set).
func (c *Conversation) MatchGolden(path string) *Conversation {
	c.h.tb.Helper()
	Golden(c.h.tb, path, []byte(c.Transcript()), c.h.Update)
	return c
}

// Golden compares got with the golden file at path, or rewrites the file
// when update is true.
func Golden(tb testing.TB, path string, got []byte, update bool) {
	tb.Helper()
	if update {
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
		tb.Fatalf("enginetest: reading golden file (set %s=1 to create it): %v", UpdateEnv, err)
	}
	if string(want) != string(got) {
		tb.Errorf("enginetest: %s differs (set %s=1 to accept):\n--- want\n%s\n--- got\n%s", path, UpdateEnv, want, got)
	}
}
