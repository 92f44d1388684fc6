package action

import (
	"errors"
	"fmt"
	"sort"
)

// ErrUnknownType reports an action type that is not in the registry.
var ErrUnknownType = errors.New("action: unknown action type")

// Type registers an action type under the name flow JSON uses for it.
type Type struct {
	// Name is the type's ID in flow JSON ("type": "ask_question").
	Name string
	// Doc is a one-line description.
	Doc string
	// New returns a new, zero-valued action whose settings the loader then
	// decodes into. It must not have side effects.
	New func() Action
}

// Registry maps action type names to types. A Registry is immutable once
// built and safe for concurrent use; With returns an extended copy. The zero
// value is an empty registry.
type Registry struct {
	types map[string]Type
}

// NewRegistry returns a registry of the given types. Names must be unique
// and non-empty and New must be set.
func NewRegistry(types ...Type) (*Registry, error) {
	return (&Registry{}).With(types...)
}

// With returns a new registry with r's types and the given ones. A name
// already in r is an error: host types cannot silently replace built-ins.
func (r *Registry) With(types ...Type) (*Registry, error) {
	n := &Registry{types: make(map[string]Type, len(r.types)+len(types))}
	for k, v := range r.types {
		n.types[k] = v
	}
	for _, t := range types {
		if t.Name == "" {
			return nil, errors.New("action: registry: a type has no name")
		}
		if t.New == nil {
			return nil, fmt.Errorf("action: registry: type %q has no constructor", t.Name)
		}
		if _, dup := n.types[t.Name]; dup {
			return nil, fmt.Errorf("action: registry: type %q registered twice", t.Name)
		}
		n.types[t.Name] = t
	}
	return n, nil
}

// Lookup returns the type with the given name.
func (r *Registry) Lookup(name string) (Type, bool) {
	t, ok := r.types[name]
	return t, ok
}

// Names returns the registered type names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.types))
	for k := range r.types {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Builtins returns the built-in action types. Each call returns a new slice.
func Builtins() []Type {
	return []Type{
		{Name: SendMessageType, Doc: "Send a simple message that needs no answer.", New: func() Action { return new(SendMessage) }},
		{Name: AskQuestionType, Doc: "Ask a question, validate the answer and save it to a property.", New: func() Action { return new(AskQuestion) }},
		{Name: SetContactPropertyType, Doc: "Set a contact property value.", New: func() Action { return &SetProperty{object: ContactObject} }},
		{Name: SetCompanyPropertyType, Doc: "Set a property of the contact's company.", New: func() Action { return &SetProperty{object: CompanyObject} }},
		{Name: OfferSubscriptionType, Doc: "Offer an email subscription and record the decision.", New: func() Action { return new(OfferSubscription) }},
		{Name: AddToListType, Doc: "Add the contact to a static list.", New: func() Action { return new(AddToList) }},
		{Name: EnrollInWorkflowType, Doc: "Enroll the contact in a workflow.", New: func() Action { return new(EnrollInWorkflow) }},
		{Name: SubmitTicketType, Doc: "Create a support ticket.", New: func() Action { return new(SubmitTicket) }},
		{Name: KnowledgeBaseType, Doc: "Show a knowledge-base article, or search the knowledge base with the visitor's question.", New: func() Action { return new(KnowledgeBase) }},
		{Name: SendToTeamType, Doc: "Hand the conversation to people depending on their availability and office hours.", New: func() Action { return new(SendToTeam) }},
		{Name: SendToAgentType, Doc: "Hand the conversation to the AI customer agent, or to people when it is unavailable.", New: func() Action { return new(SendToAgent) }},
		{Name: WebhookType, Doc: "Post the conversation to a webhook and optionally follow its response.", New: func() Action { return new(Webhook) }},
		{Name: CodeSnippetType, Doc: "Run a host-registered code snippet and follow its response.", New: func() Action { return new(CodeSnippet) }},
		{Name: BookMeetingType, Doc: "Share a meeting link and wait for the booking.", New: func() Action { return new(BookMeeting) }},
	}
}

// DefaultRegistry returns a new registry holding the built-in types. Add
// host-defined types with With.
func DefaultRegistry() *Registry {
	r, err := NewRegistry(Builtins()...)
	if err != nil {
		panic(err) // the built-ins are fixed; a failure is a bug in this package
	}
	return r
}
