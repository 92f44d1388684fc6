package targeting

import (
	"strings"
	"testing"
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
