package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store"
)

// turn is one call of Start or Handle on one conversation. It implements
// action.Turn for the actions it runs and collects the reply.
type turn struct {
	e     *Engine
	ctx   context.Context
	flow  *Flow
	sess  *Session
	now   time.Time
	msgID string
	input string       // the answer conditions see
	in    action.Input // the visitor's input of this turn
	reply Reply

	cur   *node
	state []byte
	count int

	contact       *store.Contact // loaded lazily
	contactLoaded bool
	company       *store.Company
	companyLoaded bool
	writes        store.Properties // contact properties set in this turn
	companyWrites store.Properties
	fatal         error // a store failure: the turn must be abandoned
	records       []consent.Record
	// contactResolved is set when an anonymous visitor became a contact.
	contactResolved bool
	// created holds the properties of the contact this turn created, as
	// the store returned them: writes of the same values need not be
	// applied again.
	created store.Properties
	// subscriptions are subscription changes the engine decided.
	subscriptions []subscriptionChange
	// notMessage marks a turn that is not a visitor message (a consent
	// decision): the latest message's reply stays as it was.
	notMessage bool
	// into is the caller's Reply the turn's reply is copied into (see
	// HandleInto); nil: a new one.
	into *Reply

	// bufs are encoding buffers that stay with the turn in the pool.
	bufs turnBuffers
	// spareWrites is the map writes is made from, kept with the turn in
	// the pool. The turn's writes (which may become the session's pending
	// properties or the outbox's) are not used after the session is saved.
	spareWrites store.Properties
	// ef are the turn's effects, once commit has collected them.
	ef effects

	vars      condition.Vars
	varsReady bool
	lkContact propLookup
	lkCompany propLookup
	lkAnswers stringLookup
	lkSession sessionLookup
	lkVisitor visitorLookup
	lkPage    stringLookup
}

var _ action.Turn = (*turn)(nil)

// newTurn returns a turn from the pool; commit hands it back. A turn's
// event and message buffers serve turn after turn: the reply a caller
// gets is copied out of them at its exact size.
func newTurn(ctx context.Context, e *Engine, f *Flow, s *Session, now time.Time, msgID string) *turn {
	// A pooled turn is clean (release cleared it, or New made it): only
	// the fields of this turn are set, which spares clearing the whole
	// turn again (with a write barrier per pointer while the collector
	// runs).
	t := turns.Get().(*turn)
	t.e, t.ctx, t.flow, t.sess, t.now, t.msgID = e, ctx, f, s, now, msgID
	t.reply.ConversationID = s.ConversationID
	return t
}

// detachedProps copies p, strings included: a session's decoded strings
// share its data, and a store that keeps them would keep the whole data.
// Properties pending with the session go to the contacts store this way.
func detachedProps(p store.Properties) store.Properties {
	if p == nil {
		return nil
	}
	out := make(store.Properties, len(p))
	for k, v := range p {
		out[strings.Clone(k)] = strings.Clone(v)
	}
	return out
}

// newWrites returns the empty map for the turn's contact writes.
func (t *turn) newWrites() store.Properties {
	if t.spareWrites == nil {
		t.spareWrites = make(store.Properties, 4)
	}
	clear(t.spareWrites)
	return t.spareWrites
}

// turnBuffers are the buffers a turn encodes its reply and outbox in.
type turnBuffers struct {
	reply, outbox, last []byte
}

// turns are turns to reuse. A typical turn emits about a dozen events and
// a few messages; buffers that grew far beyond that are not kept.
var turns = sync.Pool{New: func() any {
	t := new(turn)
	t.reply.Events = make([]action.Event, 0, 16)
	t.reply.Messages = make([]action.Message, 0, 4)
	t.bufs = turnBuffers{make([]byte, 0, 1024), make([]byte, 0, 1280), make([]byte, 0, 512)}
	return t
}}

// release hands the turn back to the pool once nothing refers to it: the
// reply has been copied out (detachedReply) and the turn's call is over.
// Actions must not keep the action.Turn they were given (its contract).
func (t *turn) release() {
	const maxBuf = 16 << 10
	if cap(t.reply.Events) > 64 || cap(t.reply.Messages) > 32 ||
		cap(t.bufs.reply) > maxBuf || cap(t.bufs.outbox) > maxBuf || cap(t.bufs.last) > maxBuf {
		return
	}
	// Buffers are only appended to, and each release clears what its turn
	// appended: what lies beyond the length is zero already.
	clear(t.reply.Events)
	clear(t.reply.Messages)
	events, messages, bufs, spare := t.reply.Events[:0], t.reply.Messages[:0], t.bufs, t.spareWrites
	if len(spare) > 64 {
		spare = nil // a map that grew large is not kept
	}
	*t = turn{bufs: bufs, spareWrites: spare}
	t.reply.Events, t.reply.Messages = events, messages
	turns.Put(t)
}

// detachedReply copies the turn's reply out of its reusable buffers, into
// the caller's Reply when there is one.
func (t *turn) detachedReply() *Reply {
	if r := t.into; r != nil {
		copyReply(r, &t.reply, !t.e.omitEvents)
		return r
	}
	var r *Reply
	if len(t.reply.Messages) == 1 {
		// Most replies say one thing: it shares the reply's allocation.
		one := new(replyWithOneMessage)
		r = &one.r
		*r = t.reply
		one.m[0] = t.reply.Messages[0]
		r.Messages = one.m[:]
	} else {
		r = new(Reply)
		*r = t.reply
		r.Messages = cloneExact(t.reply.Messages)
	}
	if t.e.omitEvents {
		r.Events = nil
	} else {
		r.Events = cloneExact(t.reply.Events)
	}
	return r
}

// copyReply makes dst a copy of src whose Messages and Events reuse the
// room dst's have; events are left out unless withEvents. What dst's
// slices held beyond their new length is cleared, so that it keeps no
// earlier reply's strings alive.
func copyReply(dst, src *Reply, withEvents bool) {
	messages, events := dst.Messages, dst.Events
	*dst = *src
	dst.Messages = reuse(messages, src.Messages)
	if withEvents {
		dst.Events = reuse(events, src.Events)
	} else {
		dst.Events = reuse(events, nil)
	}
}

// reuse returns a copy of src in the room of dst, or nil when src is
// empty and dst has no room; it clears what dst held beyond len(src).
func reuse[T any](dst, src []T) []T {
	if len(src) == 0 && cap(dst) == 0 {
		return nil
	}
	old := len(dst)
	dst = append(dst[:0], src...)
	if old > len(dst) {
		clear(dst[len(dst):old])
	}
	return dst
}

// replyWithOneMessage is a reply and the room for its only message.
type replyWithOneMessage struct {
	r Reply
	m [1]action.Message
}

// cloneExact copies s into a slice of its length; nil when s is empty.
func cloneExact[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

// Session implements action.Turn.
func (t *turn) Session() action.Session {
	s := t.sess
	out := action.Session{
		ConversationID: s.ConversationID, FlowID: s.FlowID, FlowVersion: s.FlowVersion,
		Channel: s.Channel, Language: t.flow.def.Language, PhoneRegion: t.phoneRegion(),
		ContactID: s.ContactID, Identified: s.Identified, Now: t.now,
		StartedAt: s.StartedAt, LastInteractionAt: s.LastInteractionAt, CustomState: s.CustomState,
	}
	if t.cur != nil {
		out.ActionName, out.ActionType = t.cur.def.Name, t.cur.def.Type
	}
	return out
}

func (t *turn) phoneRegion() string {
	if r := t.flow.def.Options.PhoneRegion; r != "" {
		return r
	}
	return t.e.phoneRegion
}

func (t *turn) actionName() string {
	if t.cur == nil {
		return ""
	}
	return t.cur.def.Name
}

// appendTurnKey appends the key of this turn of the conversation, the same
// when the host retries it: by the message ID, which a retry carries even
// after other messages were processed in between; an input without one is
// a new message every time and is keyed by the session's turn count, which
// does not change until the turn is saved.
func (t *turn) appendTurnKey(b []byte) []byte {
	b = append(b, t.sess.ConversationID...)
	if t.msgID != "" {
		b = append(b, "/m/"...)
		return append(b, t.msgID...)
	}
	b = append(b, "/s/"...)
	return strconv.AppendUint(b, t.sess.Seq, 10)
}

// IdempotencyKey implements action.Turn.
func (t *turn) IdempotencyKey() string {
	var buf [128]byte
	b := append(t.appendTurnKey(buf[:0]), '/')
	return string(append(b, t.actionName()...))
}

// Emit implements action.Turn.
func (t *turn) Emit(ev action.Event) {
	if ev.Time.IsZero() {
		ev.Time = t.now
	}
	if ev.Action == "" && t.cur != nil {
		ev.Action = t.cur.def.Name
		ev.ActionType = t.cur.def.Type
	}
	t.reply.Events = append(t.reply.Events, ev)
}

func (t *turn) emitFor(typ action.EventType, n *node, reason string) {
	ev := action.Event{Type: typ, Time: t.now, Reason: reason}
	if n != nil {
		ev.Action, ev.ActionType = n.def.Name, n.def.Type
	}
	t.reply.Events = append(t.reply.Events, ev)
}

// Say renders the bubbles and adds them to the reply; a bubble without a
// compiled template (built at run time) is said as it is.
func (t *turn) Say(m action.Messages) {
	for i := range m {
		b := &m[i]
		text := b.Text
		if tm := b.Template(); tm != nil {
			text = t.Render(tm)
		}
		typ := b.Type
		if typ == "" {
			typ = action.TextBubble
		}
		t.add(action.Message{Type: typ, Text: text, URL: b.URL, Name: b.Name})
	}
}

// sayText adds one plain text message that is not a template.
func (t *turn) sayText(text string) {
	t.add(action.Message{Type: action.TextBubble, Text: text})
}

func (t *turn) add(m action.Message) {
	if len(t.reply.Messages) > 0 {
		m.Delay = time.Duration(t.flow.def.Options.TypingDelay)
	}
	t.reply.Messages = append(t.reply.Messages, m)
}

func (t *turn) Prompt(qrs []action.QuickReply, freeText bool) {
	out := make([]action.QuickReply, len(qrs))
	for i, q := range qrs {
		out[i] = action.QuickReply{Value: q.Value, Label: q.Label}
	}
	t.reply.QuickReplies = out
	t.reply.FreeText = freeText
}

func (t *turn) Render(tm *condition.Template) string {
	if tm == nil {
		return ""
	}
	return tm.Render(t.Vars())
}

func (t *turn) State() []byte     { return t.state }
func (t *turn) SetState(b []byte) { t.state = b }

// Answer implements action.Turn.
func (t *turn) Answer(actionName string) (string, bool) {
	v, ok := t.sess.Answers[actionName]
	return v, ok
}

func (t *turn) SetAnswer(v string) {
	if t.cur == nil {
		return
	}
	if t.sess.Answers == nil {
		t.sess.Answers = t.sess.newMap(answersMap)
	}
	t.sess.Answers[t.cur.def.Name] = v
	// Branches of this action see the accepted, normalized answer (the
	// quick reply's value rather than its typed label).
	t.input = v
}

// readContactProperty reads one property of the visitor's contact through
// the store's store.ContactPropertyReader, when it has one and the contact
// is not loaded already; done is false when the caller must load the
// contact instead (which also handles a contact deleted meanwhile).
func (t *turn) readContactProperty(name string) (v string, ok, done bool) {
	r := t.e.propReader
	if r == nil || t.contactLoaded || t.sess.ContactID == "" {
		return "", false, false
	}
	v, ok, err := r.ContactProperty(t.ctx, t.sess.ContactID, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", false, false
	case err != nil:
		t.fail(fmt.Errorf("engine: reading property %s of contact %s: %w", name, t.sess.ContactID, err))
		return "", false, true
	}
	return v, ok && v != "", true
}

// loadContact fetches the visitor's contact once per turn.
func (t *turn) loadContact() *store.Contact {
	if t.contactLoaded {
		return t.contact
	}
	t.contactLoaded = true
	if t.sess.ContactID == "" {
		return nil
	}
	c, err := t.e.contacts.Contact(t.ctx, t.sess.ContactID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Deleted outside the library: the conversation goes on with an
		// unknown visitor, who becomes a contact again by giving an email
		// address.
		t.reply.Events = append(t.reply.Events, action.Event{Type: EventContactMissing, Time: t.now, Value: t.sess.ContactID})
		t.sess.forgetContact()
		t.companyLoaded, t.company = true, nil
		return nil
	case err != nil:
		t.fail(fmt.Errorf("engine: loading contact %s: %w", t.sess.ContactID, err))
		return nil
	}
	t.contact = &c
	return t.contact
}

func (t *turn) loadCompany() *store.Company {
	if t.companyLoaded {
		return t.company
	}
	t.companyLoaded = true
	c := t.loadContact()
	if c == nil || c.CompanyID == "" || t.e.companies == nil {
		return nil
	}
	co, err := t.e.companies.Company(t.ctx, c.CompanyID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		t.fail(fmt.Errorf("engine: loading company %s: %w", c.CompanyID, err))
		return nil
	}
	t.company = &co
	return t.company
}

func (t *turn) fail(err error) {
	if t.fatal == nil {
		t.fatal = err
	}
}

func (t *turn) HasCompany() bool { return t.loadCompany() != nil }

func (t *turn) Input() action.Input              { return t.in }
func (t *turn) SetCustomState(s json.RawMessage) { t.sess.CustomState = s }

// verified reports whether the host identified the visitor. Until it
// does, the turn shows the visitor only the contact and company values set
// in this conversation, never what their contact record held before: an
// email address typed in a chat links the conversation to a contact for
// recording, but is no proof of identity.
func (t *turn) verified() bool { return t.sess.Identified }

func (t *turn) Properties(obj action.Object) store.Properties {
	out := store.Properties{}
	switch obj {
	case action.ContactObject:
		if !t.verified() {
			for k, v := range t.sess.Own {
				out[k] = v
			}
		} else if c := t.loadContact(); c != nil {
			for k, v := range c.Properties {
				out[k] = v
			}
		}
		for k, v := range t.sess.Pending {
			out[k] = v
		}
		for k, v := range t.writes {
			out[k] = v
		}
	case action.CompanyObject:
		if !t.verified() {
			// nothing stored: only this turn's writes
		} else if c := t.loadCompany(); c != nil {
			for k, v := range c.Properties {
				out[k] = v
			}
		}
		for k, v := range t.companyWrites {
			out[k] = v
		}
	}
	return out
}

func (t *turn) Property(obj action.Object, name string) (string, bool) {
	switch obj {
	case action.ContactObject:
		if v, ok := t.writes[name]; ok {
			return v, v != ""
		}
		if v, ok := t.sess.Pending[name]; ok {
			return v, v != ""
		}
		if !t.verified() {
			v, ok := t.sess.Own[name]
			return v, ok && v != ""
		}
		if v, ok, done := t.readContactProperty(name); done {
			return v, ok
		}
		if c := t.loadContact(); c != nil {
			v, ok := c.Properties[name]
			return v, ok && v != ""
		}
	case action.CompanyObject:
		if v, ok := t.companyWrites[name]; ok {
			return v, v != ""
		}
		if !t.verified() {
			return "", false
		}
		if c := t.loadCompany(); c != nil {
			v, ok := c.Properties[name]
			return v, ok && v != ""
		}
	}
	return "", false
}

func (t *turn) SetProperty(obj action.Object, name, value string) error {
	if !processingAllowed(t.flow, t.sess) {
		return errConsentRequired
	}
	switch obj {
	case action.ContactObject:
		if t.writes == nil {
			t.writes = t.newWrites()
		}
		t.writes[name] = value
		if !t.verified() {
			if t.sess.Own == nil {
				t.sess.Own = t.sess.newMap(ownMap)
			}
			t.sess.Own[name] = value
		}
		if name == "email" && t.sess.ContactID == "" && value != "" {
			t.resolveContact(value)
		}
	case action.CompanyObject:
		if !t.HasCompany() {
			return errNoCompany
		}
		if t.companyWrites == nil {
			t.companyWrites = make(store.Properties, 4)
		}
		t.companyWrites[name] = value
	default:
		return fmt.Errorf("engine: unknown object %q", obj)
	}
	t.Emit(action.Event{Type: EventPropertySet, Object: obj, Property: name, Value: value})
	return nil
}

// MarketingContactProperty is set to "true" on contacts created by a
// chatflow whose policy makes them marketing contacts.
const MarketingContactProperty = "hs_marketable_status"

// resolveContact links an unknown visitor who gave an email address to
// the contact with that address, creating it if needed, so that later
// actions of the same turn (lists, tickets …) see a known contact. A retry
// after a failure finds the contact created the first time.
func (t *turn) resolveContact(email string) {
	ctx, contacts := t.ctx, t.e.contacts
	c, err := contacts.ContactByEmail(ctx, email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		props := detachedProps(t.sess.Pending)
		if props == nil {
			props = make(store.Properties, len(t.writes)+1)
		}
		if t.flow.consent.MarketingContacts {
			props[MarketingContactProperty] = "true"
		}
		for k, v := range t.writes {
			props[k] = v
		}
		c, err = contacts.CreateContact(ctx, props)
		if err != nil {
			t.fail(fmt.Errorf("engine: creating contact: %w", err))
			return
		}
		t.created = c.Properties
		t.reply.Events = append(t.reply.Events, action.Event{Type: EventContactCreated, Time: t.now, Value: c.ID})
	case err != nil:
		t.fail(fmt.Errorf("engine: finding contact by email: %w", err))
		return
	}
	t.sess.ContactID = c.ID
	t.contactResolved = true
	t.contactLoaded, t.contact = true, &c
	t.companyLoaded, t.company = false, nil
}

// Vars returns the condition variables, built once per turn. The lookups
// read through to the turn, so they see values set since.
func (t *turn) Vars() *condition.Vars {
	if !t.varsReady {
		t.varsReady = true
		t.lkContact = propLookup{t, action.ContactObject}
		t.lkCompany = propLookup{t, action.CompanyObject}
		t.lkAnswers = stringLookup{&t.sess.Answers}
		t.lkSession = sessionLookup{t}
		t.lkVisitor = visitorLookup{t}
		t.lkPage = stringLookup{&t.sess.Page}
		t.vars = condition.Vars{
			Contact: &t.lkContact, Company: &t.lkCompany, Answers: &t.lkAnswers,
			Session: &t.lkSession, Visitor: &t.lkVisitor, Page: &t.lkPage,
			Schedules: (*scheduleLookup)(t),
		}
		if t.flow.usesAvailable {
			t.vars.Available = t.e.available(t)
		}
	}
	t.vars.Answer = t.input
	t.vars.Now = t.now
	return &t.vars
}

// propLookup exposes contact or company properties to conditions, typed by
// the schema: numbers as int64 or float64, bools, dates as time.Time.
type propLookup struct {
	t   *turn
	obj action.Object
}

func (p *propLookup) Lookup(name string) (any, bool) {
	v, ok := p.t.Property(p.obj, name)
	if !ok {
		return nil, false
	}
	return p.t.e.schema.Def(string(p.obj), name).Type.Value(v), true
}

type stringLookup struct{ m *map[string]string }

func (s *stringLookup) Lookup(name string) (any, bool) {
	v, ok := (*s.m)[name]
	return v, ok
}

// sessionLookup exposes session facts: channel, language, flow_id,
// flow_version, started_at, status.
type sessionLookup struct{ t *turn }

func (s *sessionLookup) Lookup(name string) (any, bool) {
	sess := s.t.sess
	switch name {
	case "channel":
		return sess.Channel, true
	case "language":
		return s.t.flow.def.Language, true
	case "flow_id":
		return sess.FlowID, true
	case "flow_version":
		return int64(sess.FlowVersion), true
	case "started_at":
		return sess.StartedAt, true
	case "conversation_id":
		return sess.ConversationID, true
	}
	return nil, false
}

// visitorLookup exposes visitor facts: known, identified, contact_id, and
// what the host passed at start.
type visitorLookup struct{ t *turn }

func (v *visitorLookup) Lookup(name string) (any, bool) {
	sess := v.t.sess
	switch name {
	case "known":
		return sess.ContactID != "", true
	case "identified":
		return sess.Identified, true
	case "contact_id":
		return sess.ContactID, true
	}
	x, ok := sess.Visitor[name]
	return x, ok
}
