package engine_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/targeting"
)

// A chatflow for unknown visitors who came from an ad campaign (a fact the
// host passes in), never for visitors who opted out of chat by cookie,
// known or not, nor for customers.
const campaignFlow = `{"id": "campaign", "version": 1, "welcome": {"message": ["Welcome from the campaign!"]},
 "targeting": {"visitorRules": {
   "audience": "unknown",
   "filterGroups": [{"filters": [{"fact": "query.utm_source", "operator": "is_any_of", "values": ["ads", "newsletter"]}]},
                    {"filters": [{"fact": "cookie.returning", "operator": "is", "value": "true"},
                                 {"fact": "referrer", "operator": "contains", "value": "partner.example"}]}],
   "exclusionGroups": [{"filters": [{"fact": "cookie.chat_opt_out", "operator": "is_known"}]},
                       {"filters": [{"property": "lifecyclestage", "operator": "is", "value": "customer"}]}]}},
 "actions": [{"name": "a", "type": "send_message", "settings": {"message": ["x"]}}]}`

func TestTargetingUnknownVisitorsByFactsAndExclusions(t *testing.T) {
	h := enginetest.New(t, []byte(campaignFlow))
	cands := h.Engine.Candidates("campaign")
	sel := func(v targeting.Visitor) targeting.Decision {
		t.Helper()
		d, err := targeting.Select(t.Context(), cands, targeting.Request{Explain: true,
			Visitor: func(context.Context) (targeting.Visitor, error) { return v, nil }})
		require.NoError(t, err)
		return d
	}
	facts := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	assert.NotNil(t, sel(targeting.Visitor{Facts: facts("query.utm_source", "Ads")}).Chosen)
	assert.NotNil(t, sel(targeting.Visitor{Facts: facts("cookie.returning", "true", "referrer", "https://partner.example/x")}).Chosen)

	d := sel(targeting.Visitor{Facts: facts("cookie.returning", "true")})
	assert.Nil(t, d.Chosen)
	require.Len(t, d.Explanations, 1)
	assert.Equal(t, targeting.NoFilterGroup, d.Explanations[0].Outcome)
	assert.Contains(t, d.Explanations[0].Reason, `visitor fact "referrer"`)

	// An exclusion wins over a matching group.
	d = sel(targeting.Visitor{Facts: facts("query.utm_source", "ads", "cookie.chat_opt_out", "1")})
	assert.Nil(t, d.Chosen)
	require.Len(t, d.Explanations, 1)
	assert.Equal(t, targeting.ExcludedVisitor, d.Explanations[0].Outcome)
	assert.Equal(t, "visitorRules.exclusionGroups[0]", d.Explanations[0].Rule)

	// Known contacts: the audience is unknown visitors, and customers are
	// excluded before that.
	d = sel(targeting.Visitor{Known: true, Properties: store.Properties{"lifecyclestage": "customer"}, Facts: facts("query.utm_source", "ads")})
	assert.Nil(t, d.Chosen)
	assert.Equal(t, targeting.ExcludedVisitor, d.Explanations[0].Outcome)
	d = sel(targeting.Visitor{Known: true, Facts: facts("query.utm_source", "ads")})
	assert.Equal(t, targeting.WrongAudience, d.Explanations[0].Outcome)

	// The same facts reach the conversation's conditions as visitor.*.
	h.StartWith(engineStart("c1", facts("query.utm_source", "ads"))).ExpectBot("Welcome from the campaign!")
}

func engineStart(id string, visitor map[string]string) engine.StartRequest {
	return engine.StartRequest{ConversationID: id, Visitor: visitor}
}
