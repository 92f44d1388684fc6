package engine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/stretchr/testify/require"
)

// countingContacts is a contacts store with a single-property reader that
// counts its reads and can be made to fail.
type countingContacts struct {
	*memory.Contacts
	contactCalls, propertyCalls int
	fail                        error
}

func (c *countingContacts) Contact(ctx context.Context, id string) (store.Contact, error) {
	c.contactCalls++
	return c.Contacts.Contact(ctx, id)
}

func (c *countingContacts) ContactProperty(ctx context.Context, id, name string) (string, bool, error) {
	c.propertyCalls++
	if c.fail != nil {
		return "", false, c.fail
	}
	return c.Contacts.ContactProperty(ctx, id, name)
}

func TestIdentifiedVisitorPropertiesAreReadOneAtATime(t *testing.T) {
	ctx := context.Background()
	contacts := &countingContacts{Contacts: memory.NewContacts()}
	e, err := engine.New(engine.Config{Stores: store.Stores{Contacts: contacts, Sessions: memory.NewSessions(), Consent: memory.NewConsentRecords()}})
	require.NoError(t, err)
	f, err := e.Load([]byte(turnFlow))
	require.NoError(t, err)
	require.NoError(t, e.Publish(f))
	ct, err := contacts.CreateContact(ctx, store.Properties{"email": "ada@x.example", "firstname": "Ada", "numemployees": "120"})
	require.NoError(t, err)
	_, err = e.Start(ctx, engine.StartRequest{ConversationID: "c", FlowID: "bench", ContactID: ct.ID})
	require.NoError(t, err)

	r, err := e.Handle(ctx, engine.Input{ConversationID: "c", MessageID: "1", Text: "go"})
	require.NoError(t, err)
	require.Equal(t, []string{"How many employees, Ada?"}, r.Texts())
	require.Zero(t, contacts.contactCalls, "the whole contact was copied to read one property")
	require.NotZero(t, contacts.propertyCalls)

	// A failing read abandons the turn: nothing is saved, and the retry
	// of the same message runs it afresh.
	boom := errors.New("contacts store down")
	contacts.fail = boom
	_, err = e.Handle(ctx, engine.Input{ConversationID: "c", MessageID: "2", Text: "7"})
	require.ErrorIs(t, err, boom)
	contacts.fail = nil
	r, err = e.Handle(ctx, engine.Input{ConversationID: "c", MessageID: "2", Text: "7"})
	require.NoError(t, err)
	require.Equal(t, engine.OutcomeProcessed, r.Outcome)
	require.Equal(t, []string{"How many employees, Ada?"}, r.Texts())
	c, err := contacts.Contacts.Contact(ctx, ct.ID)
	require.NoError(t, err)
	require.Equal(t, "smb", c.Properties["segment"])
}
