package engine_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
)

const ticketFlow = `{"id": "t", "version": 1, "welcome": {"message": ["Hi!"]},
 "actions": [
  {"name": "ask_email", "type": "ask_question", "settings": {"message": ["Email?"], "property": "email"}},
  {"name": "ticket", "type": "submit_ticket", "settings": {"name": "Chat", "pipeline": "0", "status": "1",
    "description": "help", "ownerId": "u-fallback", "ownerFromContact": true,
    "userIds": ["u1", "u2"], "teamIds": ["support"]}}]}`

func TestTicketOwnerAndAssignment(t *testing.T) {
	h := enginetest.New(t, []byte(ticketFlow))
	ctx := t.Context()
	tickets := h.Stores.Tickets.(*memory.Tickets)

	// A contact without an owner: the fallback owner.
	h.Start("c1").Says("hi").Says("ada@example.com").ExpectEvent("ticket_created")
	// A contact with an owner, known to the host: the contact's owner.
	c, err := h.Stores.Contacts.CreateContact(ctx, store.Properties{"email": "bo@example.com", "hubspot_owner_id": "u-owner"})
	require.NoError(t, err)
	h.StartWith(engine.StartRequest{ConversationID: "c2", ContactID: c.ID}).Says("hi").Says("bo@example.com").ExpectEvent("ticket_created")

	byConv := map[string]store.Ticket{}
	for _, tk := range tickets.All() {
		byConv[tk.ConversationID] = tk
	}
	require.Len(t, byConv, 2)
	assert.Equal(t, "u-fallback", byConv["c1"].OwnerID)
	assert.Equal(t, "u-owner", byConv["c2"].OwnerID)
	for _, tk := range byConv {
		assert.Equal(t, []string{"u1", "u2"}, tk.UserIDs)
		assert.Equal(t, []string{"support"}, tk.TeamIDs)
	}

	_, err = h.Engine.Load([]byte(`{"id": "x", "version": 1, "welcome": {"message": ["Hi"]},
	 "actions": [{"name": "t", "type": "submit_ticket", "settings": {"name": "n", "pipeline": "0", "status": "1", "teamIds": ["a", "a"]}}]}`))
	require.ErrorIs(t, err, engine.ErrInvalidFlow)
	assert.Contains(t, err.Error(), "actions[0].settings.teamIds[1]")
}

func TestHandoffNamesTheInbox(t *testing.T) {
	flow := func(flowInbox, actionInbox string) []byte {
		settings := `{"assign": "nobody"` + actionInbox + `}`
		return []byte(`{"id": "f", "version": 1, "welcome": {"message": ["Hi!"]}` + flowInbox + `,
		 "actions": [{"name": "route", "type": "send_to_team_member", "settings": ` + settings + `}]}`)
	}
	for _, tc := range []struct {
		name, flowInbox, actionInbox string
		want                         *action.Inbox
	}{
		{"none", "", "", nil},
		{"flow", `, "inbox": {"id": "sales"}`, "", &action.Inbox{ID: "sales"}},
		{"action wins", `, "inbox": {"id": "sales"}`, `, "inbox": {"helpDesk": true}`, &action.Inbox{HelpDesk: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := enginetest.New(t, flow(tc.flowInbox, tc.actionInbox))
			r := h.Start("c").Says("help").ExpectStatus(engine.StatusHandedOff).Reply()
			require.NotNil(t, r.Handoff)
			assert.Equal(t, tc.want, r.Handoff.Inbox)
		})
	}
	e := enginetest.New(t, flow("", "")).Engine
	for _, bad := range [][]byte{flow(`, "inbox": {}`, ""), flow("", `, "inbox": {"id": ""}`)} {
		_, err := e.Load(bad)
		require.ErrorIs(t, err, engine.ErrInvalidFlow)
		assert.Contains(t, err.Error(), "inbox")
	}
	f, err := e.Load(flow(`, "inbox": {"id": "sales", "helpDesk": true}`, ""))
	require.NoError(t, err)
	assert.Equal(t, &action.Inbox{ID: "sales", HelpDesk: true}, f.Inbox())
}
