package targeting

import (
	"testing"

	"github.com/chatflow/chatflow/store"
)

func filterMatches(t *testing.T, f Filter, v Visitor) bool {
	t.Helper()
	spec := Spec{VisitorRules: &VisitorRules{FilterGroups: []FilterGroup{{Filters: []Filter{f}}}}}
	r, err := spec.Compile()
	if err != nil {
		t.Fatalf("compile %+v: %v", f, err)
	}
	return r.visitorPass(&v)
}

func TestFilters(t *testing.T) {
	contact := Visitor{
		Known: true,
		Properties: store.Properties{
			"email":          "Ann@Example.com",
			"city":           "  Amsterdam ",
			"employees":      "120",
			"revenue":        "1.5e6",
			"score":          "not a number",
			"signup":         "2026-03-15",
			"lastseen":       "2026-03-20T10:00:00Z",
			"baddate":        "15/03/2026",
			"interests":      "chat;bots; email ",
			"stage":          "lead",
			"subscribed":     "true",
			"opted_out":      "FALSE",
			"weird_bool":     "yes",
			"blank":          "",
			"whitespaceonly": "   ",
		},
		Lists: []string{"vip", "newsletter"},
	}
	S, N, D, E, B := TypeString, TypeNumber, TypeDate, TypeEnumeration, TypeBool
	tests := []struct {
		f    Filter
		want bool
	}{
		// string
		{Filter{Property: "email", PropertyType: S, Operator: OpIs, Value: "ann@example.com"}, true},
		{Filter{Property: "email", PropertyType: S, Operator: OpIs, Value: "bob@example.com"}, false},
		{Filter{Property: "email", PropertyType: S, Operator: OpIsNot, Value: "bob@example.com"}, true},
		{Filter{Property: "email", PropertyType: S, Operator: OpIsNot, Value: "ANN@example.com"}, false},
		{Filter{Property: "email", PropertyType: S, Operator: OpContains, Value: "EXAMPLE"}, true},
		{Filter{Property: "email", PropertyType: S, Operator: OpDoesNotContain, Value: "example"}, false},
		{Filter{Property: "email", PropertyType: S, Operator: OpDoesNotContain, Value: "gmail"}, true},
		{Filter{Property: "email", PropertyType: S, Operator: OpBeginsWith, Value: "ann@"}, true},
		{Filter{Property: "email", PropertyType: S, Operator: OpEndsWith, Value: ".COM"}, true},
		{Filter{Property: "email", PropertyType: S, Operator: OpEndsWith, Value: ".org"}, false},
		{Filter{Property: "city", PropertyType: S, Operator: OpIs, Value: "amsterdam"}, true},
		{Filter{Property: "city", PropertyType: S, Operator: OpIsAnyOf, Values: []string{"Utrecht", "AMSTERDAM"}}, true},
		{Filter{Property: "city", PropertyType: S, Operator: OpIsNoneOf, Values: []string{"Utrecht", "AMSTERDAM"}}, false},
		{Filter{Property: "city", PropertyType: S, Operator: OpIsNoneOf, Values: []string{"Utrecht"}}, true},
		// known / unknown and includeUnknown
		{Filter{Property: "email", PropertyType: S, Operator: OpIsKnown}, true},
		{Filter{Property: "email", PropertyType: S, Operator: OpIsUnknown}, false},
		{Filter{Property: "missing", PropertyType: S, Operator: OpIsKnown}, false},
		{Filter{Property: "missing", PropertyType: S, Operator: OpIsUnknown}, true},
		{Filter{Property: "blank", PropertyType: S, Operator: OpIsUnknown}, true},
		{Filter{Property: "whitespaceonly", PropertyType: S, Operator: OpIsUnknown}, true},
		{Filter{Property: "missing", PropertyType: S, Operator: OpIsNot, Value: "x"}, false},
		{Filter{Property: "missing", PropertyType: S, Operator: OpIsNot, Value: "x", IncludeUnknown: true}, true},
		{Filter{Property: "missing", PropertyType: S, Operator: OpDoesNotContain, Value: "x"}, false},
		{Filter{Property: "missing", PropertyType: E, Operator: OpIsNoneOf, Values: []string{"x"}}, false},
		{Filter{Property: "missing", PropertyType: E, Operator: OpIsNoneOf, Values: []string{"x"}, IncludeUnknown: true}, true},
		{Filter{Property: "missing", PropertyType: N, Operator: OpGt, Value: "1", IncludeUnknown: true}, true},
		{Filter{Property: "employees", PropertyType: N, Operator: OpGt, Value: "1000", IncludeUnknown: true}, false},
		// number
		{Filter{Property: "employees", PropertyType: N, Operator: OpEq, Value: "120"}, true},
		{Filter{Property: "employees", PropertyType: N, Operator: OpEq, Value: "120.0"}, true},
		{Filter{Property: "employees", PropertyType: N, Operator: OpNe, Value: "120"}, false},
		{Filter{Property: "employees", PropertyType: N, Operator: OpNe, Value: "121"}, true},
		{Filter{Property: "employees", PropertyType: N, Operator: OpGt, Value: "119.5"}, true},
		{Filter{Property: "employees", PropertyType: N, Operator: OpGt, Value: "120"}, false},
		{Filter{Property: "employees", PropertyType: N, Operator: OpGte, Value: "120"}, true},
		{Filter{Property: "employees", PropertyType: N, Operator: OpLt, Value: "120"}, false},
		{Filter{Property: "employees", PropertyType: N, Operator: OpLte, Value: "120"}, true},
		{Filter{Property: "employees", PropertyType: N, Operator: OpBetween, Values: []string{"100", "120"}}, true},
		{Filter{Property: "employees", PropertyType: N, Operator: OpBetween, Values: []string{"121", "200"}}, false},
		{Filter{Property: "revenue", PropertyType: N, Operator: OpGte, Value: "1000000"}, true},
		{Filter{Property: "score", PropertyType: N, Operator: OpGt, Value: "0"}, false},
		{Filter{Property: "score", PropertyType: N, Operator: OpNe, Value: "0"}, false},
		{Filter{Property: "score", PropertyType: N, Operator: OpIsKnown}, true},
		// date
		{Filter{Property: "signup", PropertyType: D, Operator: OpOn, Value: "2026-03-15"}, true},
		{Filter{Property: "signup", PropertyType: D, Operator: OpOn, Value: "2026-03-16"}, false},
		{Filter{Property: "signup", PropertyType: D, Operator: OpBefore, Value: "2026-03-16"}, true},
		{Filter{Property: "signup", PropertyType: D, Operator: OpBefore, Value: "2026-03-15"}, false},
		{Filter{Property: "signup", PropertyType: D, Operator: OpAfter, Value: "2026-03-14"}, true},
		{Filter{Property: "signup", PropertyType: D, Operator: OpAfter, Value: "2026-03-15"}, false},
		{Filter{Property: "signup", PropertyType: D, Operator: OpBetween, Values: []string{"2026-03-15", "2026-03-31"}}, true},
		{Filter{Property: "signup", PropertyType: D, Operator: OpBetween, Values: []string{"2026-01-01", "2026-03-14"}}, false},
		{Filter{Property: "lastseen", PropertyType: D, Operator: OpOn, Value: "2026-03-20"}, true},
		{Filter{Property: "baddate", PropertyType: D, Operator: OpBefore, Value: "2030-01-01"}, false},
		// enumeration
		{Filter{Property: "stage", PropertyType: E, Operator: OpIsAnyOf, Values: []string{"lead", "customer"}}, true},
		{Filter{Property: "stage", PropertyType: E, Operator: OpIsAnyOf, Values: []string{"Lead"}}, false},
		{Filter{Property: "stage", PropertyType: E, Operator: OpIsNoneOf, Values: []string{"customer"}}, true},
		{Filter{Property: "interests", PropertyType: E, Operator: OpIsAnyOf, Values: []string{"email"}}, true},
		{Filter{Property: "interests", PropertyType: E, Operator: OpIsAnyOf, Values: []string{"chat;bots"}}, false},
		{Filter{Property: "interests", PropertyType: E, Operator: OpIsNoneOf, Values: []string{"bots", "x"}}, false},
		{Filter{Property: "interests", PropertyType: E, Operator: OpIsAllOf, Values: []string{"bots", "chat"}}, true},
		{Filter{Property: "interests", PropertyType: E, Operator: OpIsAllOf, Values: []string{"bots", "sms"}}, false},
		{Filter{Property: "interests", PropertyType: E, Operator: OpIsExactly, Values: []string{"email", "chat", "bots"}}, true},
		{Filter{Property: "interests", PropertyType: E, Operator: OpIsExactly, Values: []string{"email", "chat"}}, false},
		{Filter{Property: "interests", PropertyType: E, Operator: OpIsExactly, Values: []string{"email", "chat", "bots", "sms"}}, false},
		// bool
		{Filter{Property: "subscribed", PropertyType: B, Operator: OpIs, Value: "true"}, true},
		{Filter{Property: "subscribed", PropertyType: B, Operator: OpIs, Value: "false"}, false},
		{Filter{Property: "opted_out", PropertyType: B, Operator: OpIs, Value: "false"}, true},
		{Filter{Property: "weird_bool", PropertyType: B, Operator: OpIs, Value: "true"}, false},
		{Filter{Property: "weird_bool", PropertyType: B, Operator: OpIs, Value: "false"}, false},
		{Filter{Property: "missing", PropertyType: B, Operator: OpIs, Value: "false"}, false},
		// lists
		{Filter{List: "vip", Operator: OpMemberOf}, true},
		{Filter{List: "partners", Operator: OpMemberOf}, false},
		{Filter{List: "partners", Operator: OpNotMemberOf}, true},
		{Filter{List: "vip", Operator: OpNotMemberOf}, false},
	}
	anonymous := Visitor{Properties: contact.Properties, Lists: contact.Lists}
	for _, tt := range tests {
		if got := filterMatches(t, tt.f, contact); got != tt.want {
			t.Errorf("%+v: got %v, want %v", tt.f, got, tt.want)
		}
		// Contact-based filters never match a visitor who is not a known
		// contact, whatever the operator.
		if filterMatches(t, tt.f, anonymous) {
			t.Errorf("%+v matches an unknown visitor", tt.f)
		}
	}
}

func TestAudienceAndGroups(t *testing.T) {
	lead := Filter{Property: "stage", PropertyType: TypeEnumeration, Operator: OpIsAnyOf, Values: []string{"lead"}}
	big := Filter{Property: "employees", PropertyType: TypeNumber, Operator: OpGte, Value: "100"}
	vip := Filter{List: "vip", Operator: OpMemberOf}
	rules := map[string]*VisitorRules{
		"all":                   nil,
		"audience all":          {Audience: AudienceAll},
		"known":                 {Audience: AudienceKnown},
		"unknown":               {Audience: AudienceUnknown},
		"lead AND big":          {FilterGroups: []FilterGroup{{Filters: []Filter{lead, big}}}},
		"(lead AND big) OR vip": {FilterGroups: []FilterGroup{{Filters: []Filter{lead, big}}, {Filters: []Filter{vip}}}},
	}
	visitors := map[string]Visitor{
		"anonymous":       {},
		"small lead":      {Known: true, Properties: store.Properties{"stage": "lead", "employees": "10"}},
		"big lead":        {Known: true, Properties: store.Properties{"stage": "lead", "employees": "500"}},
		"small vip":       {Known: true, Properties: store.Properties{"employees": "10"}, Lists: []string{"vip"}},
		"anonymous w/vip": {Lists: []string{"vip"}},
	}
	want := map[string]map[string]bool{
		"all":                   {"anonymous": true, "small lead": true, "big lead": true, "small vip": true, "anonymous w/vip": true},
		"audience all":          {"anonymous": true, "small lead": true, "big lead": true, "small vip": true, "anonymous w/vip": true},
		"known":                 {"small lead": true, "big lead": true, "small vip": true},
		"unknown":               {"anonymous": true, "anonymous w/vip": true},
		"lead AND big":          {"big lead": true},
		"(lead AND big) OR vip": {"big lead": true, "small vip": true},
	}
	for rname, vr := range rules {
		r, err := (&Spec{VisitorRules: vr}).Compile()
		if err != nil {
			t.Fatal(err)
		}
		for vname, v := range visitors {
			if got := r.visitorPass(&v); got != want[rname][vname] {
				t.Errorf("rules %q, visitor %q: got %v, want %v", rname, vname, got, want[rname][vname])
			}
		}
		if r.NeedsVisitor() != (vr != nil && vr.Audience != AudienceAll) {
			t.Errorf("rules %q: NeedsVisitor = %v", rname, r.NeedsVisitor())
		}
	}
}

func TestPropertySchema(t *testing.T) {
	spec := Spec{VisitorRules: &VisitorRules{FilterGroups: []FilterGroup{{Filters: []Filter{
		{Property: "employees", Operator: OpGt, Value: "10"},
		{Property: "stage", PropertyType: TypeEnumeration, Operator: OpIsAnyOf, Values: []string{"lead"}},
	}}}}}
	schema := map[string]PropertyType{"employees": TypeNumber, "stage": TypeEnumeration}
	r, err := spec.Compile(WithPropertySchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	schema["employees"] = TypeString // Compile copied the schema
	v := Visitor{Known: true, Properties: store.Properties{"employees": "9.5e1", "stage": "lead"}}
	if !r.visitorPass(&v) {
		t.Error("schema-typed number filter did not match")
	}
}
