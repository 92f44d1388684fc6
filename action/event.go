package action

import "time"

// EventType names what happened during a turn.
type EventType string

// The event types the engine and the built-in actions emit. Host actions may
// emit their own types.
const (
	EventConversationStarted  EventType = "conversation_started"
	EventSessionReset         EventType = "session_reset"
	EventActionReached        EventType = "action_reached"
	EventActionCompleted      EventType = "action_completed"
	EventActionSkipped        EventType = "action_skipped"
	EventActionFailed         EventType = "action_failed"
	EventAnswerAccepted       EventType = "answer_accepted"
	EventAnswerRejected       EventType = "answer_rejected"
	EventPropertySet          EventType = "property_set"
	EventContactCreated       EventType = "contact_created"
	EventBranchTaken          EventType = "branch_taken"
	EventConditionError       EventType = "condition_error"
	EventConversationFinished EventType = "conversation_finished"
	EventHandedOff            EventType = "handed_off"
	EventTurnLimit            EventType = "turn_limit_reached"
	EventGeneralError         EventType = "general_error"
)

// Event is something that happened during a turn, for the host's analytics,
// logs and inbox. Fields that do not apply to a type are empty.
type Event struct {
	// Type says what happened.
	Type EventType `json:"type"`
	// Time is the turn's time.
	Time time.Time `json:"time"`
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
}
