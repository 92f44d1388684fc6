package engine_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/chatflow/chatflow/targeting/availability"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixture is a scripted conversation for one action type, in
// testdata/actions/<type>.json.
type fixture struct {
	Flow    json.RawMessage  `json:"flow"`
	Contact store.Properties `json:"contact"` // an identified visitor's contact
	Company store.Properties `json:"company"` // associated with that contact
	// Ports seeded for the fixture.
	Lists          []string                       `json:"lists"`
	Workflows      []string                       `json:"workflows"`
	Meetings       map[string]store.MeetingLink   `json:"meetings"`
	Subscriptions  map[string]string              `json:"subscriptions"`  // type → state of the contact
	Users          map[string]availability.Status `json:"users"`          // Directory: status by user ID
	Teams          map[string][]string            `json:"teams"`          // Directory: members by team ID
	AgentAvailable bool                           `json:"agentAvailable"` // Agents port
	KnowledgeBase  []store.Article                `json:"knowledgeBase"`
	Steps          []fixtureStep                  `json:"steps"`
}

// fixturePorts are the memory ports every fixture runs with.
type fixturePorts struct {
	lists     *memory.Lists
	workflows *memory.Workflows
	tickets   *memory.Tickets
	subs      *memory.Subscriptions
}

type fixtureStep struct {
	Start             bool              `json:"start"`
	Says              string            `json:"says"`
	Clicks            string            `json:"clicks"`
	Bot               []string          `json:"bot"`
	QuickReplies      []string          `json:"quickReplies"`
	FreeText          *bool             `json:"freeText"`
	Awaiting          string            `json:"awaiting"`
	Status            engine.Status     `json:"status"`
	Events            []string          `json:"events"`
	Properties        map[string]string `json:"properties"`
	CompanyProperties map[string]string `json:"companyProperties"`
	Contact           *bool             `json:"contact"` // whether the visitor is a known contact
	Signal            string            `json:"signal"`
	ListMembers       map[string]int    `json:"listMembers"`
	Enrolled          map[string]int    `json:"enrolled"`
	Tickets           *int              `json:"tickets"`
	Subscriptions     map[string]string `json:"subscriptionStates"`
	ConsentRecords    *int              `json:"consentRecords"`
}

// TestActionFixtures runs the fixture of every built-in action type, and
// fails for a registered type without one.
func TestActionFixtures(t *testing.T) {
	for _, typ := range builtin.Types(store.Stores{}, builtin.Ports{}) {
		name := typ.Name
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "actions", name+".json"))
			require.NoError(t, err, "every registered action type needs a fixture in testdata/actions")
			var fx fixture
			require.NoError(t, json.Unmarshal(data, &fx))
			runFixture(t, fx)
		})
	}
}

func runFixture(t *testing.T, fx fixture) {
	ctx := context.Background()
	fp := fixturePorts{lists: memory.NewLists(fx.Lists...), workflows: memory.NewWorkflows(fx.Workflows...),
		tickets: memory.NewTickets(), subs: memory.NewSubscriptions()}
	kb := memory.NewKnowledgeBase()
	require.NoError(t, kb.Add(fx.KnowledgeBase...))
	ports := &testPorts{Snippets: map[string]builtin.Snippet{}, KnowledgeBase: kb, Lists: fp.lists, Workflows: fp.workflows, Tickets: fp.tickets,
		Meetings: memory.NewMeetings(fx.Meetings), Subscriptions: fp.subs,
		Directory: directory(fx.Users, fx.Teams), Agents: memory.NewAgents(fx.AgentAvailable)}
	h := enginetest.NewWith(t, (ports).config(), fx.Flow)
	req := engine.StartRequest{ConversationID: "fx"}
	if fx.Contact != nil {
		c, err := h.Stores.Contacts.CreateContact(ctx, fx.Contact)
		require.NoError(t, err)
		req.ContactID = c.ID
		for typ, st := range fx.Subscriptions {
			require.NoError(t, fp.subs.SetState(ctx, c.ID, typ, store.SubscriptionState(st), true))
		}
		if fx.Company != nil {
			co, err := h.Stores.Contacts.(*memory.Contacts).CreateCompany(ctx, fx.Company)
			require.NoError(t, err)
			require.NoError(t, h.Stores.Contacts.(*memory.Contacts).AssociateCompany(ctx, c.ID, co.ID))
		}
	}
	var conv *enginetest.Conversation
	for i, st := range fx.Steps {
		switch {
		case st.Start:
			conv = h.StartWith(req)
		case st.Clicks != "":
			conv.Clicks(st.Clicks)
		case st.Signal != "":
			conv.Send(engine.Input{Signal: st.Signal})
		default:
			conv.Says(st.Says)
		}
		r := conv.Reply()
		require.NoError(t, conv.Err(), "step %d", i)
		if st.Bot != nil {
			assert.Equal(t, st.Bot, r.Texts(), "step %d: bot messages", i)
		}
		if st.QuickReplies != nil {
			conv.ExpectQuickReplies(st.QuickReplies...)
		}
		if st.FreeText != nil {
			conv.ExpectFreeText(*st.FreeText)
		}
		if st.Awaiting != "" {
			conv.ExpectAwaiting(st.Awaiting)
		}
		if st.Status != "" {
			conv.ExpectStatus(st.Status)
		}
		var types []string
		for _, e := range r.Events {
			types = append(types, string(e.Type))
		}
		for _, e := range st.Events {
			assert.True(t, slices.Contains(types, e), "step %d: no %s event in %v", i, e, types)
		}
		for k, v := range st.Properties {
			conv.ExpectProperty(k, v)
		}
		if st.Contact != nil {
			s, err := h.Engine.Session(ctx, "fx")
			require.NoError(t, err)
			assert.Equal(t, *st.Contact, s.ContactID != "", "step %d: known contact", i)
		}
		for list, n := range st.ListMembers {
			assert.Len(t, fp.lists.Members(list), n, "step %d: members of list %s", i, list)
		}
		for wf, n := range st.Enrolled {
			assert.Len(t, fp.workflows.Enrolled(wf), n, "step %d: enrolled in %s", i, wf)
		}
		if st.Tickets != nil {
			assert.Len(t, fp.tickets.All(), *st.Tickets, "step %d: tickets", i)
		}
		if len(st.Subscriptions) > 0 || st.ConsentRecords != nil {
			s, err := h.Engine.Session(ctx, "fx")
			require.NoError(t, err)
			for typ, want := range st.Subscriptions {
				got, err := fp.subs.State(ctx, s.ContactID, typ)
				require.NoError(t, err)
				assert.Equal(t, want, string(got), "step %d: subscription %s", i, typ)
			}
			if st.ConsentRecords != nil {
				recs, err := h.Stores.Consent.ForVisitor(ctx, "fx")
				require.NoError(t, err)
				assert.Len(t, recs, *st.ConsentRecords, "step %d: consent records", i)
			}
		}
		for k, v := range st.CompanyProperties {
			s, err := h.Engine.Session(ctx, "fx")
			require.NoError(t, err)
			c, err := h.Stores.Contacts.Contact(ctx, s.ContactID)
			require.NoError(t, err)
			co, err := h.Stores.Companies.Company(ctx, c.CompanyID)
			require.NoError(t, err)
			assert.Equal(t, v, co.Properties[k], "step %d: company property %s", i, k)
		}
	}
}
