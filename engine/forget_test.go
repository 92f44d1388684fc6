package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
)

// forgetFlow leaves a contact in every store that keeps records by
// contact: a list, a workflow and a ticket (the subscription is set
// directly by the test).
const forgetFlow = `{"id":"forget","version":1,"welcome":{"message":["hi"]},"actions":[
	{"name":"ask_email","type":"ask_question","settings":{"message":["Email?"],"property":"email"}},
	{"name":"list","type":"add_to_list","settings":{"listId":"leads"}},
	{"name":"workflow","type":"enroll_in_workflow","settings":{"workflowId":"nurture"}},
	{"name":"ticket","type":"submit_ticket","settings":{"name":"Call back","pipeline":"support","status":"new","description":"My secret problem"}},
	{"name":"bye","type":"send_message","settings":{"message":["Bye"]}}]}`

// forgetEngine runs forgetFlow for one visitor on stores and returns the
// engine and the visitor's contact ID.
func forgetEngine(t *testing.T, stores store.Stores) (*engine.Engine, string) {
	t.Helper()
	ctx := context.Background()
	e, err := engine.New(engine.Config{Stores: stores})
	require.NoError(t, err)
	f, err := e.Load([]byte(forgetFlow))
	require.NoError(t, err)
	require.NoError(t, e.Publish(f))
	_, err = e.Start(ctx, engine.StartRequest{ConversationID: "c1", FlowID: "forget"})
	require.NoError(t, err)
	for i, text := range []string{"hi", "ria@example.com"} {
		_, err := e.Handle(ctx, engine.Input{ConversationID: "c1", MessageID: string(rune('a' + i)), Text: text})
		require.NoError(t, err)
	}
	s, err := e.Session(ctx, "c1")
	require.NoError(t, err)
	require.NotEmpty(t, s.ContactID)
	require.NoError(t, stores.Subscriptions.SetState(ctx, s.ContactID, "newsletter", store.OptedIn, true))
	return e, s.ContactID
}

// memoryStores returns memory stores with the flow's list and workflow.
func memoryStores() store.Stores {
	s := memory.New()
	s.Lists = memory.NewLists("leads")
	s.Workflows = memory.NewWorkflows("nurture")
	return s
}

// Forget erases the contact from every store that keeps records by
// contact, so that none of their readers returns anything of them.
func TestForgetReachesEveryStore(t *testing.T) {
	ctx := context.Background()
	stores := memoryStores()
	e, contactID := forgetEngine(t, stores)

	lists, _ := stores.Lists.(store.ListReader).ListsOf(ctx, contactID)
	enrolled, _ := stores.Workflows.(store.WorkflowReader).EnrollmentsOf(ctx, contactID)
	tickets, _ := stores.Tickets.(store.TicketReader).TicketsOf(ctx, contactID)
	require.Equal(t, []string{"leads"}, lists)
	require.Equal(t, []string{"nurture"}, enrolled)
	require.Len(t, tickets, 1)

	require.NoError(t, e.Forget(ctx, engine.ForgetRequest{ContactID: contactID, ConversationIDs: []string{"c1"}}))

	lists, err := stores.Lists.(store.ListReader).ListsOf(ctx, contactID)
	require.NoError(t, err)
	assert.Empty(t, lists, "list memberships")
	enrolled, err = stores.Workflows.(store.WorkflowReader).EnrollmentsOf(ctx, contactID)
	require.NoError(t, err)
	assert.Empty(t, enrolled, "workflow enrollments")
	tickets, err = stores.Tickets.(store.TicketReader).TicketsOf(ctx, contactID)
	require.NoError(t, err)
	assert.Empty(t, tickets, "tickets")
	for _, tk := range stores.Tickets.(*memory.Tickets).All() {
		assert.NotContains(t, tk.Description, "secret", "a ticket with the visitor's words is left")
	}
	subs, err := stores.Subscriptions.(store.SubscriptionReader).SubscriptionsOf(ctx, contactID)
	require.NoError(t, err)
	assert.Empty(t, subs, "subscription states")
	_, err = stores.Contacts.Contact(ctx, contactID)
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, err = e.Session(ctx, "c1")
	assert.ErrorIs(t, err, engine.ErrUnknownConversation)
	records, err := stores.Consent.ForContact(ctx, contactID)
	require.NoError(t, err)
	assert.Empty(t, records, "consent records")
}

// listsOnly hides every method of a Lists store but AddToList: a store
// that holds memberships and cannot forget them.
type listsOnly struct{ store.Lists }

// A store that holds personal data and cannot forget is reported by name;
// the other stores are erased all the same.
func TestForgetReportsStoreThatCannotForget(t *testing.T) {
	ctx := context.Background()
	stores := memoryStores()
	stores.Lists = listsOnly{stores.Lists}
	e, contactID := forgetEngine(t, stores)

	err := e.Forget(ctx, engine.ForgetRequest{ContactID: contactID, ConversationIDs: []string{"c1"}})
	require.Error(t, err)
	assert.ErrorIs(t, err, engine.ErrInvalidConfig)
	assert.Contains(t, err.Error(), "Stores.Lists")
	assert.False(t, strings.Contains(err.Error(), "Stores.Tickets"), "only the store that cannot forget is named: %v", err)

	tickets, _ := stores.Tickets.(store.TicketReader).TicketsOf(ctx, contactID)
	assert.Empty(t, tickets, "the other stores are still erased")
	_, err = stores.Contacts.Contact(ctx, contactID)
	assert.ErrorIs(t, err, store.ErrNotFound)
}

// failingForgetter is a Tickets store whose Forget fails.
type failingForgetter struct{ store.Tickets }

var errForgetFailed = errors.New("tickets service down")

func (failingForgetter) Forget(context.Context, string) error { return errForgetFailed }

// A failing Forget is returned, wrapped and matchable, and names the store.
func TestForgetReturnsStoreErrors(t *testing.T) {
	ctx := context.Background()
	stores := memoryStores()
	stores.Tickets = failingForgetter{stores.Tickets}
	e, contactID := forgetEngine(t, stores)

	err := e.Forget(ctx, engine.ForgetRequest{ContactID: contactID})
	assert.ErrorIs(t, err, errForgetFailed)
	assert.Contains(t, err.Error(), "Stores.Tickets")
	lists, _ := stores.Lists.(store.ListReader).ListsOf(ctx, contactID)
	assert.Empty(t, lists)
}
