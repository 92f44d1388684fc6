package targeting_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/targeting"
	"github.com/chatflow/chatflow/targeting/availability"
)

// compile decodes a targeting section strictly, as a flow loader does, and
// compiles it.
func compile(js string) *targeting.Rules {
	dec := json.NewDecoder(strings.NewReader(js))
	dec.DisallowUnknownFields()
	var spec targeting.Spec
	if err := dec.Decode(&spec); err != nil {
		panic(err)
	}
	rules, err := spec.Compile(nil)
	if err != nil {
		panic(err)
	}
	return rules
}

func Example() {
	cands := []targeting.Candidate{ // in priority order
		{ID: "pricing-bot", Rules: compile(`{
		  "pageRules": [{"operator": "begins_with", "value": "https://www.example.com/pricing"}],
		  "exclusionRules": [{"type": "device", "operator": "is", "value": "mobile"}]
		}`)},
		{ID: "customer-support", Rules: compile(`{
		  "visitorRules": {"filterGroups": [{"filters": [
		    {"property": "lifecyclestage", "operator": "is_any_of", "values": ["customer"]}
		  ]}]}
		}`)},
		{ID: "concierge", Rules: nil}, // all pages, everyone
	}
	visitor := func(context.Context) (targeting.Visitor, error) {
		// Looked up only when a chatflow with visitor rules passes its page rules.
		return targeting.Visitor{Known: true, Properties: store.Properties{"lifecyclestage": "customer"}}, nil
	}
	for _, view := range []targeting.PageView{
		{URL: "https://example.com/pricing/teams#hs-chat-open", Device: targeting.Desktop},
		{URL: "https://example.com/pricing/teams", Device: targeting.Mobile},
		{URL: "https://example.com/docs", Device: targeting.Desktop},
	} {
		d, err := targeting.Select(context.Background(), cands, targeting.Request{View: view, Visitor: visitor})
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s on %s: %s (open now: %v)\n", view.URL, view.Device, d.Shown().ID, d.OpenNow)
	}
	// Output:
	// https://example.com/pricing/teams#hs-chat-open on desktop: pricing-bot (open now: true)
	// https://example.com/pricing/teams on mobile: customer-support (open now: false)
	// https://example.com/docs on desktop: customer-support (open now: false)
}

func ExampleSelect_explain() {
	cands := []targeting.Candidate{
		{ID: "legal-bot", Rules: compile(`{
		  "pageRules": [{"operator": "contains", "value": "/legal"}],
		  "exclusionRules": [{"operator": "ends_with", "value": ".pdf"}, {"operator": "contains", "value": "/privacy"}]
		}`)},
		{ID: "blog-bot", Rules: compile(`{"pageRules": [{"operator": "matches_wildcard", "value": "example.com/blog/*"}]}`)},
		{ID: "known-only", Rules: compile(`{"visitorRules": {"audience": "known"}}`)},
		{ID: "fallback", Rules: nil},
		{ID: "also-everywhere", Rules: nil},
	}
	d, err := targeting.Select(context.Background(), cands, targeting.Request{
		View:    targeting.PageView{URL: "https://www.example.com/legal/privacy/"},
		Explain: true,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("chosen:", d.Chosen.ID)
	for _, e := range d.Explanations {
		fmt.Printf("%s: %s\n", e.ID, e.Reason)
	}
	// Output:
	// chosen: fallback
	// legal-bot: excluded by exclusionRules[1]: URL contains "/privacy"
	// blog-bot: no page rule matches: pageRules[0]: URL matches wildcard "example.com/blog/*"
	// known-only: shown only to known contacts; the visitor is not one
	// also-everywhere: matches, but "fallback" has higher priority
}

func ExampleSelect_availability() {
	dir := availability.NewMemory()
	dir.SetStatus("ann", availability.Away)
	dir.SetTeam("sales", "ann")
	channels := map[string]availability.Channel{
		"sales-chat": {Mode: availability.ByUsers, TeamIDs: []string{"sales"}},
	}
	now := func() time.Time { return time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC) }
	cands := []targeting.Candidate{
		{ID: "sales-chat", Rules: compile(`{"availability": "when_available"}`)},
		{ID: "offline-bot", Rules: nil},
	}
	req := targeting.Request{
		View:      targeting.PageView{URL: "https://example.com/"},
		Available: targeting.ChannelAvailability(dir, channels, now),
	}
	d, _ := targeting.Select(context.Background(), cands, req)
	// Priority does not look at availability: the sales chat is chosen and
	// hidden, and the offline bot is not tried.
	fmt.Println(d.Chosen.ID, "hidden:", d.Hidden, "shown:", d.Shown())

	dir.SetStatus("ann", availability.Available)
	d, _ = targeting.Select(context.Background(), cands, req)
	fmt.Println(d.Chosen.ID, "hidden:", d.Hidden)
	// Output:
	// sales-chat hidden: true shown: <nil>
	// sales-chat hidden: false
}

func ExampleSpec_Compile() {
	var spec targeting.Spec
	if err := json.Unmarshal([]byte(`{
	  "pageRules": [{"operator": "begins_with", "value": "/pricing"}],
	  "visitorRules": {"filterGroups": [{"filters": [
	    {"property": "numemployees", "operator": "gte", "value": "50"},
	    {"property": "lifecyclestage", "operator": "is_any_of", "values": ["lead", "opportunity"]}
	  ]}]}
	}`), &spec); err != nil {
		panic(err)
	}
	// The property schema types the filters: numemployees is a number in
	// condition.DefaultSchema, and the host adds lifecyclestage.
	schema := condition.DefaultSchema()
	schema["contact"]["lifecyclestage"] = condition.PropertyDef{Type: condition.EnumerationProperty}
	rules, err := spec.Compile(schema)
	if err != nil {
		panic(err)
	}
	cands := []targeting.Candidate{{ID: "big-leads", Rules: rules}}
	for _, props := range []store.Properties{
		{"numemployees": "120", "lifecyclestage": "lead"},
		{"numemployees": "120", "lifecyclestage": "customer"},
		{"numemployees": "9", "lifecyclestage": "lead"},
	} {
		visitor := func(context.Context) (targeting.Visitor, error) {
			return targeting.Visitor{Known: true, Properties: props}, nil
		}
		d, err := targeting.Select(context.Background(), cands, targeting.Request{
			View:    targeting.PageView{URL: "https://example.com/pricing/teams"},
			Visitor: visitor,
		})
		if err != nil {
			panic(err)
		}
		fmt.Println(props["numemployees"], props["lifecyclestage"], "shown:", d.Shown() != nil)
	}
	// Output:
	// 120 lead shown: true
	// 120 customer shown: false
	// 9 lead shown: false
}

func ExampleSpec_Compile_errors() {
	spec := targeting.Spec{
		PageRules: []targeting.PageRule{
			{Operator: targeting.OpIs, Value: "/pricing"},
			{Operator: targeting.OpMatchesRegex, Value: "^/blog/(a|b"},
		},
		VisitorRules: &targeting.VisitorRules{FilterGroups: []targeting.FilterGroup{{Filters: []targeting.Filter{
			{Property: "city", Operator: targeting.OpGt, Value: "10"},
		}}}},
	}
	_, err := spec.Compile(nil) // city is not in the default schema: a string property
	fmt.Println(errors.Is(err, targeting.ErrInvalid))
	// A flow loader places the problems in the flow.
	for _, p := range condition.Problems(condition.WithPath(err, "targeting", "")) {
		fmt.Println(p)
	}
	// Output:
	// true
	// targeting.pageRules[1].value: bad regular expression: error parsing regexp: missing closing ): `^/blog/(a|b`
	// targeting.visitorRules.filterGroups[0].filters[0].operator: operator "gt" does not apply to string properties (want one of is, is_not, contains, does_not_contain, begins_with, ends_with, is_any_of, is_none_of, is_known, is_unknown)
}

func ExampleDisplay_Validate() {
	var d targeting.Display
	_ = json.Unmarshal([]byte(`{
	  "heading": {"type": "contact_owner"},
	  "mobileBehavior": "open_chat",
	  "triggers": {"timeOnPageSeconds": 20, "scrollPercent": 150},
	  "accentColor": "#ff7a59"
	}`), &d)
	fmt.Println(d.Validate())
	// Output:
	// heading.fallbackUserId: a contact_owner heading needs a fallback user for contacts without an owner
	// mobileBehavior: "open_chat" is for desktop only (want pop_message or launcher_only)
	// triggers.scrollPercent: 150 is outside 0 to 100
}
