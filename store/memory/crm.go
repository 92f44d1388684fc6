package memory

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/store"
)

// Lists is an in-memory action.Lists. Lists must be created with
// CreateList before contacts are added. Safe for concurrent use; the zero
// value has no lists.
type Lists struct {
	mu    sync.Mutex
	lists map[string][]string
}

// NewLists returns a Lists with the given (empty) lists.
func NewLists(listIDs ...string) *Lists {
	l := &Lists{}
	for _, id := range listIDs {
		l.CreateList(id)
	}
	return l
}

// CreateList creates an empty list; creating an existing list is a no-op.
func (l *Lists) CreateList(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lists == nil {
		l.lists = map[string][]string{}
	}
	if _, ok := l.lists[id]; !ok {
		l.lists[id] = []string{}
	}
}

// AddToList adds a contact to a list (once).
func (l *Lists) AddToList(_ context.Context, listID, contactID string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	members, ok := l.lists[listID]
	if !ok {
		return fmt.Errorf("list %q: %w", listID, store.ErrNotFound)
	}
	if !slices.Contains(members, contactID) {
		l.lists[listID] = append(members, contactID)
	}
	return nil
}

// Members returns a list's members in the order they were added.
func (l *Lists) Members(listID string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lists[listID])
}

// Workflows is an in-memory action.Workflows. Workflows must be created
// with CreateWorkflow. Safe for concurrent use; the zero value has none.
type Workflows struct {
	mu       sync.Mutex
	enrolled map[string][]string
	inactive map[string]bool
}

// NewWorkflows returns Workflows with the given active workflows.
func NewWorkflows(ids ...string) *Workflows {
	w := &Workflows{}
	for _, id := range ids {
		w.CreateWorkflow(id, true)
	}
	return w
}

// CreateWorkflow creates (or re-activates or deactivates) a workflow.
func (w *Workflows) CreateWorkflow(id string, active bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.enrolled == nil {
		w.enrolled, w.inactive = map[string][]string{}, map[string]bool{}
	}
	if _, ok := w.enrolled[id]; !ok {
		w.enrolled[id] = []string{}
	}
	w.inactive[id] = !active
}

// Enroll enrolls a contact (once) in an active workflow.
func (w *Workflows) Enroll(_ context.Context, workflowID, contactID string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	members, ok := w.enrolled[workflowID]
	if !ok || w.inactive[workflowID] {
		return fmt.Errorf("active workflow %q: %w", workflowID, store.ErrNotFound)
	}
	if !slices.Contains(members, contactID) {
		w.enrolled[workflowID] = append(members, contactID)
	}
	return nil
}

// Enrolled returns the contacts enrolled in a workflow.
func (w *Workflows) Enrolled(workflowID string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.enrolled[workflowID])
}

// Tickets is an in-memory action.Tickets with deterministic IDs
// ("ticket-1", …) and idempotency keys. Safe for concurrent use; the zero
// value is empty and ready.
type Tickets struct {
	mu      sync.Mutex
	tickets []action.Ticket
	ids     []string
	byKey   map[string]string
}

// NewTickets returns an empty ticket store.
func NewTickets() *Tickets { return &Tickets{} }

// CreateTicket stores a ticket, or returns the ID of the one created
// earlier with the same idempotency key.
func (s *Tickets) CreateTicket(_ context.Context, key string, t action.Ticket) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.byKey[key]; ok && key != "" {
		return id, nil
	}
	id := fmt.Sprintf("ticket-%d", len(s.tickets)+1)
	s.tickets = append(s.tickets, t)
	s.ids = append(s.ids, id)
	if s.byKey == nil {
		s.byKey = map[string]string{}
	}
	s.byKey[key] = id
	return id, nil
}

// All returns the tickets by ID.
func (s *Tickets) All() map[string]action.Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]action.Ticket, len(s.ids))
	for i, id := range s.ids {
		out[id] = s.tickets[i]
	}
	return out
}

// Meetings is an in-memory action.Meetings. Safe for concurrent use.
type Meetings struct {
	mu    sync.Mutex
	links map[string]action.MeetingLink
}

// NewMeetings returns Meetings with the given links by ID.
func NewMeetings(links map[string]action.MeetingLink) *Meetings {
	m := &Meetings{links: map[string]action.MeetingLink{}}
	for k, v := range links {
		m.links[k] = v
	}
	return m
}

// Link returns a link or store.ErrNotFound.
func (m *Meetings) Link(_ context.Context, id string) (action.MeetingLink, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.links[id]
	if !ok {
		return action.MeetingLink{}, fmt.Errorf("meeting link %q: %w", id, store.ErrNotFound)
	}
	l.CustomFields = slices.Clone(l.CustomFields)
	return l, nil
}

// Subscriptions is an in-memory action.Subscriptions. Safe for concurrent
// use; the zero value is empty and ready.
type Subscriptions struct {
	mu     sync.Mutex
	states map[[2]string]action.SubscriptionState
}

// NewSubscriptions returns an empty subscription store.
func NewSubscriptions() *Subscriptions { return &Subscriptions{} }

// State returns a contact's state for a subscription type.
func (s *Subscriptions) State(_ context.Context, contactID, typ string) (action.SubscriptionState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.states[[2]string{contactID, typ}]; ok {
		return st, nil
	}
	return action.NotOptedInOrOut, nil
}

// SetState records a state; an opted-out contact is only opted in again
// by an explicit choice.
func (s *Subscriptions) SetState(_ context.Context, contactID, typ string, st action.SubscriptionState, explicit bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := [2]string{contactID, typ}
	if s.states[key] == action.OptedOut && st == action.OptedIn && !explicit {
		return fmt.Errorf("contact %s opted out of %q: only their explicit choice can opt them in again", contactID, typ)
	}
	if s.states == nil {
		s.states = map[[2]string]action.SubscriptionState{}
	}
	s.states[key] = st
	return nil
}

// Forget removes every state of a contact.
func (s *Subscriptions) Forget(_ context.Context, contactID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.states {
		if k[0] == contactID {
			delete(s.states, k)
		}
	}
	return nil
}
