package engine

import (
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"time"

	"github.com/chatflow/chatflow/store"
)

// Status is where a conversation's bot part stands.
type Status string

// The session statuses.
const (
	// StatusWelcome: the welcome message was shown; no action has run yet.
	StatusWelcome Status = "welcome"
	// StatusActive: an action is waiting for the visitor.
	StatusActive Status = "active"
	// StatusFinished: the last action of a path completed.
	StatusFinished Status = "finished"
	// StatusHandedOff: the conversation was handed to a person or an agent.
	StatusHandedOff Status = "handed_off"
	// StatusEnded: the bot stopped after an error it could not route
	// (the general error message was shown).
	StatusEnded Status = "ended"
)

// Over reports whether the bot part of the conversation is over: further
// messages belong to the host's inbox.
func (s Status) Over() bool {
	return s == StatusFinished || s == StatusHandedOff || s == StatusEnded
}

// sessionFormat is the version of the session layout.
const sessionFormat = binaryFormat

// RecentMessages is how many of its latest message IDs a session remembers:
// a redelivered message is recognised as long as fewer than RecentMessages
// other messages of the conversation were processed since it first was. A
// bot conversation rarely has that many messages in all; the IDs are
// stored as 8-byte hashes.
const RecentMessages = 64

// Session is one visitor's pass through a bot, as the engine stores it
// through store.Sessions (in a compact binary layout; the JSON tags give
// the field names when a host logs or exports a session). Hosts read it
// with Engine.Session; they should not modify stored sessions.
type Session struct {
	// Format is the layout version of the serialized session.
	Format int `json:"v"`
	// ConversationID identifies the conversation.
	ConversationID string `json:"c"`
	// FlowID and FlowVersion are the flow the session runs; a session stays
	// on its version when a newer one is published.
	FlowID      string `json:"f"`
	FlowVersion int    `json:"fv"`
	// Status is where the bot part stands.
	Status Status `json:"s"`
	// Position is the name of the action waiting for the visitor.
	Position string `json:"at,omitempty"`
	// ActionState is the waiting action's own state (e.g. attempts).
	ActionState []byte `json:"as,omitempty"`
	// Answers are the visitor's answers by action name.
	Answers map[string]string `json:"a,omitempty"`
	// ContactID is the visitor's contact record, once known.
	ContactID string `json:"ct,omitempty"`
	// Identified is true when the host identified the visitor.
	Identified bool `json:"id,omitempty"`
	// Pending are contact properties set while the visitor was unknown,
	// written when they give an email address.
	Pending store.Properties `json:"p,omitempty"`
	// Channel is the conversation's channel ("chat", "whatsapp", …).
	Channel string `json:"ch,omitempty"`
	// Page and Visitor are facts the host passed at start, for conditions.
	Page    map[string]string `json:"pg,omitempty"`
	Visitor map[string]string `json:"vi,omitempty"`
	// CustomState is state that webhooks and code snippets pass back.
	CustomState json.RawMessage `json:"cs,omitempty"`
	// Consent is what the visitor decided about consent.
	Consent *ConsentState `json:"cn,omitempty"`
	// StartedAt is when the session started; LastInteractionAt when the
	// visitor last wrote (or the session started).
	StartedAt         time.Time `json:"t0"`
	LastInteractionAt time.Time `json:"t1"`
	// Seq counts the turns processed; side effects' idempotency keys use it,
	// so that inputs without a message ID still get keys of their own.
	Seq uint64 `json:"q,omitempty"`
	// Own are the contact properties set in this conversation. A visitor
	// the host has not identified sees only these of their contact: an
	// email address typed in a chat is no proof of identity.
	Own store.Properties `json:"o,omitempty"`
	// Outbox holds the effects on other stores of a turn that may not be
	// applied yet, and its reply (see Engine.Handle).
	Outbox []byte `json:"ob,omitempty"`
	// LastReply is the reply to the latest message, without events: a
	// redelivery of that message is answered with it. It is empty while
	// Outbox holds the latest message's reply, which stands in for it.
	LastReply []byte `json:"lr,omitempty"`
	// MessageIDs holds 64-bit FNV-1a hashes of the most recent processed
	// message IDs, 8 bytes each, oldest first (hashes keep long channel
	// message IDs from bloating the session).
	MessageIDs []byte `json:"m,omitempty"`

	// held, when set, is the pooled room the session was decoded into; it
	// has room for MessageIDs and spare maps.
	held *heldSession
}

// Indexes of the session's maps in heldSession.maps.
const (
	answersMap = iota
	pendingMap
	pageMap
	visitorMap
	ownMap
	sessionMaps // how many
)

// newMap returns an empty map for the session's map field i (answersMap,
// …): the held session's spare one when there is one, else a new map.
// Callers use it only for a field that is nil, so the spare is not in use.
func (s *Session) newMap(i int) map[string]string {
	if s.held == nil {
		return make(map[string]string, 4)
	}
	m := s.held.maps[i]
	if m == nil {
		m = make(map[string]string, 4)
		s.held.maps[i] = m
	}
	clear(m)
	return m
}

func messageHash(id string) [8]byte {
	h := fnv.New64a()
	h.Write([]byte(id))
	var out [8]byte
	binary.BigEndian.PutUint64(out[:], h.Sum64())
	return out
}

// seen reports whether the message ID is among the recent ones.
func (s *Session) seen(id string) bool {
	h := messageHash(id)
	for i := 0; i+8 <= len(s.MessageIDs); i += 8 {
		if [8]byte(s.MessageIDs[i:i+8]) == h {
			return true
		}
	}
	return false
}

// latest reports whether the message ID is the latest one processed.
func (s *Session) latest(id string) bool {
	h := messageHash(id)
	n := len(s.MessageIDs)
	return n >= 8 && [8]byte(s.MessageIDs[n-8:]) == h
}

// remember adds a message ID, dropping the oldest beyond RecentMessages.
func (s *Session) remember(id string) {
	if id == "" {
		return
	}
	h := messageHash(id)
	// The IDs may be the loaded record's bytes, which are read-only (the
	// Sessions contract): the new list is built in a slice of its own.
	old := s.MessageIDs
	if len(old) >= RecentMessages*8 {
		old = old[len(old)-(RecentMessages-1)*8:]
	}
	var ids []byte
	if s.held != nil && len(old) < RecentMessages*8 {
		ids = s.held.ids[:len(old)]
	} else {
		ids = make([]byte, len(old), len(old)+8)
	}
	copy(ids, old)
	s.MessageIDs = append(ids, h[:]...)
}
