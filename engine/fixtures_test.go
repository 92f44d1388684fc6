package engine_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixture is a scripted conversation for one action type, in
// testdata/actions/<type>.json.
type fixture struct {
	Flow    json.RawMessage  `json:"flow"`
	Contact store.Properties `json:"contact"` // an identified visitor's contact
	Company store.Properties `json:"company"` // associated with that contact
	Steps   []fixtureStep    `json:"steps"`
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
}

// TestActionFixtures runs the fixture of every built-in action type, and
// fails for a registered type without one.
func TestActionFixtures(t *testing.T) {
	for _, name := range action.DefaultRegistry().Names() {
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
	h := enginetest.New(t, fx.Flow)
	req := engine.StartRequest{ConversationID: "fx"}
	if fx.Contact != nil {
		c, err := h.Contacts.CreateContact(ctx, fx.Contact)
		require.NoError(t, err)
		req.ContactID = c.ID
		if fx.Company != nil {
			co, err := h.Contacts.CreateCompany(ctx, fx.Company)
			require.NoError(t, err)
			require.NoError(t, h.Contacts.AssociateCompany(ctx, c.ID, co.ID))
		}
	}
	var conv *enginetest.Conversation
	for i, st := range fx.Steps {
		switch {
		case st.Start:
			conv = h.StartWith(req)
		case st.Clicks != "":
			conv.Clicks(st.Clicks)
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
		for k, v := range st.CompanyProperties {
			s, err := h.Engine.Session(ctx, "fx")
			require.NoError(t, err)
			c, err := h.Contacts.Contact(ctx, s.ContactID)
			require.NoError(t, err)
			co, err := h.Contacts.Company(ctx, c.CompanyID)
			require.NoError(t, err)
			assert.Equal(t, v, co.Properties[k], "step %d: company property %s", i, k)
		}
	}
}
