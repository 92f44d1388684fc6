// Package engine runs chatflows: it loads and validates flow definitions
// (Load), keeps the published versions (Engine.Publish), and runs the turns
// of conversations (Engine.Start, Engine.Handle) against the host's stores.
//
// A turn takes the conversation's lock, loads its session, runs actions
// until one waits for the visitor, writes property changes, saves the
// session and returns a Reply with the bot's messages, quick replies, events
// and the session status. If any store fails, the turn returns the error and
// the session stays as it was, so the host can retry the same message; a
// message whose ID the session has already processed is answered with a
// Reply whose Outcome is OutcomeDuplicate and changes nothing.
//
// Errors are for failures: a store, the context, bad input or
// configuration. Outcomes that are part of a conversation — a message for a
// conversation whose bot part is over, a message that waits for consent —
// are Reply values (Reply.Outcome), never errors.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/action/catalog"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/internal/keylock"
	"github.com/chatflow/chatflow/store"
)

// Config configures an Engine. Stores.Contacts, Stores.Sessions and
// Stores.Consent are required (the default consent policy of a flow records
// consent decisions); every other field may be left zero. For demos and
// tests, memory.New() from package store/memory fills every store:
//
//	eng, err := engine.New(engine.Config{Stores: memory.New()})
type Config struct {
	// Stores holds the host's stores: contacts, companies, sessions, the
	// turn lock, consent records, and the stores of the built-in actions
	// (subscriptions, lists, workflows, tickets, knowledge base, meeting
	// links). A nil Locker means an in-process lock, right only when one
	// process handles a conversation; a nil action store makes flows that
	// use it fail to load, naming the store.
	Stores store.Stores
	// Ports are the built-in actions' services that are not stores: the
	// directory of users and teams, the AI agent, code snippets, the
	// webhook policy.
	Ports builtin.Ports
	// Actions are the host's own action types, registered next to the
	// built-in ones. A name may be registered once.
	Actions []action.Type
	// Schema types contact and company properties, for answer validation,
	// conditions and targeting alike; nil means condition.DefaultSchema().
	Schema condition.Schema
	// Clock returns the current time, used when an input carries none;
	// nil means time.Now.
	Clock func() time.Time
	// PhoneRegion is the default region for phone numbers when a flow sets
	// none; default "US".
	PhoneRegion string
	// Available reports whether a team member or agent is available for a
	// conversation of the flow at the turn's time; conditions see it as
	// `available`. nil means the AI agent's availability when Ports.Agents
	// is set, else false.
	Available func(ctx context.Context, flowID string, now time.Time) (bool, error)
	// Env compiles conditions and templates, with the host's functions;
	// nil means an environment built from a zero condition.EnvConfig.
	Env *condition.Env
	// Texts override and add to the built-in texts (package
	// action/catalog) by language; a flow's own "texts" override these.
	// The engine keeps a copy.
	Texts catalog.Catalog
	// Channels are the host's channel rules, by channel name: they add to
	// DefaultChannelRules and replace the default of a channel they name
	// (a zero ChannelRule lifts its limits). A flow may serve a channel
	// named here as well as the standard ones.
	Channels map[string]ChannelRule
	// OmitEvents leaves Reply.Events empty, for a host that neither shows
	// nor aggregates them (package engine/analytics reads them): copying
	// a turn's events out is a good part of a turn's cost. Events that
	// other calls return (Engine.Sweep, Engine.Feedback) are not affected.
	OmitEvents bool
}

// Engine runs conversations. It is safe for concurrent use by many
// conversations; turns of one conversation are serialized through the
// Locker. Build it with New; the zero value is not usable.
type Engine struct {
	contacts    store.Contacts
	propReader  store.ContactPropertyReader // the contacts store's, if it has one
	committer   store.Committer             // the session store's, if it covers the stores
	heldLocker  keylock.HeldLocker          // the locker's allocation-free form, if it has one
	omitEvents  bool                        // Config.OmitEvents
	companies   store.Companies
	sessions    store.Sessions
	consent     consent.Records
	locker      store.Locker
	stores      store.Stores
	ports       builtin.Ports
	types       map[string]action.Type
	schema      condition.Schema
	env         *condition.Env
	clock       func() time.Time
	phoneRegion string
	availableFn func(ctx context.Context, flowID string, now time.Time) (bool, error)
	texts       catalog.Catalog
	channels    map[string]ChannelRule

	pubMu sync.Mutex // serializes Publish; readers use flows without locking
	flows atomic.Pointer[flowSet]
	life  lifecycle // idle sessions and switched-off chatflows (sweep.go, disable.go)
}

type flowKey struct {
	id      string
	version int
}

type flowSet struct {
	versions map[flowKey]*Flow
	latest   map[string]*Flow
}

// New returns an engine for the given configuration. It fails with an
// error matching ErrInvalidConfig when a required store is missing or an
// action type is registered twice.
func New(cfg Config) (*Engine, error) {
	st := cfg.Stores
	var missing []string
	if st.Contacts == nil {
		missing = append(missing, "Stores.Contacts")
	}
	if st.Sessions == nil {
		missing = append(missing, "Stores.Sessions")
	}
	if st.Consent == nil {
		missing = append(missing, "Stores.Consent")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: %s not set", ErrInvalidConfig, strings.Join(missing, ", "))
	}
	e := &Engine{
		contacts: st.Contacts, companies: st.Companies, sessions: st.Sessions, consent: st.Consent,
		locker: st.Locker, stores: st, ports: cfg.Ports, schema: cfg.Schema, env: cfg.Env, clock: cfg.Clock,
		phoneRegion: cfg.PhoneRegion, availableFn: cfg.Available, texts: copyTexts(cfg.Texts),
		channels: channelRules(cfg.Channels), omitEvents: cfg.OmitEvents,
	}
	if e.locker == nil {
		e.locker = new(keylock.Locker)
	}
	e.heldLocker, _ = e.locker.(keylock.HeldLocker)
	e.propReader, _ = st.Contacts.(store.ContactPropertyReader)
	if c, ok := st.Sessions.(store.Committer); ok && c.Covers(st) {
		e.committer = c
	}
	if e.schema == nil {
		e.schema = condition.DefaultSchema()
	}
	if e.env == nil {
		env, err := defaultEnv()
		if err != nil {
			return nil, err
		}
		e.env = env
	}
	if e.clock == nil {
		e.clock = time.Now
	}
	if e.phoneRegion == "" {
		e.phoneRegion = "US"
	}
	types := append(builtin.Types(st, cfg.Ports), cfg.Actions...)
	e.types = make(map[string]action.Type, len(types))
	for _, t := range types {
		switch {
		case t.Name == "":
			return nil, fmt.Errorf("%w: an action type has no name", ErrInvalidConfig)
		case t.New == nil:
			return nil, fmt.Errorf("%w: action type %q has no constructor", ErrInvalidConfig, t.Name)
		}
		if _, dup := e.types[t.Name]; dup {
			return nil, fmt.Errorf("%w: action type %q is registered twice", ErrInvalidConfig, t.Name)
		}
		e.types[t.Name] = t
	}
	e.flows.Store(&flowSet{versions: map[flowKey]*Flow{}, latest: map[string]*Flow{}})
	e.life.init(st)
	return e, nil
}

// defaultEnv is the condition environment of engines configured without
// one; it is immutable and shared.
var defaultEnv = sync.OnceValues(func() (*condition.Env, error) { return condition.NewEnv(condition.EnvConfig{}) })

// ActionTypes returns the names of the action types the engine loads
// (the built-in ones and the host's), sorted.
func (e *Engine) ActionTypes() []string {
	names := make([]string, 0, len(e.types))
	for n := range e.types {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Load decodes, validates and compiles a flow for this engine. Every
// problem is reported: the error matches ErrInvalidFlow and joins
// *condition.Error values (list them with condition.Problems), each naming
// its JSON path and action. Problems that do not stop the flow from
// working, such as disconnected actions, are returned by Flow.Warnings
// instead. Load does not publish.
func (e *Engine) Load(data []byte) (*Flow, error) {
	var def Definition
	if err := decodeStrict(data, &def, ""); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidFlow, err)
	}
	return e.compile(def)
}

// LoadDefinition validates and compiles a definition built in Go, like Load.
func (e *Engine) LoadDefinition(def Definition) (*Flow, error) {
	data, err := json.Marshal(def)
	if err != nil {
		return nil, fmt.Errorf("%w: encoding the definition: %w", ErrInvalidFlow, err)
	}
	return e.Load(data)
}

// Publish makes a flow version available. New conversations of the flow's
// ID start on the highest published version; running sessions stay on the
// version they started with. Publishing an identical flow again is a no-op;
// a different flow under a published ID and version is an error, and so is
// a flow loaded by another engine (its actions are bound to that engine's
// stores).
func (e *Engine) Publish(f *Flow) error {
	if f.engine != e {
		return fmt.Errorf("%w: flow %q was loaded by another engine", ErrInvalidFlow, f.def.ID)
	}
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	cur := e.flows.Load()
	key := flowKey{f.def.ID, f.def.Version}
	if old, ok := cur.versions[key]; ok {
		a, _ := json.Marshal(old)
		b, _ := json.Marshal(f)
		if string(a) != string(b) {
			return fmt.Errorf("%w: flow %q version %d is already published with other content", ErrInvalidFlow, key.id, key.version)
		}
		return nil
	}
	next := &flowSet{versions: make(map[flowKey]*Flow, len(cur.versions)+1), latest: make(map[string]*Flow, len(cur.latest)+1)}
	for k, v := range cur.versions {
		next.versions[k] = v
	}
	for k, v := range cur.latest {
		next.latest[k] = v
	}
	next.versions[key] = f
	if l, ok := next.latest[key.id]; !ok || l.def.Version < key.version {
		next.latest[key.id] = f
	}
	e.flows.Store(next)
	return nil
}

// Flow returns a published flow version; version 0 means the latest.
func (e *Engine) Flow(id string, version int) (*Flow, error) {
	set := e.flows.Load()
	var f *Flow
	if version == 0 {
		f = set.latest[id]
	} else {
		f = set.versions[flowKey{id, version}]
	}
	if f == nil {
		if version == 0 {
			return nil, fmt.Errorf("%w: %q is not published", ErrUnknownFlow, id)
		}
		return nil, fmt.Errorf("%w: %q version %d is not published", ErrUnknownFlow, id, version)
	}
	return f, nil
}

// StartRequest starts a conversation.
type StartRequest struct {
	// ConversationID identifies the conversation; the host chooses it.
	ConversationID string
	// FlowID is the chatflow to run (its latest published version).
	FlowID string
	// ContactID links a visitor the host has identified to their contact.
	ContactID string
	// Channel is the conversation's channel, e.g. "chat" or "whatsapp".
	Channel string
	// Page and Visitor are facts conditions see as page.* and visitor.*.
	Page    map[string]string
	Visitor map[string]string
	// Time is when the conversation starts; zero means the engine's clock.
	Time time.Time
}

// Input is a visitor's message to a running conversation.
type Input struct {
	// ConversationID identifies the conversation.
	ConversationID string
	// MessageID is the host's ID of the message. A message whose ID the
	// conversation processed already (among its last RecentMessages) changes
	// nothing and gets a Reply with OutcomeDuplicate. Empty disables the check.
	MessageID string
	// Text is what the visitor typed.
	Text string
	// QuickReply is the value of the quick reply the visitor clicked.
	QuickReply string
	// Signal is a host event for the waiting action instead of a visitor
	// message, e.g. action.SignalMeetingBooked when the visitor booked.
	Signal string
	// Time is when the visitor sent it; zero means the engine's clock.
	Time time.Time
}

func (e *Engine) now(t time.Time) time.Time {
	if t.IsZero() {
		return e.clock()
	}
	return t
}

// Start starts a conversation: it creates the session and returns the
// welcome message. No action runs until the visitor's first input.
func (e *Engine) Start(ctx context.Context, req StartRequest) (*Reply, error) {
	return e.start(ctx, req, nil)
}

// StartInto is Start that writes the welcome reply into dst, reusing its
// room as HandleInto does. On error, dst is left as it was.
func (e *Engine) StartInto(ctx context.Context, req StartRequest, dst *Reply) error {
	if dst == nil {
		return fmt.Errorf("%w: StartInto needs a Reply to write to", ErrInvalidInput)
	}
	r, err := e.start(ctx, req, dst)
	return leaveIn(dst, r, err)
}

// leaveIn leaves in dst the reply r of a call given dst: r is dst when a
// turn wrote into it, or a reply that did not come from a turn (a
// duplicate, a closed conversation), which is not worth reusing room for.
func leaveIn(dst, r *Reply, err error) error {
	if err != nil {
		return err
	}
	if r != dst {
		*dst = *r
	}
	return nil
}

// start is Start, with the reply copied into dst when it is not nil.
func (e *Engine) start(ctx context.Context, req StartRequest, dst *Reply) (*Reply, error) {
	if err := checkStart(req); err != nil {
		return nil, err
	}
	f, err := e.Flow(req.FlowID, 0)
	if err != nil {
		return nil, err
	}
	if e.disabledFlow(f.def.ID) {
		return startDisabled(req.ConversationID), nil
	}
	if err := checkChannel(f, req.Channel); err != nil {
		return nil, err
	}
	now := e.now(req.Time)
	lock, err := e.lockConversation(ctx, req.ConversationID)
	if err != nil {
		return nil, err
	}
	defer lock.release()
	// No Load first to see whether the conversation exists: the session is
	// saved as new (expected version 0), which fails with a conflict if it
	// does, before anything else is written; the welcome runs no action.
	// The session lives as long as the call: it comes from the pool.
	held := heldSessions.Get().(*heldSession)
	defer held.release()
	s := &held.s
	*s = Session{
		Format: sessionFormat, ConversationID: req.ConversationID,
		ContactID: req.ContactID, Identified: req.ContactID != "",
		Channel: req.Channel, Page: req.Page, Visitor: req.Visitor,
		held: held,
	}
	t := newTurn(ctx, e, f, s, now, "")
	t.into = dst
	t.notMessage = true
	t.guard(func() {
		t.begin(f)
		t.reply.Consent = f.consentPrompt(s.Identified)
	})
	reply, err := e.commitWithin(ctx, t, 0, now)
	if errors.Is(err, store.ErrConflict) {
		return nil, fmt.Errorf("%w: %s", ErrConversationExists, req.ConversationID)
	}
	return reply, err
}

// guard runs fn, turning a panic in host code it reaches (a custom action
// is already guarded; the availability function, a host CEL function) into
// the turn's failure, so that nothing is saved and the caller gets an
// error rather than a panic.
func (t *turn) guard(fn func()) {
	defer func() {
		if p := recover(); p != nil {
			t.fail(fmt.Errorf("engine: conversation %s: host code panicked: %v", t.sess.ConversationID, p))
		}
	}()
	fn()
}

// begin (re)starts the session on flow f and says the welcome message.
func (t *turn) begin(f *Flow) {
	s := t.sess
	t.flow = f
	s.FlowID, s.FlowVersion = f.def.ID, f.def.Version
	s.Status = StatusWelcome
	s.Position, s.ActionState, s.Answers, s.CustomState = "", nil, nil, nil
	s.StartedAt, s.LastInteractionAt = t.now, t.now
	t.emitFor(EventConversationStarted, nil, "")
	t.Say(f.def.Welcome.Message)
	t.Prompt(f.def.Welcome.QuickReplies, true)
}

// Handle processes a visitor's input and returns the bot's reply.
//
// Reply.Outcome says what became of the message: OutcomeProcessed;
// OutcomeDuplicate for a redelivered message (the latest message is
// answered with the reply it got the first time, an older one with no
// messages); OutcomeConversationOver when the bot part is over, so the host
// routes the message to its inbox; or OutcomeConsentRequired when the
// visitor must agree to the processing of their data first (Reply.Consent
// holds the text to show).
//
// An input without a MessageID is always a new message. With one, a retry
// after an error is safe: a failure before the session was saved changes
// nothing, and a failure after it is completed by the retry, which returns
// the turn's reply (see the comment in commit.go for the order of writes).
func (e *Engine) Handle(ctx context.Context, in Input) (*Reply, error) {
	return e.handle(ctx, in, nil)
}

// HandleInto is Handle that writes the reply into dst instead of a new
// Reply, reusing the room dst's Messages and Events slices have. A host
// that handles many turns keeps a Reply per worker and passes it to every
// call once it is done with the previous reply (sent it, say): a turn
// then allocates little beyond what the stores keep, which at hundreds
// of thousands of live conversations is most of a turn's garbage.
//
// Everything dst held is overwritten, the contents of its slices
// included: a host that keeps a reply beyond the next call copies it
// first. On error, dst is left as it was.
func (e *Engine) HandleInto(ctx context.Context, in Input, dst *Reply) error {
	if dst == nil {
		return fmt.Errorf("%w: HandleInto needs a Reply to write to", ErrInvalidInput)
	}
	r, err := e.handle(ctx, in, dst)
	return leaveIn(dst, r, err)
}

// handle is Handle, with the reply copied into dst when it is not nil.
func (e *Engine) handle(ctx context.Context, in Input, dst *Reply) (*Reply, error) {
	value, err := checkInput(in)
	if err != nil {
		return nil, err
	}
	now := e.now(in.Time)
	lock, err := e.lockConversation(ctx, in.ConversationID)
	if err != nil {
		return nil, err
	}
	defer lock.release()
	rec, held, err := e.loadHeld(ctx, in.ConversationID)
	if err != nil {
		return nil, err
	}
	defer held.release()
	s := &held.s
	pending, err := e.flush(ctx, s)
	if err != nil {
		return nil, err
	}
	if pending != nil && in.MessageID != "" && pending.Message == in.MessageID {
		// The retry of a turn whose effects did not all reach the stores:
		// they now have, and the visitor gets the turn's reply.
		if _, err := e.saveSession(ctx, s, rec.Version); err != nil {
			return nil, err
		}
		r := new(Reply)
		if err := decodeStoredReply(pending.Reply, s.ConversationID, r); err != nil {
			return nil, fmt.Errorf("engine: session %s: stored reply: %w", s.ConversationID, err)
		}
		return r, nil
	}
	if in.MessageID != "" && s.seen(in.MessageID) {
		return duplicateReply(s, in.MessageID), nil
	}
	if e.disabledFlow(s.FlowID) {
		return e.closeDisabled(ctx, s, rec.Version, now)
	}
	f, timedOut, err := e.sessionFlow(s, now)
	if err != nil {
		return nil, err
	}
	if n := utf8.RuneCountInString(value); n > f.def.Options.MaxAnswerLength {
		return nil, fmt.Errorf("%w: the message has %d characters, more than the limit of %d", ErrInvalidInput, n, f.def.Options.MaxAnswerLength)
	}
	if s.Status.Over() {
		return &Reply{ConversationID: s.ConversationID, Status: s.Status, Outcome: OutcomeConversationOver}, nil
	}
	if !processingAllowed(f, s) {
		r := &Reply{ConversationID: s.ConversationID, Status: s.Status, Outcome: OutcomeConsentRequired, Consent: f.consentPrompt(s.Identified)}
		if !e.omitEvents {
			r.Events = []Event{{Type: EventConsentRequired, Time: now}}
		}
		return r, nil
	}
	if in.Signal != "" && (timedOut || !acceptsSignal(f, s, in.Signal)) {
		return nil, fmt.Errorf("%w: no action of conversation %s waits for the signal %q", ErrInvalidInput, s.ConversationID, in.Signal)
	}
	last := lastVisitorMessage(s, in, now)
	if r := e.outsideWindow(s, last); r != nil {
		return r, nil
	}
	t := newTurn(ctx, e, f, s, now, in.MessageID)
	t.into = dst
	t.input = value
	t.guard(func() {
		if timedOut {
			t.abandonTimedOut()
			latest, err := e.Flow(s.FlowID, 0)
			if err != nil {
				t.fail(err)
				return
			}
			t.emitFor(EventSessionReset, nil, "session timeout")
			t.begin(latest)
		}
		s.remember(in.MessageID)
		s.LastInteractionAt = last // a signal is not the visitor writing
		if f.consent.ProcessingEnabled && f.consent.Basis == consent.LegitimateInterest && (s.Consent == nil || s.Consent.Processing == "") {
			// Chatting implies consent under legitimate interest; record it.
			if s.Consent == nil {
				s.Consent = &ConsentState{}
			}
			s.Consent.Processing = consent.Granted
			t.record(consent.Record{Kind: consent.DataProcessing, Basis: consent.LegitimateInterest, Text: f.consent.ProcessingText, Choice: consent.Granted})
		}
		t.in = action.Input{Text: in.Text, QuickReply: in.QuickReply, Signal: in.Signal, MessageID: in.MessageID, Time: now}
		t.engage()
		t.handle(t.in)
	})
	return e.commitWithin(ctx, t, rec.Version, last)
}

// sessionFlow returns the flow version a session runs, and whether the
// session timed out (it then restarts on the latest version, so the
// version it ran need no longer be published).
func (e *Engine) sessionFlow(s *Session, now time.Time) (*Flow, bool, error) {
	f, err := e.Flow(s.FlowID, s.FlowVersion)
	if err != nil {
		latest, lerr := e.Flow(s.FlowID, 0)
		if lerr != nil {
			return nil, false, err
		}
		if s.Status.Over() || now.Sub(s.LastInteractionAt) <= time.Duration(latest.def.Options.SessionTimeout) {
			return nil, false, err
		}
		return latest, true, nil
	}
	timedOut := !s.Status.Over() && (s.Status == StatusAbandoned || now.Sub(s.LastInteractionAt) > time.Duration(f.def.Options.SessionTimeout))
	return f, timedOut, nil
}

// duplicateReply answers a redelivered message: the latest one with the
// reply it got, an older one with none.
func duplicateReply(s *Session, id string) *Reply {
	r := &Reply{ConversationID: s.ConversationID, Status: s.Status}
	if s.latest(id) && len(s.LastReply) > 0 {
		if err := decodeStoredReply(s.LastReply, s.ConversationID, r); err != nil {
			r = &Reply{ConversationID: s.ConversationID, Status: s.Status}
		}
		r.Events = nil // a reply taken from an outbox has them
	}
	r.Outcome = OutcomeDuplicate
	return r
}

// acceptsSignal reports whether the session's waiting action takes the signal.
func acceptsSignal(f *Flow, s *Session, signal string) bool {
	if s.Status != StatusActive {
		return false
	}
	i, ok := f.index[s.Position]
	if !ok {
		return false
	}
	return slices.Contains(f.nodes[i].signals, signal)
}

// Session returns a conversation's stored session.
func (e *Engine) Session(ctx context.Context, conversationID string) (*Session, error) {
	_, s, err := e.load(ctx, conversationID)
	return s, err
}

// VisitorProperties returns the contact properties of a conversation's
// visitor as the engine's stores hold them: the contact record's once the
// visitor is a known contact, else the values the session keeps until they
// are. The map is the caller's.
func (e *Engine) VisitorProperties(ctx context.Context, conversationID string) (store.Properties, error) {
	_, s, err := e.load(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	if s.ContactID == "" {
		return s.Pending.Clone(), nil
	}
	c, err := e.contacts.Contact(ctx, s.ContactID)
	if err != nil {
		return nil, fmt.Errorf("engine: loading contact %s: %w", s.ContactID, err)
	}
	return c.Properties.Clone(), nil
}

// convLock is a conversation's lock, held.
type convLock struct {
	held   keylock.Held
	unlock func() // the store.Locker's, when it has no LockHeld
}

func (l convLock) release() {
	if l.unlock != nil {
		l.unlock()
	} else {
		l.held.Unlock()
	}
}

// lockConversation takes the conversation's lock for a call, without an
// allocation when the locker allows it.
func (e *Engine) lockConversation(ctx context.Context, id string) (convLock, error) {
	var l convLock
	var err error
	if e.heldLocker != nil {
		l.held, err = e.heldLocker.LockHeld(ctx, id)
	} else {
		l.unlock, err = e.locker.Lock(ctx, id)
	}
	if err != nil {
		return convLock{}, fmt.Errorf("engine: locking conversation %s: %w", id, err)
	}
	return l, nil
}

// load reads and decodes a conversation's session.
func (e *Engine) load(ctx context.Context, id string) (store.SessionRecord, *Session, error) {
	s := new(Session)
	rec, err := e.loadInto(ctx, id, s, nil)
	if err != nil {
		return rec, nil, err
	}
	return rec, s, nil
}

// loadHeld is load into a session from the pool, for a call that does not
// hand the session to its caller; release it when the call is over.
func (e *Engine) loadHeld(ctx context.Context, id string) (store.SessionRecord, *heldSession, error) {
	h := heldSessions.Get().(*heldSession)
	h.s.held = h
	rec, err := e.loadInto(ctx, id, &h.s, h)
	if err != nil {
		h.release()
		return rec, nil, err
	}
	return rec, h, nil
}

// loadInto reads a conversation's session and decodes it into s, with h's
// room when h is not nil.
func (e *Engine) loadInto(ctx context.Context, id string, s *Session, h *heldSession) (store.SessionRecord, error) {
	rec, err := e.sessions.Load(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return rec, fmt.Errorf("%w: %s", ErrUnknownConversation, id)
	} else if err != nil {
		return rec, fmt.Errorf("engine: loading session %s: %w", id, err)
	}
	if err := decodeSessionInto(rec.Data, s, h); err != nil {
		return rec, fmt.Errorf("engine: session %s is corrupt: %w", id, err)
	}
	s.ConversationID = ownID(s.ConversationID, id)
	return rec, nil
}

// ownID returns the caller's string for a decoded conversation ID equal to
// it. Decoded strings share the session's data; the ID goes to stores that
// keep it (consent records, indexes), which would keep the whole data.
func ownID(decoded, id string) string {
	if decoded == id {
		return id
	}
	return strings.Clone(decoded)
}

// heldSession is a session with room for the parts a turn would otherwise
// allocate: its consent state, its maps and its list of message IDs.
type heldSession struct {
	s       Session
	consent ConsentState
	maps    [sessionMaps]map[string]string
	ids     [RecentMessages * 8]byte
}

var heldSessions = sync.Pool{New: func() any { return new(heldSession) }}

// release hands the session back to the pool. Nothing may refer to it
// afterwards: the turn that ran on it has been committed and released, and
// the engine hands a held session's maps to no one (it copies them).
func (h *heldSession) release() {
	h.s, h.consent = Session{}, ConsentState{}
	for i, m := range h.maps {
		if len(m) > 64 {
			h.maps[i] = nil // a map that grew large is not kept
		} else {
			clear(m)
		}
	}
	heldSessions.Put(h)
}

// available answers the `available` condition variable: the host's
// Config.Available, else the AI agent's availability (Ports.Agents), else
// false. It is asked at most once per turn, and only by a turn whose
// conditions or templates read variables.
func (e *Engine) available(t *turn) bool {
	fn := e.availableFn
	if fn == nil && e.ports.Agents != nil {
		fn = func(ctx context.Context, _ string, _ time.Time) (bool, error) { return e.ports.Agents.Available(ctx) }
	}
	if fn == nil {
		return false
	}
	ok, err := fn(t.ctx, t.flow.def.ID, t.now)
	if err != nil {
		t.Emit(action.Event{Type: EventConditionError, Reason: "availability: " + err.Error()})
		return false
	}
	return ok
}

func (t *turn) finishReply() *Reply {
	r := &t.reply
	t.stampEvents(r)
	t.offerSurvey(r)
	t.routeInbox(r)
	r.Outcome = OutcomeProcessed
	r.Status = t.sess.Status
	if t.sess.Status == StatusActive {
		r.Awaiting = t.sess.Position
	} else if t.sess.Status != StatusWelcome {
		r.QuickReplies, r.FreeText = nil, false
	}
	return r
}
