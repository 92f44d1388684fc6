package memory_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/chatflow/chatflow/store/storetest"
)

func TestSubscriptionsConformance(t *testing.T) {
	storetest.TestSubscriptions(t, func(*testing.T) store.Subscriptions { return memory.NewSubscriptions() })
	storetest.TestSubscriptions(t, func(*testing.T) store.Subscriptions { return new(memory.Subscriptions) })
}

func TestListsConformance(t *testing.T) {
	storetest.TestLists(t, func(*testing.T) (store.Lists, string) { return memory.NewLists("newsletter"), "newsletter" })
}

func TestWorkflowsConformance(t *testing.T) {
	storetest.TestWorkflows(t, func(*testing.T) (store.Workflows, string) { return memory.NewWorkflows("onboarding"), "onboarding" })
}

func TestTicketsConformance(t *testing.T) {
	storetest.TestTickets(t, func(*testing.T) store.Tickets { return memory.NewTickets() })
	storetest.TestTickets(t, func(*testing.T) store.Tickets { return new(memory.Tickets) })
}

func TestKnowledgeBaseConformance(t *testing.T) {
	storetest.TestKnowledgeBase(t, func(t *testing.T, arts []store.Article) store.KnowledgeBase {
		kb := memory.NewKnowledgeBase()
		require.NoError(t, kb.Add(arts...))
		return kb
	})
}

func TestMeetingsConformance(t *testing.T) {
	storetest.TestMeetings(t, func(_ *testing.T, links map[string]store.MeetingLink) store.Meetings {
		return memory.NewMeetings(links)
	})
}

func TestListsMembers(t *testing.T) {
	ctx := t.Context()
	var l memory.Lists
	assert.ErrorIs(t, l.AddToList(ctx, "vip", "contact-1"), store.ErrNotFound, "the zero value has no lists")
	l.CreateList("vip")
	for _, c := range []string{"contact-2", "contact-1", "contact-2"} {
		require.NoError(t, l.AddToList(ctx, "vip", c))
	}
	l.CreateList("vip") // creating again keeps the members
	members := l.Members("vip")
	assert.Equal(t, []string{"contact-2", "contact-1"}, members, "in order of joining, once each")
	members[0] = "changed"
	assert.Equal(t, []string{"contact-2", "contact-1"}, l.Members("vip"), "Members returns a copy")
	assert.Empty(t, l.Members("unknown"))
}

func TestWorkflowsInactive(t *testing.T) {
	ctx := t.Context()
	w := memory.NewWorkflows("onboarding")
	require.NoError(t, w.Enroll(ctx, "onboarding", "contact-1"))
	w.CreateWorkflow("onboarding", false)
	assert.ErrorIs(t, w.Enroll(ctx, "onboarding", "contact-2"), store.ErrNotFound, "an inactive workflow enrolls no one")
	assert.Equal(t, []string{"contact-1"}, w.Enrolled("onboarding"), "deactivating keeps those enrolled")
	w.CreateWorkflow("onboarding", true)
	require.NoError(t, w.Enroll(ctx, "onboarding", "contact-2"))
	require.NoError(t, w.Enroll(ctx, "onboarding", "contact-1"))
	assert.Equal(t, []string{"contact-1", "contact-2"}, w.Enrolled("onboarding"))

	var zero memory.Workflows
	assert.ErrorIs(t, zero.Enroll(ctx, "onboarding", "contact-1"), store.ErrNotFound, "the zero value has no workflows")
}

func TestTicketsIDsAndKeys(t *testing.T) {
	ctx := t.Context()
	var s memory.Tickets
	first := store.Ticket{Name: "Refund", Priority: store.TicketHigh, ContactID: "contact-1"}
	id, err := s.CreateTicket(ctx, "turn-1", first)
	require.NoError(t, err)
	assert.Equal(t, "ticket-1", id)
	id, err = s.CreateTicket(ctx, "turn-1", store.Ticket{Name: "Retry"})
	require.NoError(t, err)
	assert.Equal(t, "ticket-1", id, "a used key returns the first ticket")
	for _, want := range []string{"ticket-2", "ticket-3"} {
		id, err = s.CreateTicket(ctx, "", store.Ticket{Name: "No key"})
		require.NoError(t, err)
		assert.Equal(t, want, id, "an empty key creates a ticket every time")
	}
	all := s.All()
	assert.Len(t, all, 3)
	assert.Equal(t, first, all["ticket-1"], "the first ticket is kept as created")
}

func TestMeetingsCopiesIn(t *testing.T) {
	ctx := t.Context()
	links := map[string]store.MeetingLink{"sales": {URL: "https://meet.example.com/sales", CustomFields: []string{"company"}}}
	m := memory.NewMeetings(links)
	links["sales"].CustomFields[0] = "changed"
	delete(links, "sales")
	got, err := m.Link(ctx, "sales")
	require.NoError(t, err)
	assert.Equal(t, []string{"company"}, got.CustomFields)

	var zero memory.Meetings
	_, err = zero.Link(ctx, "sales")
	assert.ErrorIs(t, err, store.ErrNotFound, "the zero value has no links")
}

func TestSubscriptionsRefusalChangesNothing(t *testing.T) {
	ctx := t.Context()
	var s memory.Subscriptions
	require.NoError(t, s.SetState(ctx, "contact-1", "news", store.OptedOut, false))
	assert.Error(t, s.SetState(ctx, "contact-1", "news", store.OptedIn, false))
	st, err := s.State(ctx, "contact-1", "news")
	require.NoError(t, err)
	assert.Equal(t, store.OptedOut, st)
	// Other moves out of opted out need no explicit choice.
	require.NoError(t, s.SetState(ctx, "contact-1", "news", store.NotOptedInOrOut, false))
}
