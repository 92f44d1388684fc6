package targeting

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/store"
)

// testSchema types the properties the tests filter on.
var testSchema = condition.Schema{"contact": {
	"stage": {Type: condition.EnumerationProperty},
	"b":     {Type: condition.BoolProperty},
}}

// decodeSpec decodes JSON the way the flow loader does: strictly.
func decodeSpec(t *testing.T, js string) *Spec {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(js))
	dec.DisallowUnknownFields()
	var s Spec
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return &s
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name   string
		spec   string
		schema condition.Schema
		want   []string // "path: message" fragments, in order
	}{
		{"bad regex", `{"pageRules":[{"operator":"is","value":"a"},{"operator":"is","value":"b"},{"operator":"matches_regex","value":"a("}]}`, nil,
			[]string{"pageRules[2].value: bad regular expression: error parsing regexp: missing closing ): `a(`"}},
		{"regex with scheme", `{"pageRules":[{"operator":"matches_regex","value":"^https?://example\\.com/"}]}`, nil,
			[]string{"pageRules[0].value: URL regexes are matched against the normalised URL host/path?query, which has no scheme"}},
		{"regex with www", `{"exclusionRules":[{"operator":"matches_regex","value":"^www\\.example"}]}`, nil,
			[]string{`exclusionRules[0].value: URL regexes are matched against the normalised URL, whose host has no "www."`}},
		{"regex too long", `{"pageRules":[{"operator":"matches_regex","value":"` + strings.Repeat("a", MaxRegexLen+1) + `"}]}`, nil,
			[]string{"pageRules[0].value: regular expression is longer than 1000 bytes"}},
		{"unknown operator", `{"pageRules":[{"operator":"equals","value":"x"}]}`, nil,
			[]string{`pageRules[0].operator: unknown operator "equals" (want one of all_pages, is, is_not, contains, does_not_contain, begins_with, ends_with, matches_wildcard, matches_regex)`}},
		{"missing operator", `{"pageRules":[{"value":"x"}]}`, nil,
			[]string{"pageRules[0].operator: missing operator"}},
		{"operator of another kind", `{"pageRules":[{"operator":"is_known"}]}`, nil,
			[]string{`pageRules[0].operator: operator "is_known" does not apply to URL rules`}},
		{"all_pages for a parameter", `{"pageRules":[{"type":"query_param","param":"a","operator":"all_pages"}]}`, nil,
			[]string{`pageRules[0].operator: operator "all_pages" does not apply to query-parameter rules`}},
		{"missing value", `{"pageRules":[{"operator":"contains"}]}`, nil,
			[]string{`pageRules[0].value: operator "contains" needs a value`}},
		{"blank value", `{"pageRules":[{"operator":"is","value":"  "}]}`, nil,
			[]string{`pageRules[0].value: operator "is" needs a value`}},
		{"value only a fragment", `{"pageRules":[{"operator":"contains","value":"#top"}]}`, nil,
			[]string{`pageRules[0].value: "#top" is empty once normalised (a fragment is ignored)`}},
		{"value not taken", `{"pageRules":[{"operator":"all_pages","value":"x"}]}`, nil,
			[]string{`pageRules[0].value: operator "all_pages" takes no value`}},
		{"ignoreCase without effect", `{"pageRules":[{"type":"query_param","param":"a","operator":"is_known","ignoreCase":true}]}`, nil,
			[]string{"pageRules[0].ignoreCase: ignoreCase has no effect here"}},
		{"unknown type", `{"pageRules":[{"type":"cookie","operator":"is","value":"x"}]}`, nil,
			[]string{`pageRules[0].type: unknown rule type "cookie"`}},
		{"param on url rule", `{"pageRules":[{"param":"a","operator":"is","value":"x"}]}`, nil,
			[]string{`pageRules[0].param: only rules of type "query_param" have a param`}},
		{"missing param", `{"pageRules":[{"type":"query_param","operator":"is","value":"x"}]}`, nil,
			[]string{"pageRules[0].param: missing query parameter name"}},
		{"device in page rules", `{"pageRules":[{"type":"device","operator":"is","value":"mobile"}]}`, nil,
			[]string{"pageRules[0].type: device rules belong in exclusionRules"}},
		{"unknown device", `{"exclusionRules":[{"type":"device","operator":"is","value":"watch"}]}`, nil,
			[]string{`exclusionRules[0].value: unknown device "watch"`}},
		{"device operator", `{"exclusionRules":[{"type":"device","operator":"contains","value":"mob"}]}`, nil,
			[]string{`exclusionRules[0].operator: operator "contains" does not apply to device rules (want one of is, is_not)`}},
		{"audience", `{"visitorRules":{"audience":"everyone"}}`, nil,
			[]string{`visitorRules.audience: unknown audience "everyone"`}},
		{"unknown audience with filters", `{"visitorRules":{"audience":"unknown","filterGroups":[{"filters":[{"list":"x","operator":"member_of"}]}]}}`, nil,
			[]string{`visitorRules.filterGroups[0].filters[0]: contact filters match only known contacts, so with audience "unknown" this group can never match`}},
		{"fact with property", `{"visitorRules":{"filterGroups":[{"filters":[{"fact":"cookie.x","property":"p","operator":"is","value":"x"}]}]}}`, nil,
			[]string{`visitorRules.filterGroups[0].filters[0]: a filter has a property, a list or a fact, only one`}},
		{"fact with a number operator", `{"visitorRules":{"filterGroups":[{"filters":[{"fact":"cookie.x","operator":"gt","value":"1"}]}]}}`, nil,
			[]string{`visitorRules.filterGroups[0].filters[0].operator: operator "gt" does not apply to string properties`}},
		{"empty exclusion group", `{"visitorRules":{"exclusionGroups":[{"filters":[]}]}}`, nil,
			[]string{"visitorRules.exclusionGroups[0].filters: an exclusion group needs at least one filter"}},
		{"empty group", `{"visitorRules":{"filterGroups":[{"filters":[]}]}}`, nil,
			[]string{"visitorRules.filterGroups[0].filters: a filter group needs at least one filter"}},
		{"operator not for type", `{"visitorRules":{"filterGroups":[{"filters":[{"property":"a","operator":"is","value":"x"},{"property":"city","operator":"gt","value":"1"}]}]}}`, nil,
			[]string{`visitorRules.filterGroups[0].filters[1].operator: operator "gt" does not apply to string properties (want one of is, is_not, contains, does_not_contain, begins_with, ends_with, is_any_of, is_none_of, is_known, is_unknown)`}},
		{"contains on enumeration", `{"visitorRules":{"filterGroups":[{"filters":[{"property":"stage","operator":"contains","value":"x"}]}]}}`, testSchema,
			[]string{`visitorRules.filterGroups[0].filters[0].operator: operator "contains" does not apply to enumeration properties`}},
		{"unknown filter operator", `{"visitorRules":{"filterGroups":[{"filters":[{"property":"numemployees","operator":"greater"}]}]}}`, nil,
			[]string{`visitorRules.filterGroups[0].filters[0].operator: unknown operator "greater"`}},
		{"type filters do not support", `{"visitorRules":{"filterGroups":[{"filters":[{"property":"n","operator":"eq","value":"1"}]}]}}`,
			condition.Schema{"contact": {"n": {Type: "float"}}},
			[]string{`visitorRules.filterGroups[0].filters[0].property: the property schema gives "n" the type "float", which visitor filters do not support`}},
		{"email is a string", `{"visitorRules":{"filterGroups":[{"filters":[{"property":"email","operator":"gt","value":"1"}]}]}}`, nil,
			[]string{`visitorRules.filterGroups[0].filters[0].operator: operator "gt" does not apply to email properties (want one of is, is_not, contains,`}},
		{"bad number", `{"visitorRules":{"filterGroups":[{"filters":[{"property":"numemployees","operator":"gt","value":"ten"}]}]}}`, nil,
			[]string{`visitorRules.filterGroups[0].filters[0].value: "ten" is not a number`}},
		{"between needs two", `{"visitorRules":{"filterGroups":[{"filters":[{"property":"numemployees","operator":"between","values":["1"]}]}]}}`, nil,
			[]string{`visitorRules.filterGroups[0].filters[0].values: operator "between" needs exactly two values`}},
		{"between order", `{"visitorRules":{"filterGroups":[{"filters":[{"property":"date_of_birth","operator":"between","values":["2026-02-01","2026-01-01"]}]}]}}`, nil,
			[]string{`visitorRules.filterGroups[0].filters[0].values: start date 2026-02-01 is after end date 2026-01-01`}},
		{"bad date", `{"visitorRules":{"filterGroups":[{"filters":[{"property":"date_of_birth","operator":"before","value":"01/02/2026"}]}]}}`, nil,
			[]string{`visitorRules.filterGroups[0].filters[0].value: "01/02/2026" is not a date (YYYY-MM-DD)`}},
		{"bad bool", `{"visitorRules":{"filterGroups":[{"filters":[{"property":"b","operator":"is","value":"yes"}]}]}}`, testSchema,
			[]string{`visitorRules.filterGroups[0].filters[0].value: "yes" is not a bool`}},
		{"values for single operator", `{"visitorRules":{"filterGroups":[{"filters":[{"property":"s","operator":"is","values":["a"]}]}]}}`, nil,
			[]string{`visitorRules.filterGroups[0].filters[0].values: operator "is" takes value, not values`, `visitorRules.filterGroups[0].filters[0].value: operator "is" needs a value`}},
		{"empty set value", `{"visitorRules":{"filterGroups":[{"filters":[{"property":"stage","operator":"is_any_of","values":["a"," "]}]}]}}`, testSchema,
			[]string{`visitorRules.filterGroups[0].filters[0].values[1]: empty value`}},
		{"property and list", `{"visitorRules":{"filterGroups":[{"filters":[{"property":"p","list":"l","operator":"member_of"}]}]}}`, nil,
			[]string{`visitorRules.filterGroups[0].filters[0]: a filter has a property or a list, not both`}},
		{"neither property nor list", `{"visitorRules":{"filterGroups":[{"filters":[{"operator":"is","value":"x"}]}]}}`, nil,
			[]string{`visitorRules.filterGroups[0].filters[0]: a filter needs a property, a list or a fact`}},
		{"list with value", `{"visitorRules":{"filterGroups":[{"filters":[{"list":"l","operator":"member_of","value":"x"}]}]}}`, nil,
			[]string{`visitorRules.filterGroups[0].filters[0].value: list filters take no value`}},
		{"includeUnknown with is_known", `{"visitorRules":{"filterGroups":[{"filters":[{"property":"p","operator":"is_known","includeUnknown":true}]}]}}`, nil,
			[]string{`visitorRules.filterGroups[0].filters[0].includeUnknown: includeUnknown has no effect with "is_known"`}},
		{"availability", `{"availability":"sometimes"}`, nil,
			[]string{`availability: unknown value "sometimes" (want always or when_available)`}},
		{"several problems", `{"pageRules":[{"operator":"matches_regex","value":"("},{"operator":"nope"}],"exclusionRules":[{"type":"device","operator":"is","value":"tv"}],"availability":"x"}`, nil,
			[]string{"pageRules[0].value: bad regular expression", `pageRules[1].operator: unknown operator "nope"`, `exclusionRules[0].value: unknown device "tv"`, `availability: unknown value "x"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := decodeSpec(t, tt.spec).Compile(tt.schema)
			if err == nil {
				t.Fatalf("no error; rules %+v", r)
			}
			if r != nil {
				t.Error("rules returned with an error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%v does not match ErrInvalid", err)
			}
			var te *condition.Error
			if !errors.As(err, &te) {
				t.Fatalf("%v is not a *condition.Error", err)
			}
			for _, p := range condition.Problems(err) {
				if p.Err != ErrInvalid || p.Action != "" || p.Source != "" || p.Line != 0 {
					t.Errorf("problem %#v", p)
				}
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("got %d errors:\n%v\nwant %d", len(lines), err, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("error %d = %q, want prefix %q", i, lines[i], w)
				}
			}
			if wantPath, _, _ := strings.Cut(tt.want[0], ": "); te.Path != wantPath {
				t.Errorf("first error path = %q, want %q", te.Path, wantPath)
			}
		})
	}
}

func TestCompileValid(t *testing.T) {
	var nilSpec *Spec
	for name, s := range map[string]*Spec{
		"nil":  nilSpec,
		"zero": {},
		"full": decodeSpec(t, `{
		  "pageRules": [
		    {"operator": "begins_with", "value": "https://www.example.com/pricing"},
		    {"operator": "matches_wildcard", "value": "example.com/blog/*/chat"},
		    {"type": "query_param", "param": "utm_campaign", "operator": "is", "value": "spring", "ignoreCase": true}
		  ],
		  "exclusionRules": [
		    {"operator": "contains", "value": "/privacy"},
		    {"type": "device", "operator": "is", "value": "mobile"}
		  ],
		  "visitorRules": {
		    "audience": "known",
		    "filterGroups": [
		      {"filters": [
		        {"property": "lifecyclestage", "operator": "is_any_of", "values": ["lead", "customer"]},
		        {"property": "numemployees", "operator": "gte", "value": "50"}
		      ]},
		      {"filters": [{"list": "vip", "operator": "member_of"}]}
		    ]
		  },
		  "availability": "when_available"
		}`),
	} {
		r, err := s.Compile(nil)
		if err != nil || r == nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	var nilRules *Rules
	if nilRules.NeedsVisitor() || nilRules.NeedsAvailability() {
		t.Error("nil rules need something")
	}
}

func TestStrictDecoding(t *testing.T) {
	for _, js := range []string{
		`{"pageRules":[{"operator":"is","value":"x","caseInsensitive":true}]}`,
		// A filter's type comes from the property schema, not from the flow.
		`{"visitorRules":{"filterGroups":[{"filters":[{"property":"n","propertyType":"number","operator":"eq","value":"1"}]}]}}`,
	} {
		dec := json.NewDecoder(strings.NewReader(js))
		dec.DisallowUnknownFields()
		var s Spec
		if err := dec.Decode(&s); err == nil {
			t.Errorf("unknown field accepted: %s", js)
		}
	}
}

func TestOperatorJSON(t *testing.T) {
	b, err := json.Marshal(PageRule{Operator: OpBeginsWith, Value: "/a"})
	if err != nil || string(b) != `{"operator":"begins_with","value":"/a"}` {
		t.Errorf("marshal: %s, %v", b, err)
	}
	var r PageRule
	if err := json.Unmarshal([]byte(`{"operator":"matches_regex"}`), &r); err != nil || r.Operator != OpMatchesRegex {
		t.Errorf("unmarshal: %+v, %v", r, err)
	}
}

// TestDefaultSchema checks that the schema is the one conditions use: a
// numeric filter on a number property of condition.DefaultSchema loads
// without any schema given, and compares numerically.
func TestDefaultSchema(t *testing.T) {
	spec := decodeSpec(t, `{"visitorRules":{"filterGroups":[{"filters":[
	  {"property":"numemployees","operator":"gte","value":"50"},
	  {"property":"date_of_birth","operator":"before","value":"2000-01-01"}
	]}]}}`)
	r, err := spec.Compile(nil)
	if err != nil {
		t.Fatal(err)
	}
	big := Visitor{Known: true, Properties: store.Properties{"numemployees": "120", "date_of_birth": "1990-05-01"}}
	small := Visitor{Known: true, Properties: store.Properties{"numemployees": "9", "date_of_birth": "1990-05-01"}}
	if !r.visitorPass(&big) || r.visitorPass(&small) {
		t.Error("numemployees is not compared as a number")
	}
	// With an explicit schema that does not know it, numemployees is a
	// string property, which gte does not apply to.
	_, err = spec.Compile(condition.Schema{})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `operator "gte" does not apply to string properties`) {
		t.Errorf("empty schema: %v", err)
	}
}
