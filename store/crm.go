package store

import (
	"context"
	"slices"
)

// SubscriptionState is a contact's state for one subscription type. The
// zero value, "", is not a state; stores report NotOptedInOrOut for a
// contact whose state was never set.
type SubscriptionState string

// The subscription states.
const (
	NotOptedInOrOut SubscriptionState = "not_opted_in_or_out"
	OptedIn         SubscriptionState = "opted_in"
	OptedOut        SubscriptionState = "opted_out"
)

// Subscriptions keeps contacts' email subscription states (their consent to
// be sent communications of a type).
type Subscriptions interface {
	// State returns the contact's state for a subscription type
	// (NotOptedInOrOut when never set).
	State(ctx context.Context, contactID, subscriptionType string) (SubscriptionState, error)
	// SetState records a new state. Implementations must refuse (return an
	// error, which should match ErrOptedOut, and change nothing) to move an
	// opted-out contact to opted in unless explicit is true: a visitor's
	// explicit choice.
	SetState(ctx context.Context, contactID, subscriptionType string, state SubscriptionState, explicit bool) error
}

// Lists adds contacts to static lists.
type Lists interface {
	// AddToList adds the contact to the list; adding a member again is not
	// an error. ErrNotFound reports an unknown list.
	AddToList(ctx context.Context, listID, contactID string) error
}

// Workflows enrolls contacts in workflows.
type Workflows interface {
	// Enroll enrolls the contact in the workflow; enrolling again is not an
	// error. ErrNotFound reports an unknown or inactive workflow.
	Enroll(ctx context.Context, workflowID, contactID string) error
}

// TicketPriority is a ticket's priority. The zero value, "", means the
// ticket has none.
type TicketPriority string

// The ticket priorities.
const (
	TicketHigh TicketPriority = "HIGH"
	TicketLow  TicketPriority = "LOW"
)

// Ticket is a support ticket to create. The zero value is an empty ticket.
type Ticket struct {
	// Name is the ticket's subject.
	Name string `json:"name"`
	// Pipeline and Status are the ID of the ticket pipeline and of the
	// pipeline stage the ticket starts in.
	Pipeline string `json:"pipeline"`
	Status   string `json:"status"`
	// Priority is TicketHigh, TicketLow or "" for none.
	Priority TicketPriority `json:"priority,omitempty"`
	// Description is the ticket's text.
	Description string `json:"description,omitempty"`
	// ContactID and ConversationID are the contact and the conversation the
	// ticket is associated with.
	ContactID      string `json:"contactId"`
	ConversationID string `json:"conversationId"`
	// OwnerID is the user who owns the ticket; "" means none, which leaves
	// it to UserIDs and TeamIDs or to the help desk's own rules.
	OwnerID string `json:"ownerId,omitempty"`
	// UserIDs and TeamIDs are the users and teams incoming tickets are
	// assigned to (seed 002's "assign incoming tickets"): the host's help
	// desk gives the ticket to one of them, e.g. round robin. nil and
	// empty are the same.
	UserIDs []string `json:"userIds,omitempty"`
	TeamIDs []string `json:"teamIds,omitempty"`
}

// Clone returns a copy of t that shares no memory with it.
func (t Ticket) Clone() Ticket {
	t.UserIDs = slices.Clone(t.UserIDs)
	t.TeamIDs = slices.Clone(t.TeamIDs)
	return t
}

// Tickets creates tickets.
type Tickets interface {
	// CreateTicket creates a ticket and returns its ID. A second call with
	// the same idempotency key must return the first ticket's ID without
	// creating another.
	CreateTicket(ctx context.Context, idempotencyKey string, t Ticket) (id string, err error)
}

// MeetingLink is a meeting-scheduling link. The zero value is a link with
// no URL.
type MeetingLink struct {
	// URL is where a visitor books a meeting.
	URL string `json:"url"`
	// CustomFields are the booking form's fields beyond first name, last
	// name and email.
	CustomFields []string `json:"customFields,omitempty"`
	// AvailableSoon reports whether the link has times available soon.
	AvailableSoon bool `json:"availableSoon"`
	// Captcha and PrivacyConsent report the link's switches.
	Captcha        bool `json:"captcha,omitempty"`
	PrivacyConsent bool `json:"privacyConsent,omitempty"`
}

// Meetings resolves meeting links.
type Meetings interface {
	// Link returns a meeting link by ID, or ErrNotFound.
	Link(ctx context.Context, linkID string) (MeetingLink, error)
}
