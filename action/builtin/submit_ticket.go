package builtin

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/store"
)

// SubmitTicketType is the type name of SubmitTicket in flow JSON.
const SubmitTicketType = "submit_ticket"

// EventTicketCreated is emitted with the new ticket's ID as Value.
const EventTicketCreated action.EventType = "ticket_created"

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
	Priority store.TicketPriority `json:"priority,omitempty"`
	// Description is fixed text, a template.
	Description string `json:"description,omitempty"`
	// DescriptionPrompt, if set, asks the visitor for the description.
	DescriptionPrompt action.Messages `json:"descriptionPrompt,omitempty"`
	// OwnerID is the ticket owner, a user ID (seed 004's "ticket owner").
	OwnerID string `json:"ownerId,omitempty"`
	// OwnerFromContact makes the contact's owner (the hubspot_owner_id
	// property) the ticket owner when the contact has one; OwnerID is then
	// the fallback.
	OwnerFromContact bool `json:"ownerFromContact,omitempty"`
	// UserIDs and TeamIDs are the users and teams incoming tickets are
	// assigned to (seed 002's "assign incoming tickets"); the host's help
	// desk gives the ticket to one of them.
	UserIDs []string `json:"userIds,omitempty"`
	TeamIDs []string `json:"teamIds,omitempty"`

	svc        *services
	name, desc *condition.Template
}

// Provision checks the settings and compiles the templates.
func (a *SubmitTicket) Provision(p action.Provision) error {
	var err error
	if err := require(p, a.svc.stores.Tickets != nil, "a tickets store (Stores.Tickets)"); err != nil {
		return err
	}
	if strings.TrimSpace(a.Name) == "" {
		return p.Errorf("name", "missing ticket name")
	}
	if err := requireID(p, "pipeline", a.Pipeline); err != nil {
		return err
	}
	if err := requireID(p, "status", a.Status); err != nil {
		return err
	}
	switch a.Priority {
	case "", store.TicketHigh, store.TicketLow:
	default:
		return p.Errorf("priority", "%q is not HIGH or LOW", a.Priority)
	}
	if a.OwnerID != "" && strings.TrimSpace(a.OwnerID) != a.OwnerID {
		return p.Errorf("ownerId", "%q has surrounding spaces", a.OwnerID)
	}
	if err := checkIDs(p, a.UserIDs, "userIds"); err != nil {
		return err
	}
	if err := checkIDs(p, a.TeamIDs, "teamIds"); err != nil {
		return err
	}
	if a.Description != "" && len(a.DescriptionPrompt) > 0 {
		return p.Errorf("descriptionPrompt", "set a fixed description or a prompt, not both")
	}
	if a.name, err = p.Template("name", a.Name); err != nil {
		return err
	}
	if a.desc, err = p.Template("description", a.Description); err != nil {
		return err
	}
	return nil
}

// Run creates the ticket, or prompts for the description first.
func (a *SubmitTicket) Run(ctx context.Context, t action.Turn) (action.Result, error) {
	if t.Session().ContactID == "" {
		return action.Result{Status: action.Skip, Reason: ReasonNoContact}, nil
	}
	if len(a.DescriptionPrompt) > 0 {
		t.Say(a.DescriptionPrompt)
		t.Prompt(nil, true)
		return action.Result{Status: action.Wait}, nil
	}
	return a.create(ctx, t, t.Render(a.desc))
}

// Answer takes the visitor's description and creates the ticket.
func (a *SubmitTicket) Answer(ctx context.Context, t action.Turn, in action.Input) (action.Result, error) {
	desc := strings.TrimSpace(in.Value())
	if desc == "" {
		t.Emit(action.Event{Type: EventAnswerRejected, Reason: "empty description"})
		t.Say(a.DescriptionPrompt)
		t.Prompt(nil, true)
		return action.Result{Status: action.Wait}, nil
	}
	return a.create(ctx, t, desc)
}

func (a *SubmitTicket) create(ctx context.Context, t action.Turn, desc string) (action.Result, error) {
	sess := t.Session()
	owner := a.OwnerID
	if a.OwnerFromContact {
		if v, ok := t.Property(action.ContactObject, OwnerProperty); ok {
			owner = v
		}
	}
	id, err := a.svc.stores.Tickets.CreateTicket(ctx, t.IdempotencyKey(), store.Ticket{
		Name: t.Render(a.name), Pipeline: a.Pipeline, Status: a.Status, Priority: a.Priority,
		Description: desc, ContactID: sess.ContactID, ConversationID: sess.ConversationID,
		OwnerID: owner, UserIDs: slices.Clone(a.UserIDs), TeamIDs: slices.Clone(a.TeamIDs),
	})
	if err != nil {
		return action.Result{}, fmt.Errorf("creating the ticket: %w", err)
	}
	t.SetAnswer(id)
	t.Emit(action.Event{Type: EventTicketCreated, Value: id})
	return action.Result{Status: action.Done}, nil
}
