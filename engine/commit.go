package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store"
)

// A turn changes the session and, through other stores, the visitor's
// contact and company, consent records and subscriptions. When the
// session store can save the session and apply those writes in one atomic
// step (store.Committer, covering the engine's stores), a turn commits
// with that one step: it succeeds or changes nothing. Otherwise, so that a
// store failure at any point leaves a state a retry of the same message
// turns into exactly the outcome of a clean run, a turn commits in this
// order:
//
//  1. the session is saved with the version fence, holding the turn's
//     effects on other stores (absolute values, computed once) and its reply
//     in an outbox;
//  2. the effects are applied; each is idempotent;
//  3. the session is saved again without the outbox.
//
// A failure in 1 changes nothing: the retry runs the turn afresh. A
// failure in 2 leaves the outbox: the next call on the conversation applies
// it first, and a retry of the same message then returns the stored reply
// instead of running the turn again, so values derived from stored ones
// (a counter set to contact.visits + 1) are never computed twice. Because
// the effects are applied only after the fenced save succeeded, a turn that
// lost its lock (a lease that expired) applies nothing. A failure in 3 is
// harmless: the next call applies the same values again.

// effects are a turn's changes to stores other than the session.
type effects struct {
	// Message is the ID of the message whose turn produced them.
	Message string `json:"m,omitempty"`
	// ContactID and Contact are the contact's property writes.
	ContactID string           `json:"c,omitempty"`
	Contact   store.Properties `json:"cp,omitempty"`
	// CompanyID and Company are the company's property writes.
	CompanyID string           `json:"o,omitempty"`
	Company   store.Properties `json:"op,omitempty"`
	// Records are consent decisions to append; they carry their IDs, so
	// appending again stores nothing twice.
	Records []consent.Record `json:"r,omitempty"`
	// Subscriptions are subscription states to set for ContactID.
	Subscriptions []subscriptionChange `json:"s,omitempty"`
	// Link links the conversation's consent records to ContactID.
	Link bool `json:"l,omitempty"`
	// Reply is the turn's reply, returned to a retry of the message.
	Reply json.RawMessage `json:"reply,omitempty"`
}

type subscriptionChange struct {
	Type  string                  `json:"t"`
	State store.SubscriptionState `json:"s"`
}

func (ef *effects) empty() bool {
	return len(ef.Contact) == 0 && len(ef.Company) == 0 && len(ef.Records) == 0 &&
		len(ef.Subscriptions) == 0 && !ef.Link
}

// effects collects the turn's effects; contact writes of a visitor who is
// not yet a contact stay with the session instead.
func (t *turn) effects() *effects {
	s := t.sess
	ef := &t.ef
	*ef = effects{Message: t.msgID}
	if len(t.companyWrites) > 0 && t.company != nil {
		ef.CompanyID, ef.Company = t.company.ID, t.companyWrites
	}
	if len(t.writes) > 0 || (s.ContactID != "" && len(s.Pending) > 0) {
		// The pending properties and the turn's writes (which win) are
		// merged into one of the two maps, which nothing else uses.
		// Pending strings are the session data's: they are copied for the
		// stores (see detachedProps).
		props := t.writes
		if props == nil {
			props = detachedProps(s.Pending)
		} else {
			for k, v := range s.Pending {
				if _, ok := props[k]; !ok {
					props[strings.Clone(k)] = strings.Clone(v)
				}
			}
		}
		if s.ContactID == "" {
			// An unknown visitor: keep the values until they give an
			// email address.
			s.Pending = props
		} else {
			// The contact this turn created holds its values already.
			for k, v := range t.created {
				if w, ok := props[k]; ok && w == v {
					delete(props, k)
				}
			}
			if len(props) > 0 {
				ef.ContactID, ef.Contact = s.ContactID, props
			}
			s.Pending = nil
		}
	}
	if c := s.Consent; c != nil && c.Subscribe != "" && s.ContactID != "" {
		ef.Subscriptions = append(ef.Subscriptions, subscriptionChange{c.Subscribe, store.OptedIn})
		c.Subscribe = ""
	}
	for _, r := range t.records {
		r.ContactID = s.ContactID
		ef.Records = append(ef.Records, r)
		if r.Kind == consent.Communication && r.SubscriptionType != "" && s.ContactID != "" && r.Action != "" {
			// A decision an action recorded changes the subscription with it.
			switch r.Choice {
			case consent.Granted:
				ef.Subscriptions = append(ef.Subscriptions, subscriptionChange{r.SubscriptionType, store.OptedIn})
			case consent.Withdrawn:
				ef.Subscriptions = append(ef.Subscriptions, subscriptionChange{r.SubscriptionType, store.OptedOut})
			}
		}
	}
	if s.ContactID != "" {
		ef.Subscriptions = append(ef.Subscriptions, t.subscriptions...)
	}
	ef.ContactID = s.ContactID
	ef.Link = t.contactResolved
	return ef
}

// commit saves the turn and applies its effects (see the order above) and
// returns its reply. expected is the session's stored version (0: none).
func (e *Engine) commit(ctx context.Context, t *turn, expected int64) (*Reply, error) {
	if t.fatal != nil {
		return nil, t.fatal
	}
	if err := ctx.Err(); err != nil {
		// The host gave up on the call: nothing of the turn is kept.
		return nil, fmt.Errorf("engine: conversation %s: %w", t.sess.ConversationID, err)
	}
	s := t.sess
	ef := t.effects()
	reply := t.finishReply()
	defer t.release()
	s.Seq++
	// The session's encoded parts live in the turn's buffers, which the
	// pool keeps: the session is saved (copied by the store) before the
	// turn is released, and is not used after that.
	// A message's reply is kept for its redelivery; the latest message's
	// stays when the turn is not a message.
	answersMessage := !t.notMessage && t.msgID != ""
	if !t.notMessage {
		s.LastReply = nil
	}
	if ef.empty() {
		s.Outbox = nil
		if answersMessage {
			s.LastReply = t.lastReply(reply)
		}
		if _, err := e.saveSession(ctx, s, expected); err != nil {
			return nil, err
		}
		return t.detachedReply(), nil
	}
	if e.committer != nil {
		err := e.commitOnce(ctx, t, ef, reply, expected, answersMessage)
		if err == nil {
			return t.detachedReply(), nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		// The contact was deleted since the turn began: nothing was
		// applied, and the steps below deal with it.
		if answersMessage {
			s.LastReply = nil
		}
	}
	// Until the effects are applied, the outbox holds the reply, events
	// and all, and stands in for LastReply (see flush).
	var err error
	if ef.Reply, err = appendStoredReply(t.bufs.reply[:0], reply, !e.omitEvents, true); err != nil {
		return nil, fmt.Errorf("engine: encoding the reply: %w", err)
	}
	t.bufs.reply = ef.Reply
	s.Outbox = appendStoredEffects(t.bufs.outbox[:0], ef)
	t.bufs.outbox = s.Outbox
	version, err := e.saveSession(ctx, s, expected)
	if err != nil {
		return nil, err
	}
	if err := e.apply(ctx, s, ef); err != nil {
		return nil, err
	}
	s.Outbox = nil
	if answersMessage {
		s.LastReply = t.lastReply(reply)
	}
	// A failure here leaves effects that are already applied in the
	// outbox; the next call applies them again, which changes nothing.
	_, _ = e.saveSession(ctx, s, version)
	return t.detachedReply(), nil
}

// commitOnce saves the turn's session and applies its effects in one
// Commit of the session store.
func (e *Engine) commitOnce(ctx context.Context, t *turn, ef *effects, reply *Reply, expected int64, answersMessage bool) error {
	s := t.sess
	s.Outbox = nil
	if answersMessage {
		s.LastReply = t.lastReply(reply)
	}
	c := store.Commit{
		ConversationID: s.ConversationID, ExpectedVersion: expected,
		ContactID: ef.ContactID, Contact: ef.Contact, CompanyID: ef.CompanyID, Consent: ef.Records,
		LinkConsent: ef.Link,
	}
	if e.companies != nil {
		c.Company = ef.Company
	}
	if e.stores.Subscriptions != nil && len(ef.Subscriptions) > 0 {
		c.Subscriptions = make([]store.SubscriptionWrite, len(ef.Subscriptions))
		for i, sc := range ef.Subscriptions {
			c.Subscriptions[i] = store.SubscriptionWrite{Type: sc.Type, State: sc.State}
		}
	}
	if e.life.idle != nil {
		c.IdleAt = e.idleAt(s)
	}
	bp, data := encodePooled(s)
	c.Data = data
	_, err := e.committer.Commit(ctx, c)
	releaseEncoded(bp, data)
	if err != nil {
		return fmt.Errorf("engine: committing session %s: %w", s.ConversationID, err)
	}
	return nil
}

// saveSession saves s with the version fence and returns the new version.
func (e *Engine) saveSession(ctx context.Context, s *Session, expected int64) (int64, error) {
	bp, data := encodePooled(s)
	v, err := e.putSession(ctx, s, data, expected)
	releaseEncoded(bp, data)
	if err != nil {
		return 0, fmt.Errorf("engine: saving session %s: %w", s.ConversationID, err)
	}
	return v, nil
}

// sessionBuffers are encoding buffers for sessions.
var sessionBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// encodePooled encodes s in a buffer from sessionBuffers; releaseEncoded
// hands it back once the store has it. Stores keep no reference to the
// data after Save or Commit (their contract), so the buffer serves the
// next session.
func encodePooled(s *Session) (*[]byte, []byte) {
	bp := sessionBuffers.Get().(*[]byte)
	return bp, encodeSession((*bp)[:0], s)
}

// releaseEncoded returns the buffer of data, which encodePooled gave with
// bp, to the pool, unless it grew too large to keep.
func releaseEncoded(bp *[]byte, data []byte) {
	if cap(data) <= 64<<10 {
		*bp = data
		sessionBuffers.Put(bp)
	}
}

// apply applies effects; each is idempotent. A contact deleted outside the
// library since the turn began makes the visitor unknown again: the writes
// stay with the session until they give an email address.
func (e *Engine) apply(ctx context.Context, s *Session, ef *effects) error {
	if len(ef.Company) > 0 && e.companies != nil {
		err := e.companies.UpdateCompany(ctx, ef.CompanyID, ef.Company)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("engine: writing company %s: %w", ef.CompanyID, err)
		}
	}
	if len(ef.Contact) > 0 {
		err := e.contacts.UpdateContact(ctx, ef.ContactID, ef.Contact)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if s.ContactID == ef.ContactID {
				s.forgetContact()
				s.Pending = ef.Contact.Clone()
			}
		case err != nil:
			return fmt.Errorf("engine: writing contact %s: %w", ef.ContactID, err)
		}
	}
	for _, sc := range ef.Subscriptions {
		if e.stores.Subscriptions == nil {
			break
		}
		if err := e.stores.Subscriptions.SetState(ctx, ef.ContactID, sc.Type, sc.State, true); err != nil {
			return fmt.Errorf("engine: setting subscription %s of contact %s: %w", sc.Type, ef.ContactID, err)
		}
	}
	for _, r := range ef.Records {
		if err := e.consent.Append(ctx, r); err != nil {
			return fmt.Errorf("engine: recording consent: %w", err)
		}
	}
	if ef.Link {
		if err := e.consent.LinkContact(ctx, s.ConversationID, ef.ContactID); err != nil {
			return fmt.Errorf("engine: linking consent records to contact %s: %w", ef.ContactID, err)
		}
	}
	return nil
}

// flush applies the effects a previous call saved but may not have
// applied, and returns them (nil when there were none).
func (e *Engine) flush(ctx context.Context, s *Session) (*effects, error) {
	if len(s.Outbox) == 0 {
		return nil, nil
	}
	ef := new(effects)
	if err := decodeStoredEffects(s.Outbox, ef); err != nil {
		return nil, fmt.Errorf("engine: session %s has a corrupt outbox: %w", s.ConversationID, err)
	}
	if err := e.apply(ctx, s, ef); err != nil {
		return nil, err
	}
	s.Outbox = nil
	if len(s.LastReply) == 0 && ef.Message != "" && s.latest(ef.Message) {
		// The turn saved its reply in the outbox only; redeliveries of
		// its message are answered with it (without its events).
		s.LastReply = ef.Reply
	}
	return ef, nil
}

// lastReply encodes what a redelivery of the latest message is answered
// with: the reply without its events and outcome, in the turn's buffer.
func (t *turn) lastReply(r *Reply) []byte {
	b, err := appendStoredReply(t.bufs.last[:0], r, false, false)
	if err != nil {
		return nil
	}
	t.bufs.last = b
	return b
}

// dropPersonalData removes what the visitor said from the session, after
// they refused or withdrew consent to the processing of their data.
func (s *Session) dropPersonalData() {
	s.Answers, s.Pending, s.Own, s.Page, s.Visitor, s.CustomState, s.LastReply = nil, nil, nil, nil, nil, nil, nil
}

// forgetContact makes the visitor unknown again, after their contact was
// deleted outside the library.
func (s *Session) forgetContact() {
	s.ContactID, s.Identified = "", false
	s.Own = nil
}
