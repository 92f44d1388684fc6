package action

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/chatflow/chatflow/condition"
)

// SubmitTicketType is the type name of SubmitTicket in flow JSON.
const SubmitTicketType = "submit_ticket"

// EventTicketCreated is emitted with the new ticket's ID as Value.
const EventTicketCreated EventType = "ticket_created"

// SubmitTicket creates a ticket for the visitor's contact (SPEC §3.7). The
// description is fixed text (a template), or the visitor is prompted for a
// summary of their problem, which makes the action wait for the answer. The
// ticket's ID becomes the action's answer, so later actions and templates
// can use it as answers.<action name>. Skipped when the visitor is not a
// known contact.
//
//	{"type": "submit_ticket", "settings": {
//	  "name": "Chat: {{ contact.email }}", "pipeline": "support", "status": "new",
//	  "priority": "HIGH", "descriptionPrompt": ["Please describe the problem."]}}
type SubmitTicket struct {
	// Name is the ticket's name, a template.
	Name string `json:"name"`
	// Pipeline and Status place the ticket.
	Pipeline string `json:"pipeline"`
	Status   string `json:"status"`
	// Priority is "HIGH" or "LOW" (or empty).
	Priority string `json:"priority,omitempty"`
	// Description is fixed text, a template.
	Description string `json:"description,omitempty"`
	// DescriptionPrompt, if set, asks the visitor for the description.
	DescriptionPrompt Messages `json:"descriptionPrompt,omitempty"`

	name, desc *condition.Template
}

// Provision checks the settings and compiles the templates.
func (a *SubmitTicket) Provision(p *Provision) error {
	var err error
	if strings.TrimSpace(a.Name) == "" {
		return &SettingError{Path: "name", Err: errors.New("missing ticket name")}
	}
	if err := requireID("pipeline", a.Pipeline); err != nil {
		return err
	}
	if err := requireID("status", a.Status); err != nil {
		return err
	}
	switch a.Priority {
	case "", "HIGH", "LOW":
	default:
		return &SettingError{Path: "priority", Err: fmt.Errorf("%q is not HIGH or LOW", a.Priority)}
	}
	if a.Description != "" && len(a.DescriptionPrompt) > 0 {
		return &SettingError{Path: "descriptionPrompt", Err: errors.New("set a fixed description or a prompt, not both")}
	}
	if a.name, err = p.Template("name", a.Name); err != nil {
		return err
	}
	if a.desc, err = p.Template("description", a.Description); err != nil {
		return err
	}
	return a.DescriptionPrompt.Provision(p, "descriptionPrompt")
}

// Ports returns the tickets port.
func (a *SubmitTicket) Ports() []Port { return []Port{PortTickets} }

// Run creates the ticket, or prompts for the description first.
func (a *SubmitTicket) Run(ctx context.Context, t Turn) (Result, error) {
	if t.ContactID() == "" {
		return Result{Status: Skip, Reason: ReasonNoContact}, nil
	}
	if len(a.DescriptionPrompt) > 0 {
		t.Say(a.DescriptionPrompt)
		t.Prompt(nil, true)
		return Result{Status: Wait}, nil
	}
	return a.create(ctx, t, t.Render(a.desc))
}

// Answer takes the visitor's description and creates the ticket.
func (a *SubmitTicket) Answer(ctx context.Context, t Turn, in Input) (Result, error) {
	desc := strings.TrimSpace(in.Value())
	if desc == "" {
		t.Emit(Event{Type: EventAnswerRejected, Reason: "empty description"})
		t.Say(a.DescriptionPrompt)
		t.Prompt(nil, true)
		return Result{Status: Wait}, nil
	}
	return a.create(ctx, t, desc)
}

func (a *SubmitTicket) create(ctx context.Context, t Turn, desc string) (Result, error) {
	id, err := t.Ports().Tickets.CreateTicket(ctx, t.IdempotencyKey(), Ticket{
		Name: t.Render(a.name), Pipeline: a.Pipeline, Status: a.Status, Priority: a.Priority,
		Description: desc, ContactID: t.ContactID(), ConversationID: t.ConversationID(),
	})
	if err != nil {
		return Result{Status: Fail, Reason: "creating the ticket: " + err.Error()}, nil
	}
	t.SetAnswer(id)
	t.Emit(Event{Type: EventTicketCreated, Value: id})
	return Result{Status: Done}, nil
}
