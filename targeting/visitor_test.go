package targeting

import (
	"testing"

	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/store"
)

// filterMatches compiles f with a schema that gives its property the type
// typ, and matches it against v.
func filterMatches(t *testing.T, typ condition.PropertyType, f Filter, v Visitor) bool {
	t.Helper()
	spec := Spec{VisitorRules: &VisitorRules{FilterGroups: []FilterGroup{{Filters: []Filter{f}}}}}
	schema := condition.Schema{"contact": {f.Property: {Type: typ}}}
	r, err := spec.Compile(schema)
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
	S, N, D, E, B := condition.StringProperty, condition.NumberProperty, condition.DateProperty, condition.EnumerationProperty, condition.BoolProperty
	tests := []struct {
		typ  condition.PropertyType
		f    Filter
		want bool
	}{
		// string
		{S, Filter{Property: "email", Operator: OpIs, Value: "ann@example.com"}, true},
		{S, Filter{Property: "email", Operator: OpIs, Value: "bob@example.com"}, false},
		{S, Filter{Property: "email", Operator: OpIsNot, Value: "bob@example.com"}, true},
		{S, Filter{Property: "email", Operator: OpIsNot, Value: "ANN@example.com"}, false},
		{S, Filter{Property: "email", Operator: OpContains, Value: "EXAMPLE"}, true},
		{S, Filter{Property: "email", Operator: OpDoesNotContain, Value: "example"}, false},
		{S, Filter{Property: "email", Operator: OpDoesNotContain, Value: "gmail"}, true},
		{S, Filter{Property: "email", Operator: OpBeginsWith, Value: "ann@"}, true},
		{S, Filter{Property: "email", Operator: OpEndsWith, Value: ".COM"}, true},
		{S, Filter{Property: "email", Operator: OpEndsWith, Value: ".org"}, false},
		{S, Filter{Property: "city", Operator: OpIs, Value: "amsterdam"}, true},
		{S, Filter{Property: "city", Operator: OpIsAnyOf, Values: []string{"Utrecht", "AMSTERDAM"}}, true},
		{S, Filter{Property: "city", Operator: OpIsNoneOf, Values: []string{"Utrecht", "AMSTERDAM"}}, false},
		{S, Filter{Property: "city", Operator: OpIsNoneOf, Values: []string{"Utrecht"}}, true},
		// known / unknown and includeUnknown
		{S, Filter{Property: "email", Operator: OpIsKnown}, true},
		{S, Filter{Property: "email", Operator: OpIsUnknown}, false},
		{S, Filter{Property: "missing", Operator: OpIsKnown}, false},
		{S, Filter{Property: "missing", Operator: OpIsUnknown}, true},
		{S, Filter{Property: "blank", Operator: OpIsUnknown}, true},
		{S, Filter{Property: "whitespaceonly", Operator: OpIsUnknown}, true},
		{S, Filter{Property: "missing", Operator: OpIsNot, Value: "x"}, false},
		{S, Filter{Property: "missing", Operator: OpIsNot, Value: "x", IncludeUnknown: true}, true},
		{S, Filter{Property: "missing", Operator: OpDoesNotContain, Value: "x"}, false},
		{E, Filter{Property: "missing", Operator: OpIsNoneOf, Values: []string{"x"}}, false},
		{E, Filter{Property: "missing", Operator: OpIsNoneOf, Values: []string{"x"}, IncludeUnknown: true}, true},
		{N, Filter{Property: "missing", Operator: OpGt, Value: "1", IncludeUnknown: true}, true},
		{N, Filter{Property: "employees", Operator: OpGt, Value: "1000", IncludeUnknown: true}, false},
		// number
		{N, Filter{Property: "employees", Operator: OpEq, Value: "120"}, true},
		{N, Filter{Property: "employees", Operator: OpEq, Value: "120.0"}, true},
		{N, Filter{Property: "employees", Operator: OpNe, Value: "120"}, false},
		{N, Filter{Property: "employees", Operator: OpNe, Value: "121"}, true},
		{N, Filter{Property: "employees", Operator: OpGt, Value: "119.5"}, true},
		{N, Filter{Property: "employees", Operator: OpGt, Value: "120"}, false},
		{N, Filter{Property: "employees", Operator: OpGte, Value: "120"}, true},
		{N, Filter{Property: "employees", Operator: OpLt, Value: "120"}, false},
		{N, Filter{Property: "employees", Operator: OpLte, Value: "120"}, true},
		{N, Filter{Property: "employees", Operator: OpBetween, Values: []string{"100", "120"}}, true},
		{N, Filter{Property: "employees", Operator: OpBetween, Values: []string{"121", "200"}}, false},
		{N, Filter{Property: "revenue", Operator: OpGte, Value: "1000000"}, true},
		{N, Filter{Property: "score", Operator: OpGt, Value: "0"}, false},
		{N, Filter{Property: "score", Operator: OpNe, Value: "0"}, false},
		{N, Filter{Property: "score", Operator: OpIsKnown}, true},
		// date
		{D, Filter{Property: "signup", Operator: OpOn, Value: "2026-03-15"}, true},
		{D, Filter{Property: "signup", Operator: OpOn, Value: "2026-03-16"}, false},
		{D, Filter{Property: "signup", Operator: OpBefore, Value: "2026-03-16"}, true},
		{D, Filter{Property: "signup", Operator: OpBefore, Value: "2026-03-15"}, false},
		{D, Filter{Property: "signup", Operator: OpAfter, Value: "2026-03-14"}, true},
		{D, Filter{Property: "signup", Operator: OpAfter, Value: "2026-03-15"}, false},
		{D, Filter{Property: "signup", Operator: OpBetween, Values: []string{"2026-03-15", "2026-03-31"}}, true},
		{D, Filter{Property: "signup", Operator: OpBetween, Values: []string{"2026-01-01", "2026-03-14"}}, false},
		{D, Filter{Property: "lastseen", Operator: OpOn, Value: "2026-03-20"}, true},
		{D, Filter{Property: "baddate", Operator: OpBefore, Value: "2030-01-01"}, false},
		// enumeration
		{E, Filter{Property: "stage", Operator: OpIsAnyOf, Values: []string{"lead", "customer"}}, true},
		{E, Filter{Property: "stage", Operator: OpIsAnyOf, Values: []string{"Lead"}}, false},
		{E, Filter{Property: "stage", Operator: OpIsNoneOf, Values: []string{"customer"}}, true},
		{E, Filter{Property: "interests", Operator: OpIsAnyOf, Values: []string{"email"}}, true},
		{E, Filter{Property: "interests", Operator: OpIsAnyOf, Values: []string{"chat;bots"}}, false},
		{E, Filter{Property: "interests", Operator: OpIsNoneOf, Values: []string{"bots", "x"}}, false},
		{E, Filter{Property: "interests", Operator: OpIsAllOf, Values: []string{"bots", "chat"}}, true},
		{E, Filter{Property: "interests", Operator: OpIsAllOf, Values: []string{"bots", "sms"}}, false},
		{E, Filter{Property: "interests", Operator: OpIsExactly, Values: []string{"email", "chat", "bots"}}, true},
		{E, Filter{Property: "interests", Operator: OpIsExactly, Values: []string{"email", "chat"}}, false},
		{E, Filter{Property: "interests", Operator: OpIsExactly, Values: []string{"email", "chat", "bots", "sms"}}, false},
		// bool
		{B, Filter{Property: "subscribed", Operator: OpIs, Value: "true"}, true},
		{B, Filter{Property: "subscribed", Operator: OpIs, Value: "false"}, false},
		{B, Filter{Property: "opted_out", Operator: OpIs, Value: "false"}, true},
		{B, Filter{Property: "weird_bool", Operator: OpIs, Value: "true"}, false},
		{B, Filter{Property: "weird_bool", Operator: OpIs, Value: "false"}, false},
		{B, Filter{Property: "missing", Operator: OpIs, Value: "false"}, false},
		// lists
		{"", Filter{List: "vip", Operator: OpMemberOf}, true},
		{"", Filter{List: "partners", Operator: OpMemberOf}, false},
		{"", Filter{List: "partners", Operator: OpNotMemberOf}, true},
		{"", Filter{List: "vip", Operator: OpNotMemberOf}, false},
	}
	anonymous := Visitor{Properties: contact.Properties, Lists: contact.Lists}
	for _, tt := range tests {
		if got := filterMatches(t, tt.typ, tt.f, contact); got != tt.want {
			t.Errorf("%+v: got %v, want %v", tt.f, got, tt.want)
		}
		// Contact-based filters never match a visitor who is not a known
		// contact, whatever the operator.
		if filterMatches(t, tt.typ, tt.f, anonymous) {
			t.Errorf("%+v matches an unknown visitor", tt.f)
		}
	}
}

func TestAudienceAndGroups(t *testing.T) {
	lead := Filter{Property: "stage", Operator: OpIsAnyOf, Values: []string{"lead"}}
	big := Filter{Property: "employees", Operator: OpGte, Value: "100"}
	schema := condition.Schema{"contact": {
		"stage":     {Type: condition.EnumerationProperty},
		"employees": {Type: condition.NumberProperty},
	}}
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
		r, err := (&Spec{VisitorRules: vr}).Compile(schema)
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
		{Property: "stage", Operator: OpIsAnyOf, Values: []string{"lead"}},
		{Property: "email", Operator: OpEndsWith, Value: "@example.com"},
	}}}}}
	schema := condition.Schema{"contact": {
		"employees": {Type: condition.NumberProperty},
		"stage":     {Type: condition.EnumerationProperty},
		"email":     {Type: condition.EmailProperty},
	}, "company": {
		"employees": {Type: condition.StringProperty}, // another object: ignored
	}}
	r, err := spec.Compile(schema)
	if err != nil {
		t.Fatal(err)
	}
	schema["contact"]["employees"] = condition.PropertyDef{Type: condition.StringProperty} // Compile does not keep the schema
	v := Visitor{Known: true, Properties: store.Properties{"employees": "9.5e1", "stage": "lead;customer", "email": "Ann@Example.com"}}
	if !r.visitorPass(&v) {
		t.Error("schema-typed filters did not match")
	}
	v.Properties["employees"] = "9"
	if r.visitorPass(&v) {
		t.Error("9 > 10")
	}
}
