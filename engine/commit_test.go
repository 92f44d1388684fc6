package engine_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// foreignContacts is a contacts store the session store of memory.New
// does not know: the engine cannot commit through it in one step.
type foreignContacts struct{ *memory.Contacts }

// On stores that commit a turn's writes with the session in one step
// (memory.New's), a turn that records consent, creates a contact or sets
// properties saves the session once; on stores that do not, it saves it
// twice (with the outbox, then without). Either way the stores end up the
// same, and no outbox is left behind.
func TestTurnWithWritesCommitsOnceWhenTheStoresCan(t *testing.T) {
	ctx := context.Background()
	run := func(st store.Stores) (versions []int64, props store.Properties, records int) {
		e := leadEngine(t, &st)
		_, err := e.Start(ctx, engine.StartRequest{ConversationID: "c", FlowID: "qualify-leads"})
		require.NoError(t, err)
		for i, in := range leadScript {
			in.ConversationID, in.MessageID = "c", strconv.Itoa(i)
			_, err := e.Handle(ctx, in)
			require.NoError(t, err)
			rec, err := st.Sessions.Load(ctx, "c")
			require.NoError(t, err)
			versions = append(versions, rec.Version)
			s, err := e.Session(ctx, "c")
			require.NoError(t, err)
			assert.Empty(t, s.Outbox, "turn %d left an outbox", i)
		}
		s, err := e.Session(ctx, "c")
		require.NoError(t, err)
		ct, err := st.Contacts.Contact(ctx, s.ContactID)
		require.NoError(t, err)
		rs, err := st.Consent.ForContact(ctx, s.ContactID)
		require.NoError(t, err)
		return versions, ct.Properties, len(rs)
	}
	one := memory.New()
	require.True(t, one.Sessions.(store.Committer).Covers(one))
	versions, props, records := run(one)
	// Start saved version 1; the turns: "yes" (consent), a name, a bad
	// email, a good one (contact, link), a company size (properties).
	assert.Equal(t, []int64{2, 3, 4, 5, 6}, versions, "one save per turn")

	two := memory.New()
	two.Contacts = foreignContacts{two.Contacts.(*memory.Contacts)}
	versions2, props2, records2 := run(two)
	assert.Equal(t, []int64{3, 4, 5, 7, 9}, versions2, "two saves per turn with writes")
	delete(props, "createdate")
	delete(props2, "createdate")
	assert.Equal(t, props2, props)
	assert.Equal(t, records2, records)
	assert.Equal(t, "salesqualifiedlead", props["lifecyclestage"])
	assert.Equal(t, 1, records)
}
