package storetest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/chatflow/chatflow/store"
)

// fakePorts is, like fake, a simple store under one mutex that keeps every
// contract unless a flag breaks one. It implements the stores of the
// built-in actions. It has one list, "list-1", and one workflow, "flow-1".
type fakePorts struct {
	flags map[string]bool

	mu       sync.Mutex
	subs     map[[2]string]store.SubscriptionState
	members  map[string][]string // by list or workflow ID
	tickets  map[string]string   // ticket ID by idempotency key
	stored   []store.StoredTicket
	n        int
	articles map[string]store.Article
	links    map[string]store.MeetingLink
}

var (
	_ store.Subscriptions      = (*fakePorts)(nil)
	_ store.Forgetter          = (*fakePorts)(nil)
	_ store.ListReader         = (*fakePorts)(nil)
	_ store.TicketReader       = (*fakePorts)(nil)
	_ store.SubscriptionReader = (*fakePorts)(nil)
	_ store.Lists              = (*fakePorts)(nil)
	_ store.Workflows          = (*fakePorts)(nil)
	_ store.Tickets            = (*fakePorts)(nil)
	_ store.KnowledgeBase      = (*fakePorts)(nil)
	_ store.Meetings           = (*fakePorts)(nil)
)

func newFakePorts(flags ...string) *fakePorts {
	f := &fakePorts{
		flags:    make(map[string]bool),
		subs:     make(map[[2]string]store.SubscriptionState),
		members:  map[string][]string{"list-1": nil, "flow-1": nil},
		tickets:  make(map[string]string),
		articles: make(map[string]store.Article),
		links:    make(map[string]store.MeetingLink),
	}
	for _, fl := range flags {
		f.flags[fl] = true
	}
	return f
}

func (f *fakePorts) State(_ context.Context, contactID, typ string) (store.SubscriptionState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if st, ok := f.subs[[2]string{contactID, typ}]; ok {
		return st, nil
	}
	return store.NotOptedInOrOut, nil
}

func (f *fakePorts) SetState(_ context.Context, contactID, typ string, st store.SubscriptionState, explicit bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := [2]string{contactID, typ}
	if f.subs[key] == store.OptedOut && st == store.OptedIn && !explicit && !f.flags["optInAfterOptOut"] {
		return fmt.Errorf("%s: %w", contactID, store.ErrOptedOut)
	}
	f.subs[key] = st
	return nil
}

func (f *fakePorts) Forget(_ context.Context, contactID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range f.subs {
		if k[0] == contactID || f.flags["forgetAll"] {
			delete(f.subs, k)
		}
	}
	if !f.flags["forgetMembers"] {
		for id, members := range f.members {
			f.members[id] = slices.DeleteFunc(members, func(m string) bool { return m == contactID })
		}
	}
	if !f.flags["forgetTickets"] {
		f.stored = slices.DeleteFunc(f.stored, func(t store.StoredTicket) bool { return t.ContactID == contactID })
	}
	return nil
}

func (f *fakePorts) SubscriptionsOf(_ context.Context, contactID string) (map[string]store.SubscriptionState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]store.SubscriptionState{}
	for k, st := range f.subs {
		if k[0] == contactID {
			out[k[1]] = st
		}
	}
	return out, nil
}

// ListsOf lists both lists and workflows: the fake keeps them as one.
func (f *fakePorts) ListsOf(_ context.Context, contactID string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id, members := range f.members {
		if slices.Contains(members, contactID) {
			out = append(out, id)
		}
	}
	return out, nil
}

func (f *fakePorts) EnrollmentsOf(ctx context.Context, contactID string) ([]string, error) {
	return f.ListsOf(ctx, contactID)
}

func (f *fakePorts) TicketsOf(_ context.Context, contactID string) ([]store.StoredTicket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.StoredTicket
	for _, t := range f.stored {
		if t.ContactID == contactID {
			out = append(out, t)
		}
	}
	return out, nil
}

func (f *fakePorts) AddToList(ctx context.Context, listID, contactID string) error {
	return f.join(listID, contactID)
}

func (f *fakePorts) Enroll(ctx context.Context, workflowID, contactID string) error {
	return f.join(workflowID, contactID)
}

func (f *fakePorts) join(groupID, contactID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	members, ok := f.members[groupID]
	if !ok && !f.flags["joinUnknown"] {
		return fmt.Errorf("fake: %s: %w", groupID, store.ErrNotFound)
	}
	if slices.Contains(members, contactID) {
		if f.flags["joinTwiceFails"] {
			return fmt.Errorf("%s is a member of %s already", contactID, groupID)
		}
		return nil
	}
	f.members[groupID] = append(members, contactID)
	return nil
}

func (f *fakePorts) CreateTicket(_ context.Context, key string, t store.Ticket) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id, ok := f.tickets[key]; ok && !f.flags["ticketsNotIdempotent"] {
		return id, nil
	}
	f.n++
	id := fmt.Sprint("ticket-", f.n)
	f.tickets[key] = id
	f.stored = append(f.stored, store.StoredTicket{ID: id, Ticket: t})
	return id, nil
}

// addArticles stores the articles, as a host would seed its knowledge base.
func (f *fakePorts) addArticles(arts []store.Article) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range arts {
		a.Tags = slices.Clone(a.Tags)
		f.articles[a.ID] = a
	}
}

func (f *fakePorts) article(a store.Article) store.Article {
	if !f.flags["shareTags"] {
		a.Tags = slices.Clone(a.Tags)
	}
	return a
}

func (f *fakePorts) Article(_ context.Context, id string) (store.Article, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.articles[id]
	if !ok {
		if f.flags["plainNotFound"] {
			return store.Article{}, fmt.Errorf("no article %q", id)
		}
		return store.Article{}, fmt.Errorf("fake: %w", store.ErrNotFound)
	}
	return f.article(a), nil
}

// Search finds the articles whose title has the query as a word, in order
// of ID.
func (f *fakePorts) Search(_ context.Context, query string, opts store.SearchOptions) ([]store.Article, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	limit := opts.Limit
	if limit == 0 && !f.flags["noDefaultLimit"] {
		limit = 5
	}
	var out []store.Article
	for _, a := range f.articles {
		if a.Restricted && !opts.IncludeRestricted && !f.flags["searchRestricted"] {
			continue
		}
		if slices.Contains(strings.Fields(strings.ToLower(a.Title)), strings.ToLower(query)) {
			out = append(out, f.article(a))
		}
	}
	slices.SortFunc(out, func(a, b store.Article) int { return strings.Compare(a.ID, b.ID) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// addLinks stores the links, as a host would configure them.
func (f *fakePorts) addLinks(links map[string]store.MeetingLink) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, l := range links {
		l.CustomFields = slices.Clone(l.CustomFields)
		f.links[id] = l
	}
}

func (f *fakePorts) Link(_ context.Context, id string) (store.MeetingLink, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l, ok := f.links[id]
	if !ok {
		return store.MeetingLink{}, fmt.Errorf("fake: %w", store.ErrNotFound)
	}
	if !f.flags["shareFields"] {
		l.CustomFields = slices.Clone(l.CustomFields)
	}
	return l, nil
}
