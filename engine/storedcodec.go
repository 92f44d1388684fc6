package engine

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store"
)

// A session keeps the reply to the latest message (for a redelivery) and,
// until its effects are applied, a turn's effects with its reply (for a
// retry). Both are written on every turn and kept with every idle session,
// so they are stored in a binary layout, like the session itself: about
// half the size of JSON and cheaper to write. The first byte tells the
// layouts apart; data stored as JSON by earlier versions starts with '{'
// and is still read.
const (
	storedReplyFormat   = 1
	storedEffectsFormat = 1
)

// appendStoredReply appends the binary form of r; events are written only
// when events is true, the outcome only when outcome is true. The
// conversation ID is not written: the session has it.
func appendStoredReply(w []byte, r *Reply, events, outcome bool) ([]byte, error) {
	w = append(w, storedReplyFormat)
	w = binary.AppendUvarint(w, uint64(len(r.Messages)))
	for _, m := range r.Messages {
		w = appendString(w, string(m.Type))
		w = appendString(w, m.Text)
		w = appendString(w, m.URL)
		w = appendString(w, m.Name)
		w = binary.AppendVarint(w, int64(m.Delay))
	}
	w = binary.AppendUvarint(w, uint64(len(r.QuickReplies)))
	for _, q := range r.QuickReplies {
		w = appendString(w, q.Value)
		w = appendString(w, q.Label)
		w = appendString(w, q.Next)
	}
	w = appendBool(w, r.FreeText)
	w = appendString(w, r.Awaiting)
	w = appendString(w, string(r.Status))
	if outcome {
		w = appendString(w, string(r.Outcome))
	} else {
		w = appendString(w, "")
	}
	if !events {
		w = binary.AppendUvarint(w, 0)
	} else {
		w = binary.AppendUvarint(w, uint64(len(r.Events)))
		var prev *Event
		for i := range r.Events {
			w = appendStoredEvent(w, &r.Events[i], prev)
			prev = &r.Events[i]
		}
	}
	// The rare prompts go as JSON, which they define; a zero length for
	// one that is not set.
	for _, p := range [...]struct {
		v   any
		set bool
	}{{r.Handoff, r.Handoff != nil}, {r.Consent, r.Consent != nil}, {r.Survey, r.Survey != nil}} {
		if !p.set {
			w = append(w, 0)
			continue
		}
		b, err := json.Marshal(p.v)
		if err != nil {
			return nil, err
		}
		w = appendBytes(w, b)
	}
	return w, nil
}

// A turn's events share most of their fields with the event before them
// (the time, the flow, the action), and most leave the rest empty: each is
// written as a byte of flags saying which fields follow, its type as a
// code when it is a common one, and the fields that differ.
const (
	evNewTime    = 1 << iota // Time follows
	evNewFlow                // FlowID and FlowVersion follow
	evNewAction              // Action and ActionType follow
	evObject                 // Object and Property follow
	evValue                  // Value follows
	evNext                   // Next follows
	evReason                 // Reason follows
	evTypeString             // the type follows as text, not as a code
)

// storedEventTypes are the event types written as a one-byte code (the
// index plus one). Stored replies keep these codes: the list may only grow
// at its end.
var storedEventTypes = [...]action.EventType{
	EventConversationStarted, EventSessionReset, EventActionReached, EventActionCompleted, EventActionSkipped,
	EventActionFailed, EventPropertySet, EventContactCreated, EventBranchTaken, EventConditionError,
	EventConversationFinished, EventHandedOff, EventTurnLimit, EventGeneralError, EventConsentRecorded,
	EventConsentRequired, EventContactMissing, EventConversationEngaged, EventConversationAbandoned,
	EventConversationClosed, EventSurveyAnswered, EventOutsideWindow, builtin.EventAnswerAccepted, builtin.EventAnswerRejected,
}

// storedEventCodes maps storedEventTypes to their codes.
var storedEventCodes = func() map[action.EventType]byte {
	m := make(map[action.EventType]byte, len(storedEventTypes))
	for i, t := range storedEventTypes {
		m[t] = byte(i + 1)
	}
	return m
}()

// storedEventCode returns t's code, or 0 when it has none.
func storedEventCode(t action.EventType) byte { return storedEventCodes[t] }

// appendStoredEvent writes e after prev (nil for the first event).
func appendStoredEvent(w []byte, e, prev *Event) []byte {
	var flags byte
	if prev == nil || !e.Time.Equal(prev.Time) { // times come back in UTC anyway
		flags |= evNewTime
	}
	if prev == nil || e.FlowID != prev.FlowID || e.FlowVersion != prev.FlowVersion {
		flags |= evNewFlow
	}
	if prev == nil || e.Action != prev.Action || e.ActionType != prev.ActionType {
		flags |= evNewAction
	}
	if e.Object != "" || e.Property != "" {
		flags |= evObject
	}
	if e.Value != "" {
		flags |= evValue
	}
	if e.Next != "" {
		flags |= evNext
	}
	if e.Reason != "" {
		flags |= evReason
	}
	code := storedEventCode(e.Type)
	if code == 0 {
		flags |= evTypeString
	}
	w = append(w, flags)
	if code == 0 {
		w = appendString(w, string(e.Type))
	} else {
		w = append(w, code)
	}
	if flags&evNewTime != 0 {
		w = appendTime(w, e.Time)
	}
	if flags&evNewFlow != 0 {
		w = appendString(w, e.FlowID)
		w = binary.AppendVarint(w, int64(e.FlowVersion))
	}
	if flags&evNewAction != 0 {
		w = appendString(w, e.Action)
		w = appendString(w, e.ActionType)
	}
	if flags&evObject != 0 {
		w = appendString(w, string(e.Object))
		w = appendString(w, e.Property)
	}
	if flags&evValue != 0 {
		w = appendString(w, e.Value)
	}
	if flags&evNext != 0 {
		w = appendString(w, e.Next)
	}
	if flags&evReason != 0 {
		w = appendString(w, e.Reason)
	}
	return w
}

// decodeStoredReply decodes a reply stored by appendStoredReply, or as
// JSON by an earlier version, for the conversation id. Its strings share
// data, which is a loaded session's: read-only on both sides (the Sessions
// contract), so they stay valid.
func decodeStoredReply(data []byte, id string, r *Reply) error {
	if len(data) > 0 && data[0] == '{' {
		return json.Unmarshal(data, r)
	}
	if len(data) == 0 || data[0] != storedReplyFormat {
		return fmt.Errorf("%w: unknown reply layout", errCorrupt)
	}
	rd := reader{b: data[1:]}
	r.ConversationID = id
	if n := rd.count(6); n > 0 {
		r.Messages = make([]action.Message, n)
		for i := range r.Messages {
			m := &r.Messages[i]
			m.Type = action.BubbleType(rd.string())
			m.Text, m.URL, m.Name = rd.string(), rd.string(), rd.string()
			m.Delay = time.Duration(rd.varint())
		}
	}
	if n := rd.count(3); n > 0 {
		r.QuickReplies = make([]action.QuickReply, n)
		for i := range r.QuickReplies {
			q := &r.QuickReplies[i]
			q.Value, q.Label, q.Next = rd.string(), rd.string(), rd.string()
		}
	}
	r.FreeText = rd.bool()
	r.Awaiting = rd.string()
	r.Status = Status(rd.string())
	r.Outcome = Outcome(rd.string())
	if n := rd.count(2); n > 0 {
		r.Events = make([]Event, n)
		for i := range r.Events {
			var prev *Event
			if i > 0 {
				prev = &r.Events[i-1]
			}
			rd.event(&r.Events[i], prev)
		}
	}
	for _, p := range [...]any{&r.Handoff, &r.Consent, &r.Survey} {
		if b := rd.bytes(); len(b) > 0 && rd.err == nil {
			if err := json.Unmarshal(b, p); err != nil {
				return fmt.Errorf("%w: reply: %v", errCorrupt, err)
			}
		}
	}
	if rd.err == nil && len(rd.b) != 0 {
		rd.err = fmt.Errorf("%w: %d bytes left over in a reply", errCorrupt, len(rd.b))
	}
	return rd.err
}

// event reads what appendStoredEvent wrote after prev.
func (r *reader) event(e, prev *Event) {
	if len(r.b) < 2 {
		r.fail("event")
		return
	}
	flags := r.b[0]
	r.b = r.b[1:]
	if prev == nil && flags&(evNewTime|evNewFlow|evNewAction) != evNewTime|evNewFlow|evNewAction {
		r.err = fmt.Errorf("%w: the first event refers to one before it", errCorrupt)
		return
	}
	if flags&evTypeString != 0 {
		e.Type = action.EventType(r.string())
	} else {
		code := int(r.b[0])
		r.b = r.b[1:]
		if code < 1 || code > len(storedEventTypes) {
			r.err = fmt.Errorf("%w: unknown event code %d", errCorrupt, code)
			return
		}
		e.Type = storedEventTypes[code-1]
	}
	if flags&evNewTime != 0 {
		e.Time = r.time()
	} else {
		e.Time = prev.Time
	}
	if flags&evNewFlow != 0 {
		e.FlowID = r.string()
		e.FlowVersion = int(r.varint())
	} else {
		e.FlowID, e.FlowVersion = prev.FlowID, prev.FlowVersion
	}
	if flags&evNewAction != 0 {
		e.Action, e.ActionType = r.string(), r.string()
	} else {
		e.Action, e.ActionType = prev.Action, prev.ActionType
	}
	if flags&evObject != 0 {
		e.Object = action.Object(r.string())
		e.Property = r.string()
	}
	if flags&evValue != 0 {
		e.Value = r.string()
	}
	if flags&evNext != 0 {
		e.Next = r.string()
	}
	if flags&evReason != 0 {
		e.Reason = r.string()
	}
}

// count reads a number of entries, each of which takes at least min bytes.
func (r *reader) count(min int) int {
	n := r.uvarint()
	if r.err != nil {
		return 0
	}
	if n > uint64(len(r.b)/min) {
		r.fail("list")
		return 0
	}
	return int(n)
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("number")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// appendStoredEffects appends the binary form of ef.
func appendStoredEffects(w []byte, ef *effects) []byte {
	w = append(w, storedEffectsFormat)
	w = appendString(w, ef.Message)
	w = appendString(w, ef.ContactID)
	w = appendMap(w, ef.Contact)
	w = appendString(w, ef.CompanyID)
	w = appendMap(w, ef.Company)
	w = binary.AppendUvarint(w, uint64(len(ef.Records)))
	for i := range ef.Records {
		rec := &ef.Records[i]
		for _, s := range [...]string{rec.ID, rec.VisitorID, rec.ContactID, string(rec.Kind), string(rec.Basis),
			rec.SubscriptionType, rec.Text, rec.TextHash, string(rec.Choice)} {
			w = appendString(w, s)
		}
		w = appendTime(w, rec.Time)
		w = appendString(w, rec.ChatflowID)
		w = binary.AppendVarint(w, int64(rec.FlowVersion))
		w = appendString(w, rec.Action)
		w = appendString(w, rec.ConversationID)
	}
	w = binary.AppendUvarint(w, uint64(len(ef.Subscriptions)))
	for _, sc := range ef.Subscriptions {
		w = appendString(w, sc.Type)
		w = appendString(w, string(sc.State))
	}
	w = appendBool(w, ef.Link)
	return appendBytes(w, ef.Reply)
}

// decodeStoredEffects decodes effects stored by appendStoredEffects, or as
// JSON by an earlier version. Its strings are copies: they go to stores,
// which may keep them, and would then keep the whole session data alive;
// the reply's bytes share data, as in decodeStoredReply.
func decodeStoredEffects(data []byte, ef *effects) error {
	if len(data) > 0 && data[0] == '{' {
		return json.Unmarshal(data, ef)
	}
	if len(data) == 0 || data[0] != storedEffectsFormat {
		return fmt.Errorf("%w: unknown outbox layout", errCorrupt)
	}
	rd := reader{b: data[1:], copyStrings: true}
	ef.Message = rd.string()
	ef.ContactID = rd.string()
	ef.Contact = store.Properties(rd.strmap())
	ef.CompanyID = rd.string()
	ef.Company = store.Properties(rd.strmap())
	if n := rd.count(16); n > 0 {
		ef.Records = make([]consent.Record, n)
		for i := range ef.Records {
			rec := &ef.Records[i]
			rec.ID, rec.VisitorID, rec.ContactID = rd.string(), rd.string(), rd.string()
			rec.Kind, rec.Basis = consent.Kind(rd.string()), consent.Basis(rd.string())
			rec.SubscriptionType, rec.Text, rec.TextHash = rd.string(), rd.string(), rd.string()
			rec.Choice = consent.Choice(rd.string())
			rec.Time = rd.time()
			rec.ChatflowID = rd.string()
			rec.FlowVersion = int(rd.varint())
			rec.Action, rec.ConversationID = rd.string(), rd.string()
		}
	}
	if n := rd.count(2); n > 0 {
		ef.Subscriptions = make([]subscriptionChange, n)
		for i := range ef.Subscriptions {
			ef.Subscriptions[i] = subscriptionChange{Type: rd.string(), State: store.SubscriptionState(rd.string())}
		}
	}
	ef.Link = rd.bool()
	ef.Reply = rd.bytes()
	if rd.err == nil && len(rd.b) != 0 {
		rd.err = fmt.Errorf("%w: %d bytes left over in an outbox", errCorrupt, len(rd.b))
	}
	return rd.err
}
