package builtin

import (
	"context"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/targeting/availability"
)

// SendToAgentType is the type name of SendToAgent in flow JSON.
const SendToAgentType = "send_to_agent"

// EventAgentUnavailable reports that Send to customer agent could not hand
// the conversation to the agent and routes it to people instead. Reason
// says why: outside office hours, the agent is not available, or the Agents
// port failed.
const EventAgentUnavailable action.EventType = "agent_unavailable"

// AgentMode is how the AI customer agent takes over the conversation.
type AgentMode string

// The agent modes.
const (
	// AnswerLastQuestion: the agent answers the visitor's most recent
	// message, continuing from the conversation history.
	AnswerLastQuestion AgentMode = "answer_last_question"
	// ReplyWithMessage: the bot sends a given message at the moment of the
	// handover, whatever the conversation was about; the agent handles
	// what the visitor writes next.
	ReplyWithMessage AgentMode = "reply_with_message"
	// AnswerInContext: the agent answers in the context of the
	// conversation, steered by given instructions.
	AnswerInContext AgentMode = "answer_in_context"
)

// SendToAgent hands the conversation to the AI customer agent (SPEC §3.10),
// or, when the agent is unavailable, to people.
//
//	{"type": "send_to_agent", "settings": {"mode": "answer_last_question"}}
//
//	{"type": "send_to_agent", "settings": {
//	  "mode": "reply_with_message",
//	  "message": ["Hi {{ contact.firstname | default(\"there\") }}, our assistant takes it from here."]}}
//
//	{"type": "send_to_agent", "settings": {
//	  "mode": "answer_in_context",
//	  "instructions": "Help the visitor pick a plan based on their question about {{ answers.ask_topic }}.",
//	  "respectOfficeHours": true,
//	  "officeHours": {"timeZone": "America/New_York",
//	                  "hours": {"monday": [{"from": "08:00", "to": "20:00"}]}},
//	  "ifUnavailable": {"assign": "users_and_teams", "teamIds": ["support"],
//	                    "availableMessage": ["Connecting you with our team."],
//	                    "awayMessage": ["We're away; we'll reply by email."]}}}
//
// The agent takes over when the Agents port reports it available and, with
// respectOfficeHours, only within the office hours. The action then ends the
// bot part of the conversation with a Handoff of kind "agent" whose Note is
// the rendered instructions (answer_in_context) or the mode's name (the
// other modes); with reply_with_message the message is sent first.
//
// The library keeps no transcript: the session does not grow with the
// conversation, and the conversation history the agent reads is the host's.
// The visitor's most recent message, the one an answer_last_question agent
// answers, is the input of the Handle call whose reply carries the handoff
// (action.Turn.Input).
//
// Otherwise it emits EventAgentUnavailable and hands the conversation to
// people as set by "ifUnavailable" (a TeamRouting: nobody, which is the
// default, specific users and teams, or the contact owner, with its
// messages). That routing respects the office hours whenever they are set,
// like Send to team member. An error from the Agents port counts as the
// agent being unavailable, so the visitor still reaches a person.
//
// The action needs the Agents port, and the Directory port unless
// "ifUnavailable" assigns nobody.
type SendToAgent struct {
	// Mode is "answer_last_question", "reply_with_message" or
	// "answer_in_context".
	Mode AgentMode `json:"mode"`
	// Message is sent at the handover (reply_with_message only).
	Message action.Messages `json:"message,omitempty"`
	// Instructions steer the agent's answer (answer_in_context only). It is
	// a template, rendered when the action runs.
	Instructions string `json:"instructions,omitempty"`
	// RespectOfficeHours hands over to the agent only within OfficeHours.
	RespectOfficeHours bool `json:"respectOfficeHours,omitempty"`
	// OfficeHours are the chat's office hours; nil means 24/7.
	OfficeHours *availability.Schedule `json:"officeHours,omitempty"`
	// IfUnavailable routes the conversation to people when the agent does
	// not take it.
	IfUnavailable TeamRouting `json:"ifUnavailable"`

	svc          *services
	hours        *availability.OfficeHours
	instructions *condition.Template
}

// Provision checks the settings and compiles the instructions and the
// office hours.
func (a *SendToAgent) Provision(p action.Provision) error {
	if err := require(p, a.svc.ports.Agents != nil, "the AI agent's availability (Ports.Agents)"); err != nil {
		return err
	}
	switch a.Mode {
	case AnswerLastQuestion, ReplyWithMessage, AnswerInContext:
	case "":
		return p.Errorf("mode", "missing mode (want %q, %q or %q)", AnswerLastQuestion, ReplyWithMessage, AnswerInContext)
	default:
		return p.Errorf("mode", "unknown mode %q (want %q, %q or %q)", a.Mode, AnswerLastQuestion, ReplyWithMessage, AnswerInContext)
	}
	if a.Mode == ReplyWithMessage {
		if len(a.Message) == 0 {
			return p.Errorf("message", "mode %q needs a message", ReplyWithMessage)
		}
	} else if len(a.Message) > 0 {
		return p.Errorf("message", "message is only used with mode %q", ReplyWithMessage)
	}
	if a.Mode == AnswerInContext {
		if a.Instructions == "" {
			return p.Errorf("instructions", "mode %q needs instructions", AnswerInContext)
		}
		t, err := p.Template("instructions", a.Instructions)
		if err != nil {
			return err
		}
		a.instructions = t
	} else if a.Instructions != "" {
		return p.Errorf("instructions", "instructions are only used with mode %q", AnswerInContext)
	}
	if a.RespectOfficeHours && a.OfficeHours == nil {
		return p.Errorf("respectOfficeHours", "respecting office hours needs officeHours")
	}
	h, err := compileHours(a.OfficeHours, "officeHours")
	if err != nil {
		return err
	}
	a.hours = h
	return a.IfUnavailable.provision(p, "ifUnavailable")
}

// Hours returns the office hours the agent respects, or nil when it takes
// conversations at any time (respectOfficeHours off). The engine gates the
// `available` variable of a branch that leads here with them.
func (a *SendToAgent) Hours() *availability.OfficeHours {
	if !a.RespectOfficeHours {
		return nil
	}
	return a.hours
}

// Run hands the conversation to the agent, or to people when the agent is
// unavailable.
func (a *SendToAgent) Run(ctx context.Context, t action.Turn) (action.Result, error) {
	why := a.unavailable(ctx, t)
	if why != "" {
		t.Emit(action.Event{Type: EventAgentUnavailable, Reason: why})
		return a.IfUnavailable.route(ctx, t, a.hours)
	}
	h := &action.Handoff{Kind: action.HandoffAgent, Outcome: string(a.Mode)}
	switch a.Mode {
	case ReplyWithMessage:
		t.Say(a.Message)
	case AnswerInContext:
		h.Instructions = t.Render(a.instructions)
	}
	t.Emit(action.Event{Type: EventRouted, Value: string(a.Mode), Reason: "handed to the agent"})
	return action.Result{Status: action.End, Reason: "handed to the agent (" + string(a.Mode) + ")", Handoff: h}, nil
}

// unavailable says why the agent cannot take the conversation now, or ""
// when it can.
func (a *SendToAgent) unavailable(ctx context.Context, t action.Turn) string {
	if now := t.Session().Now; a.RespectOfficeHours && !a.hours.Open(now) {
		return closedReason(a.hours, now)
	}
	ok, err := a.svc.ports.Agents.Available(ctx)
	switch {
	case err != nil:
		return "agent availability: " + err.Error()
	case !ok:
		return "the agent is not available"
	}
	return ""
}
