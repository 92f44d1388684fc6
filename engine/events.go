package engine

import "github.com/chatflow/chatflow/action"

// Event is something that happened during a turn (see action.Event).
type Event = action.Event

// The event types the engine emits; the built-in actions emit theirs (see
// package action/builtin) and a host action may emit its own.
const (
	// EventConversationStarted: a session began (Start, or a restart after a timeout) and the welcome message was said.
	EventConversationStarted action.EventType = "conversation_started"
	// EventSessionReset: the visitor wrote after the session timeout; the session starts over.
	EventSessionReset action.EventType = "session_reset"
	// EventActionReached: the conversation reached the action.
	EventActionReached action.EventType = "action_reached"
	// EventActionCompleted: the action completed (Done, or End before a handoff).
	EventActionCompleted action.EventType = "action_completed"
	// EventActionSkipped: the action did nothing; Reason says why.
	EventActionSkipped action.EventType = "action_skipped"
	// EventActionFailed: the action failed; Reason says why and Err carries the cause.
	EventActionFailed action.EventType = "action_failed"
	// EventPropertySet: a contact or company property was set (Object, Property, Value).
	EventPropertySet action.EventType = "property_set"
	// EventContactCreated: a contact was created for the visitor; Value is its ID.
	EventContactCreated action.EventType = "contact_created"
	// EventBranchTaken: a branch condition held; Next is the action it leads to.
	EventBranchTaken action.EventType = "branch_taken"
	// EventConditionError: a condition could not be evaluated and counted as false; Reason says why.
	EventConditionError action.EventType = "condition_error"
	// EventConversationFinished: the last action of a path completed.
	EventConversationFinished action.EventType = "conversation_finished"
	// EventHandedOff: the conversation went to people or an agent (Reply.Handoff).
	EventHandedOff action.EventType = "handed_off"
	// EventTurnLimit: a turn ran more actions than options.maxActionsPerTurn and stopped.
	EventTurnLimit action.EventType = "turn_limit_reached"
	// EventGeneralError: the general error message was said and the bot part ended.
	EventGeneralError action.EventType = "general_error"
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
