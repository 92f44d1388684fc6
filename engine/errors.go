package engine

import "errors"

// Sentinel errors. Errors returned by this package wrap one of them (match
// with errors.Is). The problems of a flow that does not load are
// *condition.Error values besides (list them with condition.Problems); each
// matches one of the flow sentinels below or names its own cause.
var (
	// ErrInvalidFlow is matched by every error of Load and Publish about
	// the flow itself.
	ErrInvalidFlow = errors.New("engine: invalid flow")
	// ErrUnknownActionType reports an action type the engine does not know.
	ErrUnknownActionType = errors.New("engine: unknown action type")
	// ErrDuplicateAction reports two actions with one name.
	ErrDuplicateAction = errors.New("engine: duplicate action name")
	// ErrDanglingReference reports a reference to an action that does not exist.
	ErrDanglingReference = errors.New("engine: reference to a missing action")
	// ErrUnreachable marks the warning for an action nothing leads to.
	ErrUnreachable = errors.New("engine: disconnected action")
	// ErrLoop reports a cycle of actions that can run without waiting for the visitor.
	ErrLoop = errors.New("engine: loop without waiting for the visitor")
	// ErrTooLongRun marks the warning for a run of actions that do not
	// wait for the visitor longer than options.maxActionsPerTurn: a turn
	// that takes it stops at the limit.
	ErrTooLongRun = errors.New("engine: more actions without waiting than a turn may run")
	// ErrCondition reports a branch condition that does not compile; the
	// problem also matches condition.ErrSyntax, ErrType or ErrNotBoolean.
	ErrCondition = errors.New("engine: invalid condition")

	// ErrUnknownFlow reports a flow ID (or version) that was not published.
	ErrUnknownFlow = errors.New("engine: unknown flow")
	// ErrUnknownConversation reports input for a conversation that was never started.
	ErrUnknownConversation = errors.New("engine: unknown conversation")
	// ErrConversationExists reports Start for a conversation that already has a session.
	ErrConversationExists = errors.New("engine: conversation already started")
	// ErrInvalidInput reports a visitor input that cannot be processed:
	// empty, too long, not valid UTF-8, or a signal no action waits for.
	ErrInvalidInput = errors.New("engine: invalid input")
	// ErrInvalidConfig reports an engine configuration that cannot work.
	ErrInvalidConfig = errors.New("engine: invalid configuration")
	// ErrActionPanicked is the cause (Event.Err) of an action that failed
	// because it panicked.
	ErrActionPanicked = errors.New("engine: action panicked")
)

// errConsentRequired is what Turn.SetProperty returns while the visitor's
// data may not be processed.
var errConsentRequired = errors.New("engine: consent required")

// errNoCompany reports a company property write for a contact without an
// associated company.
var errNoCompany = errors.New("engine: the contact has no associated company")
