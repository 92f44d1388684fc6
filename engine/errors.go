package engine

import (
	"errors"
	"strings"
)

// Sentinel errors. Errors returned by this package wrap one of them (match
// with errors.Is) and, for flow problems, are *LoadError values (errors.As).
var (
	// ErrInvalidFlow is wrapped by every problem found while loading a flow.
	ErrInvalidFlow = errors.New("engine: invalid flow")
	// ErrUnknownActionType reports an action type missing from the registry.
	ErrUnknownActionType = errors.New("engine: unknown action type")
	// ErrDuplicateAction reports two actions with one name.
	ErrDuplicateAction = errors.New("engine: duplicate action name")
	// ErrDanglingReference reports a reference to an action that does not exist.
	ErrDanglingReference = errors.New("engine: reference to a missing action")
	// ErrUnreachable marks the warning for an action nothing leads to.
	ErrUnreachable = errors.New("engine: disconnected action")
	// ErrLoop reports a cycle of actions that can run without waiting for the visitor.
	ErrLoop = errors.New("engine: loop without waiting for the visitor")
	// ErrCondition reports a branch condition that does not compile.
	ErrCondition = errors.New("engine: invalid condition")
	// ErrMissingPort reports an action that needs a port the engine lacks.
	ErrMissingPort = errors.New("engine: missing port")
	// ErrActionReferenced reports an attempt to delete an action that
	// branches or other actions still refer to.
	ErrActionReferenced = errors.New("engine: action is still referenced")

	// ErrUnknownFlow reports a flow ID (or version) that was not published.
	ErrUnknownFlow = errors.New("engine: unknown flow")
	// ErrUnknownConversation reports input for a conversation that was never started.
	ErrUnknownConversation = errors.New("engine: unknown conversation")
	// ErrConversationExists reports Start for a conversation that already has a session.
	ErrConversationExists = errors.New("engine: conversation already started")
	// ErrConversationOver reports input for a conversation whose bot part is
	// over (finished, handed off or ended); the host routes it to its inbox.
	ErrConversationOver = errors.New("engine: conversation is over")
	// ErrInvalidInput reports a visitor input that cannot be processed:
	// empty, too long, or not valid UTF-8.
	ErrInvalidInput = errors.New("engine: invalid input")
	// ErrInvalidConfig reports an engine configuration that cannot work.
	ErrInvalidConfig = errors.New("engine: invalid configuration")
)

// LoadError is one problem in a flow, found while loading or publishing it.
type LoadError struct {
	// Path is the JSON path of the culprit, e.g. "actions[3].branches[0].if".
	Path string
	// Action is the name of the action concerned, if any.
	Action string
	// Msg says what is wrong.
	Msg string
	// Err is the sentinel (ErrDuplicateAction, ErrCondition, …) or the
	// underlying error (a *condition.Error, a JSON syntax error …).
	Err error
}

// Error implements error: "actions[3] (ask_size): branches[0].if: …".
func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString("flow")
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
	}
	if e.Action != "" {
		b.WriteString(" (action ")
		b.WriteString(e.Action)
		b.WriteString(")")
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns ErrInvalidFlow and the specific error.
func (e *LoadError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrInvalidFlow}
	}
	return []error{ErrInvalidFlow, e.Err}
}

// Problems returns every *LoadError in err (which may join several).
func Problems(err error) []*LoadError {
	var out []*LoadError
	var walk func(error)
	walk = func(e error) {
		if le, ok := e.(*LoadError); ok {
			out = append(out, le)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	return out
}
