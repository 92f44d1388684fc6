package action

import (
	"context"
	"net/http"
	"time"

	"github.com/chatflow/chatflow/targeting/availability"
)

// Port names a host-provided service an action needs.
type Port string

// The ports of the built-in actions.
const (
	PortCompanies     Port = "companies"      // the engine's companies store
	PortSubscriptions Port = "subscriptions"  // Ports.Subscriptions
	PortLists         Port = "lists"          // Ports.Lists
	PortWorkflows     Port = "workflows"      // Ports.Workflows
	PortTickets       Port = "tickets"        // Ports.Tickets
	PortKnowledgeBase Port = "knowledge_base" // Ports.KnowledgeBase
	PortDirectory     Port = "directory"      // Ports.Directory
	PortAgents        Port = "agents"         // Ports.Agents
	PortMeetings      Port = "meetings"       // Ports.Meetings
	PortSnippets      Port = "snippets"       // Ports.Snippets
)

// Ports holds the host's services that actions use beyond the contact and
// session stores. A nil field means the host did not provide that service;
// the engine refuses to publish flows whose actions need it. The zero value
// provides nothing. Every implementation must be safe for concurrent use.
type Ports struct {
	// Subscriptions keeps email subscription (consent to communicate) states.
	Subscriptions Subscriptions
	// Lists adds contacts to static lists.
	Lists Lists
	// Workflows enrolls contacts in workflows.
	Workflows Workflows
	// Tickets creates support tickets.
	Tickets Tickets
	// KnowledgeBase finds help articles.
	KnowledgeBase KnowledgeBaseService
	// Directory knows users, teams, their availability and office hours.
	Directory availability.Directory
	// Agents reports whether the AI customer agent is available.
	Agents Agents
	// Meetings resolves meeting links.
	Meetings Meetings
	// Snippets are the host's code snippets by name.
	Snippets map[string]Snippet
	// Webhooks configures the HTTP calls of the webhook action; nil means
	// DefaultWebhookPolicy. It needs no Has check: webhooks always work.
	Webhooks *WebhookPolicy
	// Extra holds services of host-defined action types, by port name.
	Extra map[Port]any
}

// Has reports whether the port is provided.
func (p *Ports) Has(name Port) bool {
	if p == nil {
		return false
	}
	switch name {
	case PortSubscriptions:
		return p.Subscriptions != nil
	case PortLists:
		return p.Lists != nil
	case PortWorkflows:
		return p.Workflows != nil
	case PortTickets:
		return p.Tickets != nil
	case PortKnowledgeBase:
		return p.KnowledgeBase != nil
	case PortDirectory:
		return p.Directory != nil
	case PortAgents:
		return p.Agents != nil
	case PortMeetings:
		return p.Meetings != nil
	case PortSnippets:
		return p.Snippets != nil
	}
	_, ok := p.Extra[name]
	return ok
}

// SubscriptionState is a contact's state for one subscription type.
type SubscriptionState string

// The subscription states.
const (
	NotOptedInOrOut SubscriptionState = "not_opted_in_or_out"
	OptedIn         SubscriptionState = "opted_in"
	OptedOut        SubscriptionState = "opted_out"
)

// Subscriptions keeps contacts' email subscription states.
type Subscriptions interface {
	// State returns the contact's state for a subscription type
	// (NotOptedInOrOut when never set).
	State(ctx context.Context, contactID, subscriptionType string) (SubscriptionState, error)
	// SetState records a new state. Implementations must refuse (return an
	// error) to move an opted-out contact to opted in unless explicit is
	// true: a visitor's explicit choice.
	SetState(ctx context.Context, contactID, subscriptionType string, state SubscriptionState, explicit bool) error
}

// Lists adds contacts to static lists.
type Lists interface {
	// AddToList adds the contact to the list; adding a member again is not
	// an error. store.ErrNotFound reports an unknown list.
	AddToList(ctx context.Context, listID, contactID string) error
}

// Workflows enrolls contacts in workflows.
type Workflows interface {
	// Enroll enrolls the contact in the workflow; enrolling again is not an
	// error. store.ErrNotFound reports an unknown or inactive workflow.
	Enroll(ctx context.Context, workflowID, contactID string) error
}

// Ticket is a support ticket to create.
type Ticket struct {
	Name           string `json:"name"`
	Pipeline       string `json:"pipeline"`
	Status         string `json:"status"`
	Priority       string `json:"priority,omitempty"` // "HIGH" or "LOW"
	Description    string `json:"description,omitempty"`
	ContactID      string `json:"contactId"`
	ConversationID string `json:"conversationId"`
}

// Tickets creates tickets.
type Tickets interface {
	// CreateTicket creates a ticket and returns its ID. A second call with
	// the same idempotency key must return the first ticket's ID without
	// creating another.
	CreateTicket(ctx context.Context, idempotencyKey string, t Ticket) (id string, err error)
}

// Article is a knowledge-base article.
type Article struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Subtitle    string   `json:"subtitle,omitempty"`
	Body        string   `json:"body,omitempty"`
	Category    string   `json:"category,omitempty"`
	Subcategory string   `json:"subcategory,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	URL         string   `json:"url"`
	// Restricted articles are shown only to identified visitors.
	Restricted bool `json:"restricted,omitempty"`
}

// SearchOptions narrow a knowledge-base search.
type SearchOptions struct {
	// Limit is the most results to return; 0 means 5.
	Limit int
	// IncludeRestricted allows restricted articles (identified visitors only).
	IncludeRestricted bool
}

// KnowledgeBaseService finds articles.
type KnowledgeBaseService interface {
	// Article returns one article, or store.ErrNotFound.
	Article(ctx context.Context, id string) (Article, error)
	// Search returns the articles most relevant to the query, best first.
	Search(ctx context.Context, query string, opts SearchOptions) ([]Article, error)
}

// Agents reports on the AI customer agent.
type Agents interface {
	// Available reports whether the agent can take a conversation now.
	Available(ctx context.Context) (bool, error)
}

// MeetingLink is a meeting-scheduling link.
type MeetingLink struct {
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
	// Link returns a meeting link by ID, or store.ErrNotFound.
	Link(ctx context.Context, linkID string) (MeetingLink, error)
}

// Snippet is a host-registered code snippet: Go code run at a step of the
// conversation with HubSpot's snippet contract (see package action's
// webhook and snippet actions).
type Snippet func(ctx context.Context, req HookRequest) (HookResponse, error)

// WebhookPolicy configures webhook calls. The zero value is not useful;
// start from DefaultWebhookPolicy.
type WebhookPolicy struct {
	// Client makes the requests; nil means a client built for the policy.
	Client *http.Client
	// Timeout bounds one call.
	Timeout time.Duration
	// MaxResponseBytes bounds the response body read.
	MaxResponseBytes int64
	// AllowPrivate permits loopback, private and link-local addresses,
	// which are refused by default.
	AllowPrivate bool
}

// DefaultWebhookPolicy returns the policy used when Ports.Webhooks is nil:
// 10 s timeout, 1 MiB responses, public addresses only.
func DefaultWebhookPolicy() *WebhookPolicy {
	return &WebhookPolicy{Timeout: 10 * time.Second, MaxResponseBytes: 1 << 20}
}
