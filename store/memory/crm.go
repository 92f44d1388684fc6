package memory

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/chatflow/chatflow/store"
)

// Lists is an in-memory store.Lists. A list must be created with
// CreateList (or NewLists) before contacts are added to it; adding to an
// unknown list fails with store.ErrNotFound. It implements store.Forgetter
// and store.ListReader.
//
// The zero value has no lists and is ready to use. Lists is safe for
// concurrent use and must not be copied after first use.
type Lists struct {
	mu    sync.Mutex
	lists map[string][]string
}

var (
	_ store.Lists      = (*Lists)(nil)
	_ store.Forgetter  = (*Lists)(nil)
	_ store.ListReader = (*Lists)(nil)
)

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

// AddToList adds a contact to a list once: adding a member again does
// nothing. It returns an error matching store.ErrNotFound for an unknown
// list.
func (l *Lists) AddToList(_ context.Context, listID, contactID string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	members, ok := l.lists[listID]
	if !ok {
		return fmt.Errorf("memory: list %q: %w", listID, store.ErrNotFound)
	}
	if !slices.Contains(members, contactID) {
		l.lists[listID] = append(members, contactID)
	}
	return nil
}

// Members returns a copy of a list's members in the order they were added.
func (l *Lists) Members(listID string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lists[listID])
}

// ListsOf returns the IDs of the lists the contact is a member of, sorted.
func (l *Lists) ListsOf(_ context.Context, contactID string) ([]string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return groupsOf(l.lists, contactID), nil
}

// Forget removes the contact from every list.
func (l *Lists) Forget(_ context.Context, contactID string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	removeMember(l.lists, contactID)
	return nil
}

// groupsOf returns the sorted IDs of the groups (lists or workflows) that
// have contactID among their members.
func groupsOf(groups map[string][]string, contactID string) []string {
	var out []string
	for id, members := range groups {
		if slices.Contains(members, contactID) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// removeMember takes contactID out of every group, keeping the order of
// the other members.
func removeMember(groups map[string][]string, contactID string) {
	for id, members := range groups {
		groups[id] = slices.DeleteFunc(members, func(m string) bool { return m == contactID })
	}
}

// Workflows is an in-memory store.Workflows. A workflow must be created
// with CreateWorkflow (or NewWorkflows) before contacts are enrolled;
// enrolling in an unknown or inactive workflow fails with
// store.ErrNotFound. It implements store.Forgetter and
// store.WorkflowReader.
//
// The zero value has no workflows and is ready to use. Workflows is safe
// for concurrent use and must not be copied after first use.
type Workflows struct {
	mu       sync.Mutex
	enrolled map[string][]string
	inactive map[string]bool
}

var (
	_ store.Workflows      = (*Workflows)(nil)
	_ store.Forgetter      = (*Workflows)(nil)
	_ store.WorkflowReader = (*Workflows)(nil)
)

// NewWorkflows returns Workflows with the given active workflows.
func NewWorkflows(ids ...string) *Workflows {
	w := &Workflows{}
	for _, id := range ids {
		w.CreateWorkflow(id, true)
	}
	return w
}

// CreateWorkflow creates (or re-activates or deactivates) a workflow.
// Contacts already enrolled stay enrolled.
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

// Enroll enrolls a contact in an active workflow once: enrolling again does
// nothing. It returns an error matching store.ErrNotFound for an unknown or
// inactive workflow.
func (w *Workflows) Enroll(_ context.Context, workflowID, contactID string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	members, ok := w.enrolled[workflowID]
	if !ok || w.inactive[workflowID] {
		return fmt.Errorf("memory: active workflow %q: %w", workflowID, store.ErrNotFound)
	}
	if !slices.Contains(members, contactID) {
		w.enrolled[workflowID] = append(members, contactID)
	}
	return nil
}

// Enrolled returns a copy of the contacts enrolled in a workflow, in the
// order they were enrolled.
func (w *Workflows) Enrolled(workflowID string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.enrolled[workflowID])
}

// EnrollmentsOf returns the IDs of the workflows the contact is enrolled
// in, sorted.
func (w *Workflows) EnrollmentsOf(_ context.Context, contactID string) ([]string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return groupsOf(w.enrolled, contactID), nil
}

// Forget unenrolls the contact from every workflow.
func (w *Workflows) Forget(_ context.Context, contactID string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	removeMember(w.enrolled, contactID)
	return nil
}

// Tickets is an in-memory store.Tickets. Ticket IDs are "ticket-1",
// "ticket-2", … in order of creation, never reused. A non-empty
// idempotency key is remembered as long as its ticket is kept; an empty
// key creates a new ticket every time. It implements store.Forgetter and
// store.TicketReader: Forget drops a contact's tickets and their keys.
//
// The zero value is an empty store ready to use. Tickets is safe for
// concurrent use and must not be copied after first use.
type Tickets struct {
	mu      sync.Mutex
	last    int
	tickets []storedTicket // in order of creation
	byKey   map[string]string
}

// storedTicket is a kept ticket and the idempotency key it was created with.
type storedTicket struct {
	store.StoredTicket
	key string
}

var (
	_ store.Tickets      = (*Tickets)(nil)
	_ store.Forgetter    = (*Tickets)(nil)
	_ store.TicketReader = (*Tickets)(nil)
)

// NewTickets returns an empty ticket store.
func NewTickets() *Tickets { return &Tickets{} }

// CreateTicket stores a copy of t and returns its new ID, or returns the ID
// of the ticket created earlier with the same non-empty idempotency key.
func (s *Tickets) CreateTicket(_ context.Context, key string, t store.Ticket) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.byKey[key]; ok {
		return id, nil
	}
	s.last++
	id := fmt.Sprintf("ticket-%d", s.last)
	s.tickets = append(s.tickets, storedTicket{store.StoredTicket{ID: id, Ticket: t.Clone()}, key})
	if key != "" {
		if s.byKey == nil {
			s.byKey = map[string]string{}
		}
		s.byKey[key] = id
	}
	return id, nil
}

// All returns a copy of every ticket, by ID.
func (s *Tickets) All() map[string]store.Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]store.Ticket, len(s.tickets))
	for _, t := range s.tickets {
		out[t.ID] = t.Ticket.Clone()
	}
	return out
}

// TicketsOf returns copies of the contact's tickets, oldest first.
func (s *Tickets) TicketsOf(_ context.Context, contactID string) ([]store.StoredTicket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []store.StoredTicket
	for _, t := range s.tickets {
		if t.ContactID == contactID {
			out = append(out, store.StoredTicket{ID: t.ID, Ticket: t.Ticket.Clone()})
		}
	}
	return out, nil
}

// Forget deletes the contact's tickets and forgets their idempotency keys.
func (s *Tickets) Forget(_ context.Context, contactID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tickets = slices.DeleteFunc(s.tickets, func(t storedTicket) bool {
		if t.ContactID != contactID {
			return false
		}
		delete(s.byKey, t.key)
		return true
	})
	return nil
}

// Meetings is an in-memory store.Meetings holding a fixed set of links,
// given to NewMeetings. Links are copied in and out.
//
// The zero value has no links. Meetings is safe for concurrent use; it is
// never written to after NewMeetings.
type Meetings struct {
	links map[string]store.MeetingLink
}

var _ store.Meetings = (*Meetings)(nil)

// NewMeetings returns Meetings with copies of the given links by ID.
func NewMeetings(links map[string]store.MeetingLink) *Meetings {
	m := &Meetings{links: make(map[string]store.MeetingLink, len(links))}
	for k, v := range links {
		v.CustomFields = slices.Clone(v.CustomFields)
		m.links[k] = v
	}
	return m
}

// Link returns a copy of the link with the given ID, or an error matching
// store.ErrNotFound.
func (m *Meetings) Link(_ context.Context, id string) (store.MeetingLink, error) {
	l, ok := m.links[id]
	if !ok {
		return store.MeetingLink{}, fmt.Errorf("memory: meeting link %q: %w", id, store.ErrNotFound)
	}
	l.CustomFields = slices.Clone(l.CustomFields)
	return l, nil
}

// Subscriptions is an in-memory store.Subscriptions. It refuses to move an
// opted-out contact to opted in unless the change is explicit, and
// implements store.Forgetter and store.SubscriptionReader.
//
// The zero value is an empty store ready to use: every contact is
// store.NotOptedInOrOut. Subscriptions is safe for concurrent use and must
// not be copied after first use.
type Subscriptions struct {
	mu     sync.Mutex
	states map[[2]string]store.SubscriptionState
}

var (
	_ store.Subscriptions      = (*Subscriptions)(nil)
	_ store.Forgetter          = (*Subscriptions)(nil)
	_ store.SubscriptionReader = (*Subscriptions)(nil)
)

// NewSubscriptions returns an empty subscription store.
func NewSubscriptions() *Subscriptions { return &Subscriptions{} }

// State returns a contact's state for a subscription type, or
// store.NotOptedInOrOut when it was never set.
func (s *Subscriptions) State(_ context.Context, contactID, typ string) (store.SubscriptionState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.states[[2]string{contactID, typ}]; ok {
		return st, nil
	}
	return store.NotOptedInOrOut, nil
}

// SetState records a state. It returns an error matching
// store.ErrOptedOut, and changes nothing, when an opted-out contact would be
// opted in again by anything but their explicit choice.
func (s *Subscriptions) SetState(_ context.Context, contactID, typ string, st store.SubscriptionState, explicit bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := [2]string{contactID, typ}
	if s.states[key] == store.OptedOut && st == store.OptedIn && !explicit {
		return fmt.Errorf("memory: contact %s, subscription %q: only their explicit choice can opt them in again: %w", contactID, typ, store.ErrOptedOut)
	}
	if s.states == nil {
		s.states = map[[2]string]store.SubscriptionState{}
	}
	s.states[key] = st
	return nil
}

// SubscriptionsOf returns the contact's recorded states by subscription
// type.
func (s *Subscriptions) SubscriptionsOf(_ context.Context, contactID string) (map[string]store.SubscriptionState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]store.SubscriptionState{}
	for k, st := range s.states {
		if k[0] == contactID {
			out[k[1]] = st
		}
	}
	return out, nil
}

// Forget removes every state of a contact, which is NotOptedInOrOut
// afterwards.
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
