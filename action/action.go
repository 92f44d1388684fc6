// Package action is the contract between the chatflow engine and the action
// types a flow is made of, as database/sql/driver is the contract between
// database/sql and its drivers. It holds what an author of an action type
// needs and nothing else: the Action interface and its two optional
// interfaces, the Turn an action sees while it runs, the Provision step at
// load time, results, messages, quick replies and events.
//
// The fourteen action types of HubSpot bots live in package
// action/builtin; the engine registers them by default. A host adds its own
// types through engine.Config.Actions.
//
// # Writing an action type
//
// An action type is a Go struct whose exported fields are its settings, as
// they appear under "settings" in flow JSON, plus a Type that names it:
//
//	type Greet struct {
//		Message action.Messages `json:"message"`
//	}
//
//	func (g *Greet) Run(ctx context.Context, t action.Turn) (action.Result, error) {
//		t.Say(g.Message)
//		return action.Result{Status: action.Done}, nil
//	}
//
//	var GreetType = action.Type{Name: "greet", New: func() action.Action { return new(Greet) }}
//
// The loader decodes the settings strictly into a fresh value from Type.New,
// compiles the templates of every Messages field it finds in the settings
// (at any depth, so a message can never reach a visitor as raw {{ … }}
// text), then calls Provision if the type implements Provisioner: the place
// to check settings, compile other templates and conditions, and declare
// what the loader must know (references to other actions, always waiting
// for the visitor, signals taken). Services the action needs (an API
// client, a database) are the host's own values: capture them in the
// Type.New closure.
//
// After loading, an action value is never modified: the same value serves
// every conversation at once, so Run and Answer must keep per-conversation
// data in the Turn (SetState, SetAnswer), never in the struct.
package action

import (
	"context"
	"errors"
	"time"
)

// Action is one step of a bot. Run is called when the conversation reaches
// the action. Implementations must be safe for concurrent use.
//
// Errors and failures are different things, as in database/sql. A
// Result{Status: Fail} is the conversation's failure, which a retry would
// meet again (an unknown list, a webhook that answered 500, an answer that
// never validated): the engine follows the action's failure path. An error
// return is a failure of the host's systems (a store or a network that is
// down, a cancelled context): the engine abandons the turn, saves nothing
// and returns the error from Handle, so the host can retry the message. A
// panic is recovered and treated as Fail.
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

// Provisioner is implemented by actions that prepare themselves after their
// settings are decoded: check settings, compile templates and conditions,
// declare references (see Provision). Return p.Errorf errors so the loader
// can name the JSON path.
type Provisioner interface {
	Provision(p Provision) error
}

// Type registers an action type under the name flow JSON uses for it.
type Type struct {
	// Name is the type's ID in flow JSON ("type": "ask_question").
	Name string
	// Doc is a one-line description.
	Doc string
	// New returns a new, zero-valued action whose settings the loader then
	// decodes into. It must not have side effects; it may capture the
	// services the action uses.
	New func() Action
}

// Input is what the visitor sent: free text, or the value of a clicked quick
// reply, or a host signal.
type Input struct {
	// Text is the typed text; empty when a quick reply was clicked.
	Text string
	// QuickReply is the value of the clicked quick reply, if any.
	QuickReply string
	// Signal is a host event for the waiting action instead of a visitor
	// message, such as a booked meeting; only an action that declared it
	// with Provision.AcceptSignal receives it.
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
	// and the default next. The engine fails the action when the flow has
	// no action of that name.
	Next string
	// Reason explains a Skip or a Fail in words; it appears in the event.
	Reason string
	// Err is the cause of a Fail, for the host to match with errors.Is and
	// errors.As (the built-in actions' sentinels, a store's error, a
	// context's deadline); the engine passes it on in the action_failed
	// event's Err. nil means the cause is only known as Reason. It is
	// ignored unless Status is Fail.
	Err error
	// Handoff describes the handover when Status is End.
	Handoff *Handoff
}

// HandoffKind says who takes a conversation over from the bot.
type HandoffKind string

// The handoff kinds of the built-in actions; a host action may use its own.
const (
	// HandoffTeam: people (users and teams of the host's inbox).
	HandoffTeam HandoffKind = "team"
	// HandoffAgent: the AI customer agent.
	HandoffAgent HandoffKind = "agent"
)

// Handoff tells the host where a conversation goes after the bot.
type Handoff struct {
	// Kind says who takes over.
	Kind HandoffKind `json:"kind"`
	// UserIDs and TeamIDs are the users and teams the conversation is assigned to.
	UserIDs []string `json:"userIds,omitempty"`
	TeamIDs []string `json:"teamIds,omitempty"`
	// Unassigned is true when the conversation goes to the inbox unassigned.
	Unassigned bool `json:"unassigned,omitempty"`
	// Outcome is how the handover was decided: for people, the routing
	// outcome that chose the visitor's message (see package
	// action/builtin: "available", "away", "outside_office_hours" …); for
	// the AI agent, its mode.
	Outcome string `json:"outcome,omitempty"`
	// Instructions steer the AI agent's answer (agent handoffs in the
	// answer-in-context mode), rendered for this conversation.
	Instructions string `json:"instructions,omitempty"`
	// Inbox is where the conversation goes: the handing action's inbox,
	// else the flow's (the engine fills it in), else nil for the host's
	// default.
	Inbox *Inbox `json:"inbox,omitempty"`
}

// Inbox names where a handed-off conversation is received: one of the
// host's conversation inboxes, or its help desk (seeds 001 and 002: a
// chatflow is connected to an inbox or to the help desk). The zero value
// names nothing.
type Inbox struct {
	// ID is the inbox's ID as the host knows it. With HelpDesk it may name
	// one of several help desks, or be empty for the only one.
	ID string `json:"id,omitempty"`
	// HelpDesk is true when the help desk receives the conversation
	// rather than a conversation inbox.
	HelpDesk bool `json:"helpDesk,omitempty"`
}

// Check reports an Inbox that names nothing.
func (i *Inbox) Check() error {
	if i != nil && i.ID == "" && !i.HelpDesk {
		return errors.New("an inbox needs an id, or helpDesk")
	}
	return nil
}
