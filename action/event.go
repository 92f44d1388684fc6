package action

import "time"

// EventType names what happened during a turn. The engine's own types are
// declared in package engine, the built-in actions' in action/builtin; a
// host action may emit its own.
type EventType string

// Event is something that happened during a turn, for the host's analytics,
// logs and inbox. Fields that do not apply to a type are empty.
type Event struct {
	// Type says what happened.
	Type EventType `json:"type"`
	// Time is the turn's time.
	Time time.Time `json:"time"`
	// FlowID and FlowVersion are the chatflow version the event belongs
	// to; the engine fills them in on every event of a reply, so a host
	// can aggregate events without the reply (see package
	// engine/analytics). Actions leave them empty.
	FlowID      string `json:"flowId,omitempty"`
	FlowVersion int    `json:"flowVersion,omitempty"`
	// Action is the action name concerned, if any.
	Action string `json:"action,omitempty"`
	// ActionType is that action's type, if any.
	ActionType string `json:"actionType,omitempty"`
	// Object and Property name a property that was set.
	Object   Object `json:"object,omitempty"`
	Property string `json:"property,omitempty"`
	// Value is the property value set or the answer given.
	Value string `json:"value,omitempty"`
	// Next is the action a branch led to.
	Next string `json:"next,omitempty"`
	// Reason explains a skip, failure or rejection.
	Reason string `json:"reason,omitempty"`
	// Err is the cause of a failure (Result.Err of the failed action, or
	// the error it returned), matchable with errors.Is and errors.As, as in
	// errors.Is(ev.Err, builtin.ErrWebhookAddress); nil when the cause is
	// only known as Reason. It is not part of the event's JSON: an error
	// does not survive encoding, so a host that stores events keeps Reason.
	Err error `json:"-"`
}
