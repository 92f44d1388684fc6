package engine

import "github.com/chatflow/chatflow/action"

// Event is something that happened during a turn (see action.Event).
type Event = action.Event

// The event types the engine emits; the built-in actions emit theirs (see
// package action/builtin) and a host action may emit its own.
const (
	EventConversationStarted  action.EventType = "conversation_started"
	EventSessionReset         action.EventType = "session_reset"
	EventActionReached        action.EventType = "action_reached"
	EventActionCompleted      action.EventType = "action_completed"
	EventActionSkipped        action.EventType = "action_skipped"
	EventActionFailed         action.EventType = "action_failed"
	EventPropertySet          action.EventType = "property_set"
	EventContactCreated       action.EventType = "contact_created"
	EventBranchTaken          action.EventType = "branch_taken"
	EventConditionError       action.EventType = "condition_error"
	EventConversationFinished action.EventType = "conversation_finished"
	EventHandedOff            action.EventType = "handed_off"
	EventTurnLimit            action.EventType = "turn_limit_reached"
	EventGeneralError         action.EventType = "general_error"
	// EventConsentRecorded is emitted for each consent decision recorded.
	EventConsentRecorded action.EventType = "consent_recorded"
	// EventConsentRequired is emitted when a message waits for consent.
	EventConsentRequired action.EventType = "consent_required"
	// EventContactMissing: the visitor's contact was deleted outside the
	// library (Value is its ID); the conversation goes on with an unknown
	// visitor.
	EventContactMissing action.EventType = "contact_missing"
	// EventConversationEngaged: the visitor's first message of a session
	// was processed (the bot runs no action before it), so the session
	// counts as engaged.
	EventConversationEngaged action.EventType = "conversation_engaged"
	// EventConversationAbandoned: an engaged session ended unfinished
	// because the visitor was silent past the session timeout, found by
	// Engine.Sweep or when the visitor wrote again. Action is the action
	// that waited for the visitor (where they dropped off).
	EventConversationAbandoned action.EventType = "conversation_abandoned"
	// EventConversationClosed: the bot part ended because its chatflow was
	// switched off (Engine.Disable); Reason is "flow_disabled".
	EventConversationClosed action.EventType = "conversation_closed"
	// EventSurveyAnswered: the visitor answered the customer-satisfaction
	// survey (Engine.Feedback). Value is the rating; Reason is "comment"
	// when they left a comment too (the comment itself is kept with the
	// session, not in the event).
	EventSurveyAnswered action.EventType = "survey_answered"
)
