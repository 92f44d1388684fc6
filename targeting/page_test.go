package targeting

import "testing"

// pageMatches compiles one inclusion (or exclusion) rule and reports whether
// the page passes.
func pageMatches(t *testing.T, rule PageRule, exclusion bool, view PageView) bool {
	t.Helper()
	spec := Spec{PageRules: []PageRule{rule}}
	if exclusion {
		spec = Spec{ExclusionRules: []PageRule{rule}}
	}
	r, err := spec.Compile(nil)
	if err != nil {
		t.Fatalf("compile %+v: %v", rule, err)
	}
	p := newPage(view)
	return r.pagePass(&p)
}

func TestURLRules(t *testing.T) {
	const page = "https://www.example.com/Products/Shoes/?color=Red&size=42#reviews"
	tests := []struct {
		op    Operator
		value string
		fold  bool
		url   string
		want  bool
	}{
		{OpAllPages, "", false, page, true},
		{OpAllPages, "", false, "", true},

		{OpIs, "https://www.example.com/Products/Shoes", false, page, true},
		{OpIs, "http://example.com/Products/Shoes/", false, page, true},
		{OpIs, "example.com/Products/Shoes", false, page, true},
		{OpIs, "EXAMPLE.com/Products/Shoes", false, page, true},
		{OpIs, "example.com/products/shoes", false, page, false},
		{OpIs, "example.com/products/shoes", true, page, true},
		{OpIs, "example.com/Products", false, page, false},
		{OpIs, "example.com/Products/Shoes?color=Red&size=42", false, page, true},
		{OpIs, "example.com/Products/Shoes?size=42&color=Red", false, page, false},
		{OpIs, "example.com/Products/Shoes?color=Red", false, page, false},
		{OpIs, "/Products/Shoes", false, page, true},
		{OpIs, "/Products/Shoes/", false, page, true},
		{OpIs, "/Products/Shoes?color=Red&size=42", false, page, true},
		{OpIs, "/Products", false, page, false},
		{OpIs, "other.com/Products/Shoes", false, page, false},
		{OpIs, "https://example.com", false, "https://example.com/", true},
		{OpIs, "https://example.com/", false, "http://www.example.com", true},
		{OpIs, "https://example.com/", false, "https://example.com/?utm_source=x", true},
		{OpIs, "example.com/café", false, "https://example.com/caf%C3%A9", true},
		{OpIs, "example.com/caf%C3%A9", false, "https://example.com/café", true},
		{OpIs, "example.com/a#section", false, "https://example.com/a", true},
		{OpIs, "example.com:8080/a", false, "http://example.com:8080/a", true},
		{OpIs, "example.com/a", false, "http://example.com:8080/a", false},

		{OpIsNot, "example.com/Products/Shoes", false, page, false},
		{OpIsNot, "example.com/Products", false, page, true},
		{OpIsNot, "/products/shoes", true, page, false},

		{OpContains, "/Shoes", false, page, true},
		{OpContains, "/shoes", false, page, false},
		{OpContains, "/shoes", true, page, true},
		{OpContains, "size=42", false, page, true},
		{OpContains, "color=Red&size", false, page, true},
		{OpContains, "reviews", false, page, false},
		{OpContains, "www.", false, page, false},
		{OpContains, "example.com/Prod", false, page, true},
		{OpContains, "https://example.com/Prod", false, page, true},
		{OpContains, "/Products/", false, page, true},
		{OpContains, "/Shoes/", false, page, true},
		{OpContains, "caf%C3%A9", false, "https://example.com/café/menu", true},

		{OpDoesNotContain, "/privacy", false, page, true},
		{OpDoesNotContain, "/Shoes", false, page, false},
		{OpDoesNotContain, "size=42", false, page, false},

		{OpBeginsWith, "https://example.com/Products", false, page, true},
		{OpBeginsWith, "example.com/Products/", false, page, true},
		{OpBeginsWith, "example.com/Products/", false, "https://example.com/Products", false},
		{OpBeginsWith, "example.com/Prod", false, page, true},
		{OpBeginsWith, "example.com/prod", true, page, true},
		{OpBeginsWith, "/Products", false, page, true},
		{OpBeginsWith, "/Shoes", false, page, false},
		{OpBeginsWith, "example.com", false, page, true},
		{OpBeginsWith, "example.com", false, "https://example.com.evil.net/", false},
		{OpBeginsWith, "/blog/", false, "https://example.com/blogger", false},
		{OpBeginsWith, "/blog/", false, "https://example.com/blog/post", true},
		{OpBeginsWith, "example.com/Products/Shoes?color=", false, page, true},

		{OpEndsWith, "/Shoes", false, page, true},
		{OpEndsWith, "/Shoes/", false, page, true},
		{OpEndsWith, "/shoes", true, page, true},
		{OpEndsWith, "size=42", false, page, false},
		{OpEndsWith, "?color=Red&size=42", false, page, true},
		{OpEndsWith, ".pdf", false, "https://example.com/files/report.pdf?dl=1", true},
		{OpEndsWith, "/", false, "https://example.com/", true},
		{OpEndsWith, "/", false, "https://example.com/a/", false},

		{OpMatchesWildcard, "example.com/Products/*", false, page, true},
		{OpMatchesWildcard, "https://www.example.com/Products/*", false, page, true},
		{OpMatchesWildcard, "example.com/products/*", false, page, false},
		{OpMatchesWildcard, "example.com/products/*", true, page, true},
		{OpMatchesWildcard, "example.com/blog/*", false, "https://example.com/blog", true},
		{OpMatchesWildcard, "example.com/blog/*", false, "https://example.com/blog/", true},
		{OpMatchesWildcard, "example.com/blog/*", false, "https://example.com/blogger", false},
		{OpMatchesWildcard, "example.com/*/Shoes", false, page, true},
		{OpMatchesWildcard, "example.com/*/Boots", false, page, false},
		{OpMatchesWildcard, "*.example.com/*", false, "https://shop.example.com/a", true},
		{OpMatchesWildcard, "*.example.com/*", false, "https://example.com/a", false},
		{OpMatchesWildcard, "*/Shoes", false, page, true},
		{OpMatchesWildcard, "*Shoes*", false, page, true},
		{OpMatchesWildcard, "*size=42", false, page, false}, // no "?": the query is not part of the subject
		{OpMatchesWildcard, "*?*size=42", false, page, true},
		{OpMatchesWildcard, "example.com/*/Shoes", false, "https://example.com/a/Shoes?x=1", true},
		{OpMatchesWildcard, "/Products/*", false, page, true},
		{OpMatchesWildcard, "/*/Shoes", false, page, true},
		{OpMatchesWildcard, "example.com/Products/Shoes", false, page, true},
		{OpMatchesWildcard, "example.com/Products/Shoes?*size=42", false, page, true},
		{OpMatchesWildcard, "example.com/Products/Shoes?size=*", false, page, false},
		{OpMatchesWildcard, "example.com*", false, page, true},
		{OpMatchesWildcard, "example.com/a*b*c", false, "https://example.com/abcabc", true},
		{OpMatchesWildcard, "example.com/a*b*c", false, "https://example.com/acb", false},
		{OpMatchesWildcard, "example.com/**", false, "https://example.com/x", true},

		{OpMatchesRegex, `^example\.com/Products/[A-Z]\w+$`, false, "https://example.com/Products/Shoes", true},
		{OpMatchesRegex, `^example\.com/Products/[A-Z]\w+$`, false, page, false},
		{OpMatchesRegex, `size=\d+`, false, page, true},
		{OpMatchesRegex, `/shoes`, false, page, false},
		{OpMatchesRegex, `/shoes`, true, page, true},
		{OpMatchesRegex, `^[^/]+/$`, false, "https://example.com/?a=b", false},
		{OpMatchesRegex, `^[^/]+/$`, false, "https://example.com/", true},
	}
	for _, tt := range tests {
		rule := PageRule{Operator: tt.op, Value: tt.value, IgnoreCase: tt.fold}
		if got := pageMatches(t, rule, false, PageView{URL: tt.url}); got != tt.want {
			t.Errorf("%s %q (ignoreCase %v) on %q = %v, want %v", tt.op, tt.value, tt.fold, tt.url, got, tt.want)
		}
	}
}

func TestQueryParamRules(t *testing.T) {
	const page = "https://example.com/landing?utm_source=News+Letter&utm_source=ads&ref=&empty&q=caf%C3%A9"
	tests := []struct {
		param string
		op    Operator
		value string
		fold  bool
		want  bool
	}{
		{"utm_source", OpIs, "ads", false, true},
		{"utm_source", OpIs, "News Letter", false, true},
		{"utm_source", OpIs, "news letter", false, false},
		{"utm_source", OpIs, "news letter", true, true},
		{"utm_source", OpIs, "google", false, false},
		{"utm_source", OpIsNot, "google", false, true},
		{"utm_source", OpIsNot, "ads", false, false},
		{"missing", OpIs, "x", false, false},
		{"missing", OpIsNot, "x", false, true},
		{"utm_source", OpContains, "Letter", false, true},
		{"utm_source", OpDoesNotContain, "Letter", false, false},
		{"utm_source", OpDoesNotContain, "xyz", false, true},
		{"utm_source", OpBeginsWith, "New", false, true},
		{"utm_source", OpEndsWith, "ter", false, true},
		{"utm_source", OpEndsWith, "TER", true, true},
		{"utm_source", OpMatchesWildcard, "N*r", false, true},
		{"utm_source", OpMatchesWildcard, "a*", false, true},
		{"utm_source", OpMatchesWildcard, "x*", false, false},
		{"utm_source", OpMatchesRegex, `^a.s$`, false, true},
		{"utm_source", OpMatchesRegex, `^ADS$`, true, true},
		{"q", OpIs, "café", false, true},
		{"ref", OpIsKnown, "", false, true},
		{"empty", OpIsKnown, "", false, true},
		{"missing", OpIsKnown, "", false, false},
		{"missing", OpIsUnknown, "", false, true},
		{"ref", OpIsUnknown, "", false, false},
		{"UTM_SOURCE", OpIsKnown, "", false, false},
	}
	for _, tt := range tests {
		rule := PageRule{Type: RuleQueryParam, Param: tt.param, Operator: tt.op, Value: tt.value, IgnoreCase: tt.fold}
		if got := pageMatches(t, rule, false, PageView{URL: page}); got != tt.want {
			t.Errorf("param %s %s %q (ignoreCase %v) = %v, want %v", tt.param, tt.op, tt.value, tt.fold, got, tt.want)
		}
	}
}

func TestDeviceExclusion(t *testing.T) {
	tests := []struct {
		op     Operator
		value  Device
		device Device
		hidden bool
	}{
		{OpIs, Mobile, Mobile, true},
		{OpIs, Mobile, Desktop, false},
		{OpIs, Mobile, Tablet, false},
		{OpIs, Mobile, "", false},
		{OpIsNot, Desktop, Mobile, true},
		{OpIsNot, Desktop, Tablet, true},
		{OpIsNot, Desktop, Desktop, false},
		{OpIsNot, Desktop, "", true},
	}
	for _, tt := range tests {
		rule := PageRule{Type: RuleDevice, Operator: tt.op, Value: string(tt.value)}
		shown := pageMatches(t, rule, true, PageView{URL: "https://example.com/", Device: tt.device})
		if shown == tt.hidden {
			t.Errorf("exclude device %s %s on %q: shown = %v", tt.op, tt.value, tt.device, shown)
		}
	}
}

func TestExclusionWins(t *testing.T) {
	spec := Spec{
		PageRules: []PageRule{
			{Operator: OpAllPages},
			{Operator: OpBeginsWith, Value: "example.com/legal"},
		},
		ExclusionRules: []PageRule{
			{Operator: OpContains, Value: "/privacy"},
			{Type: RuleQueryParam, Param: "nochat", Operator: OpIsKnown},
		},
	}
	r, err := spec.Compile(nil)
	if err != nil {
		t.Fatal(err)
	}
	for url, want := range map[string]bool{
		"https://example.com/legal/terms":          true,
		"https://example.com/legal/privacy":        false,
		"https://example.com/privacy-policy":       false,
		"https://example.com/legal/terms?nochat=1": false,
		"https://example.com/":                     true,
	} {
		p := newPage(PageView{URL: url})
		if got := r.pagePass(&p); got != want {
			t.Errorf("%s: pagePass = %v, want %v", url, got, want)
		}
	}
}

func TestPageRulesAreORed(t *testing.T) {
	spec := Spec{PageRules: []PageRule{
		{Operator: OpIs, Value: "example.com/pricing"},
		{Type: RuleQueryParam, Param: "utm_campaign", Operator: OpIs, Value: "spring"},
	}}
	r, err := spec.Compile(nil)
	if err != nil {
		t.Fatal(err)
	}
	for url, want := range map[string]bool{
		"https://example.com/pricing":                  true,
		"https://example.com/blog?utm_campaign=spring": true,
		"https://example.com/blog":                     false,
	} {
		p := newPage(PageView{URL: url})
		if got := r.pagePass(&p); got != want {
			t.Errorf("%s: pagePass = %v, want %v", url, got, want)
		}
	}
}

func TestDeviceFromUserAgent(t *testing.T) {
	tests := map[string]Device{
		"": "",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36":        Desktop,
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15": Desktop,
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148":      Mobile,
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36":  Mobile,
		"Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148":               Tablet,
		"Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 Chrome/120.0 Safari/537.36":         Tablet,
	}
	for ua, want := range tests {
		if got := DeviceFromUserAgent(ua); got != want {
			t.Errorf("DeviceFromUserAgent(%q) = %q, want %q", ua, got, want)
		}
	}
}
