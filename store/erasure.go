package store

import (
	"context"
	"errors"
)

// ErrOptedOut reports that Subscriptions.SetState refused to opt in a
// contact who opted out, because the change was not their explicit choice.
var ErrOptedOut = errors.New("store: contact opted out")

// SubscriptionReader is an optional interface of a Subscriptions store that
// lists what it holds about a contact.
type SubscriptionReader interface {
	// SubscriptionsOf returns the contact's recorded states by
	// subscription type (types never set are absent); an unknown contact
	// has none.
	SubscriptionsOf(ctx context.Context, contactID string) (map[string]SubscriptionState, error)
}

// ListReader is an optional interface of a Lists store that lists a
// contact's memberships.
type ListReader interface {
	// ListsOf returns the IDs of the lists the contact is a member of, in
	// no particular order; an unknown contact is a member of none.
	ListsOf(ctx context.Context, contactID string) ([]string, error)
}

// WorkflowReader is an optional interface of a Workflows store that lists
// a contact's enrollments.
type WorkflowReader interface {
	// EnrollmentsOf returns the IDs of the workflows the contact is
	// enrolled in, in no particular order; an unknown contact has none.
	EnrollmentsOf(ctx context.Context, contactID string) ([]string, error)
}

// StoredTicket is a ticket as a store keeps it: its ID and what was
// created. The zero value is an empty ticket with no ID.
type StoredTicket struct {
	// ID is the ID CreateTicket returned.
	ID string `json:"id"`
	Ticket
}

// TicketReader is an optional interface of a Tickets store that lists a
// contact's tickets.
type TicketReader interface {
	// TicketsOf returns the tickets associated with the contact
	// (Ticket.ContactID), oldest first; an unknown contact has none.
	TicketsOf(ctx context.Context, contactID string) ([]StoredTicket, error)
}
