// Package action defines what one step of a bot is: the Action interface,
// the Turn an action may touch while it runs, the results and events it
// produces, the registry that maps the action types of flow JSON to Go types,
// and the built-in action types of HubSpot bots.
//
// # Writing an action type
//
// An action type is a Go struct whose exported fields are its settings, as
// they appear under "settings" in flow JSON, plus a Type entry in a Registry.
// The flow loader decodes the settings strictly into a fresh value from
// Type.New, then probes for the optional interfaces Provisioner (compile
// templates, check settings), Referrer (action names the settings refer to),
// PortUser (ports the engine must provide) and Blocker (whether the action
// always waits for the visitor). After loading, an action value is never
// modified: the same value serves every conversation at once, so Run and
// Answer must keep per-conversation data in the Turn (SetState, SetAnswer),
// never in the struct.
package action

import (
	"context"
	"time"

	"github.com/chatflow/chatflow/condition"
)

// Action is one step of a bot. Run is called when the conversation reaches
// the action. Implementations must be safe for concurrent use.
type Action interface {
	Run(ctx context.Context, t Turn) (Result, error)
}

// Answerer is implemented by actions that wait for the visitor. When Run (or
// an earlier Answer) returns Wait, the visitor's next input is passed to
// Answer.
type Answerer interface {
	Action
	Answer(ctx context.Context, t Turn, in Input) (Result, error)
}

// SignalReceiver is implemented by waiting actions that take host signals
// (Input.Signal), such as a booking reported by the host. The engine
// refuses a signal the waiting action does not accept.
type SignalReceiver interface {
	AcceptsSignal(name string) bool
}

// Provisioner is implemented by actions that prepare themselves after
// decoding: compile templates, check settings. Errors should be *SettingError
// values so the loader can name the JSON path.
type Provisioner interface {
	Provision(p *Provision) error
}

// Referrer is implemented by actions whose settings name other actions (for
// example a quick reply that jumps to an action). The loader checks that each
// exists and counts them as edges when it looks for disconnected actions.
type Referrer interface {
	References() []Reference
}

// PortUser is implemented by actions that need a port from the engine
// (tickets, lists, …). The engine refuses to publish a flow whose actions
// need a port it was not given.
type PortUser interface {
	Ports() []Port
}

// Blocker is implemented by actions that, whenever they run, wait for the
// visitor. The loader uses it to reject cycles that could run without
// waiting. Actions that do not implement it are assumed not to wait.
type Blocker interface {
	AlwaysWaits() bool
}

// DynamicNext is implemented by actions that may choose their next action at
// run time by name (a webhook's nextModuleNickname). Every action of a flow
// that contains one is considered reachable.
type DynamicNext interface {
	ChoosesNext() bool
}

// Reference is an action name found in an action's settings.
type Reference struct {
	// Path is the JSON path of the reference, relative to the settings.
	Path string
	// Name is the action name referred to.
	Name string
}

// Provision is what Provisioner.Provision receives.
type Provision struct {
	// Env compiles conditions and templates.
	Env *condition.Env
	// ActionName is the action's name in the flow.
	ActionName string
	// Language is the flow's language (BCP 47, e.g. "en", "nl").
	Language string
}

// Template compiles a message template, wrapping errors with the settings
// path so the loader can report where the problem is.
func (p *Provision) Template(path, text string) (*condition.Template, error) {
	t, err := p.Env.CompileTemplate(text)
	if err != nil {
		return nil, &SettingError{Path: path, Err: err}
	}
	return t, nil
}

// Condition compiles a boolean condition like Template.
func (p *Provision) Condition(path, expr string) (*condition.Condition, error) {
	c, err := p.Env.Compile(expr)
	if err != nil {
		return nil, &SettingError{Path: path, Err: err}
	}
	return c, nil
}

// SettingError reports a problem in an action's settings. Path is relative
// to the settings object, e.g. "quickReplies[2].value".
type SettingError struct {
	Path string
	Err  error
}

// Error implements error.
func (e *SettingError) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	return e.Path + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *SettingError) Unwrap() error { return e.Err }

// Input is what the visitor sent: free text, or the value of a clicked quick
// reply.
type Input struct {
	// Text is the typed text; empty when a quick reply was clicked.
	Text string
	// QuickReply is the value of the clicked quick reply, if any.
	QuickReply string
	// Signal is a host event for the waiting action instead of a visitor
	// message, e.g. SignalMeetingBooked.
	Signal string
	// MessageID is the host's ID of the visitor's message.
	MessageID string
	// Time is when the visitor sent it.
	Time time.Time
}

// Value returns the quick reply's value if one was clicked, else the text.
func (in Input) Value() string {
	if in.QuickReply != "" {
		return in.QuickReply
	}
	return in.Text
}

// Status is how an action ended its part of the turn.
type Status int

const (
	// Done means the action completed: the engine follows its branches, then
	// its default next.
	Done Status = iota
	// Wait means the action waits for the visitor's next input, which goes
	// to its Answer method.
	Wait
	// Skip means the action did nothing (Result.Reason says why); the engine
	// moves on as after Done.
	Skip
	// Fail means the action could not do its work: the engine follows its
	// failure path, or shows the general error message and ends the bot part
	// of the conversation.
	Fail
	// End means the bot part of the conversation is over, e.g. after a
	// handover to a person (Result.Handoff says to whom).
	End
)

// String returns the status name.
func (s Status) String() string {
	switch s {
	case Done:
		return "done"
	case Wait:
		return "wait"
	case Skip:
		return "skip"
	case Fail:
		return "fail"
	case End:
		return "end"
	}
	return "unknown"
}

// Result is what an action returns from Run or Answer.
type Result struct {
	// Status says how the action ended its part of the turn.
	Status Status
	// Next, if set, names the next action and takes precedence over branches
	// and the default next. The engine checks that it exists and fails the
	// action if it does not.
	Next string
	// Reason explains a Skip or a Fail; it appears in the event.
	Reason string
	// Handoff describes the handover when Status is End.
	Handoff *Handoff
}

// Handoff tells the host where a conversation goes after the bot.
type Handoff struct {
	// Kind is "team" (people), "agent" (an AI agent) or another host-defined kind.
	Kind string `json:"kind"`
	// UserIDs and TeamIDs are the users and teams the conversation is assigned to.
	UserIDs []string `json:"userIds,omitempty"`
	TeamIDs []string `json:"teamIds,omitempty"`
	// Unassigned is true when the conversation goes to the inbox unassigned.
	Unassigned bool `json:"unassigned,omitempty"`
	// Note is free text for the host (e.g. the agent's instructions).
	Note string `json:"note,omitempty"`
}
