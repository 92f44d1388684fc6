package targeting

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/store"
)

// FuzzURLRules checks that URL and query-parameter rules never panic and
// keep their invariants for any page URL and rule value.
func FuzzURLRules(f *testing.F) {
	seeds := [][2]string{
		{"https://www.example.com/Products/Shoes/?color=Red&size=42#reviews", "/Products/Shoes"},
		{"http://example.com", "example.com"},
		{"https://example.com/caf%C3%A9?q=a+b", "/café"},
		{"/pricing/", "/pricing"},
		{"//cdn.example.com:443/a?", "cdn.example.com/a"},
		{"https://user@EXAMPLE.com.:80/%zz/%", "*.com/*"},
		{"example.com/blog", "example.com/blog/*"},
		{"", ""},
		{"#hs-chat-open", "/"},
		{"https://ex.com/?a=1&a=2&b", "a"},
		{"HTTPS://WWW.", "www."},
		{"https://bücher.example/ü", "BÜCHER.example"},
		{"https://example.com/a//b///", "?x"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], false)
		f.Add(s[0], s[1], true)
	}
	f.Fuzz(func(t *testing.T, url, value string, fold bool) {
		view := PageView{URL: url}
		matches := func(rule PageRule) (bool, bool) {
			r, err := (&Spec{PageRules: []PageRule{rule}}).Compile(nil)
			if err != nil {
				return false, false
			}
			p := newPage(view)
			return r.pagePass(&p), true
		}
		pairs := [][2]Operator{{OpIs, OpIsNot}, {OpContains, OpDoesNotContain}}
		for _, pair := range pairs {
			pos, ok1 := matches(PageRule{Operator: pair[0], Value: value, IgnoreCase: fold})
			neg, ok2 := matches(PageRule{Operator: pair[1], Value: value, IgnoreCase: fold})
			if ok1 != ok2 {
				t.Fatalf("%s and %s compile differently for %q", pair[0], pair[1], value)
			}
			if ok1 && pos == neg {
				t.Fatalf("URL %q, value %q: %s = %v and %s = %v", url, value, pair[0], pos, pair[1], neg)
			}
			ppos, ok1 := matches(PageRule{Type: RuleQueryParam, Param: value, Operator: pair[0], Value: "v", IgnoreCase: fold})
			pneg, ok2 := matches(PageRule{Type: RuleQueryParam, Param: value, Operator: pair[1], Value: "v", IgnoreCase: fold})
			if ok1 != ok2 || (ok1 && ppos == pneg) {
				t.Fatalf("URL %q, param %q: %s = %v and %s = %v", url, value, pair[0], ppos, pair[1], pneg)
			}
		}
		known, ok1 := matches(PageRule{Type: RuleQueryParam, Param: value, Operator: OpIsKnown})
		unknown, ok2 := matches(PageRule{Type: RuleQueryParam, Param: value, Operator: OpIsUnknown})
		if ok1 != ok2 || (ok1 && known == unknown) {
			t.Fatalf("URL %q, param %q: is_known = %v, is_unknown = %v", url, value, known, unknown)
		}
		// Case-insensitive rules match at least what case-sensitive ones do.
		for _, op := range []Operator{OpIs, OpContains, OpBeginsWith, OpEndsWith, OpMatchesWildcard, OpMatchesRegex} {
			exact, ok := matches(PageRule{Operator: op, Value: value})
			folded, _ := matches(PageRule{Operator: op, Value: value, IgnoreCase: true})
			if ok && exact && !folded && isASCII(url+value) {
				t.Fatalf("URL %q: %s %q matches, but not with ignoreCase", url, op, value)
			}
		}
		// A URL is itself, and a URL without "*" is a pattern matching itself.
		if strings.TrimSpace(url) != "" {
			if self, ok := matches(PageRule{Operator: OpIs, Value: url}); ok && !self {
				t.Fatalf("URL %q is not itself", url)
			}
			if !strings.Contains(url, "*") {
				if self, ok := matches(PageRule{Operator: OpMatchesWildcard, Value: url}); ok && !self {
					t.Fatalf("URL %q does not match itself as a wildcard pattern", url)
				}
			}
		}
		for _, always := range []PageRule{{Operator: OpAllPages}, {Operator: OpMatchesWildcard, Value: "*"}, {Operator: OpMatchesRegex, Value: ".*"}} {
			if m, _ := matches(always); !m {
				t.Fatalf("URL %q: %s %q does not match", url, always.Operator, always.Value)
			}
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// fuzzSchema types a few contact properties, so that filters of every
// property type are compiled.
func fuzzSchema() condition.Schema {
	s := condition.DefaultSchema()
	s["contact"]["numemployees"] = condition.PropertyDef{Type: condition.NumberProperty}
	s["contact"]["birthday"] = condition.PropertyDef{Type: condition.DateProperty}
	s["contact"]["subscribed"] = condition.PropertyDef{Type: condition.BoolProperty}
	s["contact"]["size"] = condition.PropertyDef{Type: condition.EnumerationProperty,
		Options: []condition.Option{{Value: "small"}, {Value: "large", Label: "Large"}}}
	return s
}

// FuzzSpec decodes arbitrary JSON as a targeting section, as the flow
// loader does, and compiles it. Neither may panic; a compiled spec
// re-encodes to a spec that compiles too, and choosing among candidates
// with it never panics and decides the same with and without
// explanations, for a known visitor whose every filtered property has the
// fuzzed value and for an unknown one.
func FuzzSpec(f *testing.F) {
	seeds := []struct{ spec, url, value string }{
		{`{"pageRules":[{"operator":"begins_with","value":"https://www.example.com/pricing"},{"type":"query_param","param":"utm_campaign","operator":"is","value":"spring","ignoreCase":true}]}`,
			"https://example.com/pricing?utm_campaign=SPRING", "x"},
		{`{"exclusionRules":[{"operator":"contains","value":"/privacy"},{"type":"device","operator":"is","value":"mobile"}]}`,
			"https://example.com/privacy", ""},
		{`{"visitorRules":{"audience":"known","filterGroups":[{"filters":[{"property":"lifecyclestage","operator":"is_any_of","values":["lead","customer"]},{"property":"numemployees","operator":"gte","value":"50"}]},{"filters":[{"list":"vip","operator":"member_of"}]}]},"availability":"when_available"}`,
			"/", "lead"},
		{`{"visitorRules":{"filterGroups":[{"filters":[{"property":"birthday","operator":"between","values":["2000-01-01","2010-12-31"]},{"property":"subscribed","operator":"is","value":"true"}]}]}}`,
			"example.com", "2005-06-07"},
		{`{"visitorRules":{"filterGroups":[{"filters":[{"property":"size","operator":"is_none_of","values":["small"],"includeUnknown":true}]}]}}`,
			"", "large"},
		{`{"pageRules":[{"operator":"matches_regex","value":"^example\\.com/(a|b)+$"},{"operator":"matches_wildcard","value":"*.example.com/*/chat"}]}`,
			"https://shop.example.com/x/chat", "1e400"},
		{`{"pageRules":[{"operator":"is"}],"colour":"red"}`, "", ""},
		{`null`, "", ""},
	}
	for _, s := range seeds {
		f.Add([]byte(s.spec), s.url, s.value)
	}
	schema := fuzzSchema()
	f.Fuzz(func(t *testing.T, data []byte, url, value string) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		var spec Spec
		if dec.Decode(&spec) != nil {
			return
		}
		rules, err := spec.Compile(schema)
		if err != nil {
			return
		}
		canon, err := json.Marshal(&spec)
		if err != nil {
			t.Fatalf("a compiled spec does not encode: %v", err)
		}
		var again Spec
		if err := json.Unmarshal(canon, &again); err != nil {
			t.Fatalf("%s: does not decode again: %v", canon, err)
		}
		if _, err := again.Compile(schema); err != nil {
			t.Fatalf("%s: compiled, but its encoding %s does not: %v", data, canon, err)
		}
		props := store.Properties{}
		var lists []string
		if vr := spec.VisitorRules; vr != nil {
			for _, g := range vr.FilterGroups {
				for _, fl := range g.Filters {
					if fl.Property != "" {
						props[fl.Property] = value
					} else {
						lists = append(lists, fl.List)
					}
				}
			}
		}
		cands := []Candidate{{ID: "fuzzed", Rules: rules}, {ID: "fallback"}}
		available := func(context.Context, string) (bool, error) { return len(value)%2 == 0, nil }
		for _, dev := range []Device{"", Desktop, Mobile} {
			for _, v := range []Visitor{{}, {Known: true, Properties: props, Lists: lists}} {
				visitor := func(context.Context) (Visitor, error) { return v, nil }
				req := Request{View: PageView{URL: url, Device: dev}, Visitor: visitor, Available: available}
				plain, err := Select(context.Background(), cands, req)
				if err != nil {
					t.Fatalf("Select: %v", err)
				}
				req.Explain = true
				explained, err := Select(context.Background(), cands, req)
				if err != nil {
					t.Fatalf("Select with explanations: %v", err)
				}
				if plain.Chosen != explained.Chosen || plain.Hidden != explained.Hidden {
					t.Fatalf("%s on %q: chose %+v without explanations, %+v with them", data, url, plain, explained)
				}
			}
		}
	})
}
