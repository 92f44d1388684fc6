// Package builtin holds the fourteen action types of HubSpot bots (SPEC
// §3) and HubSpot's live chat as an action type (live_chat, SPEC §9), one
// file each, named after the type's name in flow JSON. The engine
// registers them by default, bound to its stores and ports; a host never
// needs to call Types itself.
//
// The actions reach the host's systems through the stores of store.Stores
// (subscriptions, lists, workflows, tickets, the knowledge base, meeting
// links) and through Ports (the directory of users and teams, the AI agent,
// code snippets, the webhook policy, secrets). An action whose store or port the
// engine was not given fails to load with an error matching ErrMissingPort,
// naming the JSON path of the action.
package builtin

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/hook"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/targeting/availability"
)

// ErrMissingPort is matched by the load error of an action whose store or
// port the engine was not given.
var ErrMissingPort = errors.New("builtin: missing store or port")

// Ports are the host's services of the built-in actions that are not stores.
// A nil field means the host does not provide that service: flows whose
// actions need it fail to load. The zero value provides nothing but the
// default webhook policy. Every implementation must be safe for concurrent
// use.
type Ports struct {
	// Directory knows users, teams, their availability and office hours
	// (send to team member; send to customer agent's fallback).
	Directory availability.Directory
	// Agents reports whether the AI customer agent is available.
	Agents Agents
	// Snippets are the host's code snippets by name. A snippet's context
	// is done at the action's timeout; one that ignores it keeps running on
	// its own goroutine after the turn has moved on, and its result is
	// discarded (see CodeSnippet for what a host can rely on).
	Snippets map[string]Snippet
	// MaxAbandonedSnippets bounds the snippet runs of the engine that are
	// still going on after their timeout (snippets that ignore their
	// context): while that many are, every snippet call fails at once with
	// ErrSnippetBusy. 0 means DefaultMaxAbandonedSnippets.
	MaxAbandonedSnippets int
	// Webhooks configures the HTTP calls of the webhook action; nil means
	// the zero WebhookPolicy (its defaults).
	Webhooks *WebhookPolicy
	// Secrets resolves the secrets a flow names instead of holding them
	// (a webhook's urlSecret, secretHeaders, secretQuery and
	// signingSecret), at every call.
	Secrets Secrets
	// WebhookOutbox delivers the requests of webhooks that do not wait
	// for feedback after the turn, so they never hold the conversation
	// (see WebhookOutbox; MemoryWebhookOutbox for one process). nil means
	// such a request is sent once during the turn.
	WebhookOutbox WebhookOutbox
}

// Secrets resolves secrets by name: the host keeps them (a vault, the
// environment, a secrets manager) and a flow only names them, so that they
// never appear in flow JSON. Implementations must be safe for concurrent
// use.
type Secrets interface {
	// Secret returns the value of the named secret. It is called while
	// the turn runs, within the webhook's timeout; an error fails the
	// webhook call, and should not contain the value.
	Secret(ctx context.Context, name string) (string, error)
}

// SecretsFunc adapts a function to the Secrets interface.
type SecretsFunc func(ctx context.Context, name string) (string, error)

// Secret calls f.
func (f SecretsFunc) Secret(ctx context.Context, name string) (string, error) { return f(ctx, name) }

// Agents reports on the AI customer agent.
type Agents interface {
	// Available reports whether the agent can take a conversation now.
	Available(ctx context.Context) (bool, error)
}

// Snippet is a host-registered code snippet: Go code run at a step of the
// conversation with HubSpot's snippet contract (see CodeSnippet).
type Snippet func(ctx context.Context, req hook.Request) (hook.Response, error)

// The event types the built-in actions emit (see action.Event).
const (
	// EventAnswerAccepted: an answer was accepted; Value is the answer.
	EventAnswerAccepted action.EventType = "answer_accepted"
	// EventAnswerRejected: an answer was not acceptable; Reason says why.
	EventAnswerRejected action.EventType = "answer_rejected"
)

// ReasonNoContact is the skip reason of actions that need a contact record.
const ReasonNoContact = "the visitor is not a known contact"

// services is what the built-in actions of one engine share.
type services struct {
	stores store.Stores
	ports  Ports

	// abandonedSnippets counts the snippet runs still going on after
	// their caller stopped waiting (see CodeSnippet).
	abandonedSnippets atomic.Int64
}

// Types returns the built-in action types, bound to the given stores and
// ports. Each call returns new values.
func Types(stores store.Stores, ports Ports) []action.Type {
	s := &services{stores: stores, ports: ports}
	return []action.Type{
		{Name: SendMessageType, Doc: "Send a simple message that needs no answer.", New: func() action.Action { return new(SendMessage) }},
		{Name: AskQuestionType, Doc: "Ask a question, validate the answer and save it to a property.", New: func() action.Action { return new(AskQuestion) }},
		{Name: SetContactPropertyType, Doc: "Set a contact property value.", New: func() action.Action { return new(SetContactProperty) }},
		{Name: SetCompanyPropertyType, Doc: "Set a property of the contact's company.", New: func() action.Action { return &SetCompanyProperty{svc: s} }},
		{Name: OfferEmailSubscriptionType, Doc: "Offer an email subscription and record the decision.", New: func() action.Action { return &OfferEmailSubscription{svc: s} }},
		{Name: AddToListType, Doc: "Add the contact to a static list.", New: func() action.Action { return &AddToList{svc: s} }},
		{Name: EnrollInWorkflowType, Doc: "Enroll the contact in a workflow.", New: func() action.Action { return &EnrollInWorkflow{svc: s} }},
		{Name: SubmitTicketType, Doc: "Create a support ticket.", New: func() action.Action { return &SubmitTicket{svc: s} }},
		{Name: KnowledgeBaseType, Doc: "Show a knowledge-base article, or search the knowledge base with the visitor's question.", New: func() action.Action { return &KnowledgeBase{svc: s} }},
		{Name: SendToTeamMemberType, Doc: "Hand the conversation to people depending on their availability and office hours.", New: func() action.Action { return &SendToTeamMember{TeamRouting: TeamRouting{svc: s}} }},
		{Name: SendToAgentType, Doc: "Hand the conversation to the AI customer agent, or to people when it is unavailable.", New: func() action.Action { return &SendToAgent{svc: s, IfUnavailable: TeamRouting{svc: s}} }},
		{Name: WebhookType, Doc: "Post the conversation to a webhook and optionally follow its response.", New: func() action.Action { return &Webhook{svc: s} }},
		{Name: CodeSnippetType, Doc: "Run a host-registered code snippet and follow its response.", New: func() action.Action { return &CodeSnippet{svc: s} }},
		{Name: BookMeetingType, Doc: "Share a meeting link and wait for the booking.", New: func() action.Action { return &BookMeeting{svc: s} }},
		{Name: LiveChatType, Doc: "Connect the visitor to the team: email capture, automatic assignment, availability display.", New: func() action.Action { return &LiveChat{TeamRouting: TeamRouting{svc: s}} }},
	}
}

// require returns the load error of an action whose store or port is
// missing; field names it as the host sets it ("Stores.Lists").
func require(p action.Provision, ok bool, field string) error {
	if ok {
		return nil
	}
	return p.Errorf("", "this action needs %s, which the engine was not given: %w", field, ErrMissingPort)
}

// withContact runs fn with the visitor's contact ID, skipping when there is
// none. An unknown list or workflow fails the action; any other store error
// is returned, for the host to retry the message.
func withContact(t action.Turn, fn func(contactID string) error, what string) (action.Result, error) {
	id := t.Session().ContactID
	if id == "" {
		return action.Result{Status: action.Skip, Reason: ReasonNoContact}, nil
	}
	if err := fn(id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return action.Result{Status: action.Fail, Reason: fmt.Sprintf("unknown %s", what), Err: err}, nil
		}
		return action.Result{}, fmt.Errorf("%s: %w", what, err)
	}
	return action.Result{Status: action.Done}, nil
}

// requireID reports an empty ID setting.
func requireID(p action.Provision, path, v string) error {
	if v == "" {
		return p.Errorf(path, "missing")
	}
	return nil
}
