package targeting

import "testing"

func TestParseURL(t *testing.T) {
	tests := []struct {
		name, in       string
		base, full     string
		path, fragment string
	}{
		{"scheme dropped", "https://example.com/pricing", "example.com/pricing", "example.com/pricing", "/pricing", ""},
		{"http like https", "http://example.com/pricing", "example.com/pricing", "example.com/pricing", "/pricing", ""},
		{"uppercase scheme", "HTTPS://example.com/a", "example.com/a", "example.com/a", "/a", ""},
		{"no scheme", "example.com/a", "example.com/a", "example.com/a", "/a", ""},
		{"protocol-relative", "//example.com/a", "example.com/a", "example.com/a", "/a", ""},
		{"www removed", "https://www.example.com/a", "example.com/a", "example.com/a", "/a", ""},
		{"WWW removed", "https://WWW.Example.COM/a", "example.com/a", "example.com/a", "/a", ""},
		{"host lowercased, path case kept", "https://Example.com/About/Team", "example.com/About/Team", "example.com/About/Team", "/About/Team", ""},
		{"www only as prefix", "https://shop.www.example.com/", "shop.www.example.com/", "shop.www.example.com/", "/", ""},
		{"host named www", "https://www/", "www/", "www/", "/", ""},
		{"default https port", "https://example.com:443/a", "example.com/a", "example.com/a", "/a", ""},
		{"default http port", "http://example.com:80/a", "example.com/a", "example.com/a", "/a", ""},
		{"other port kept", "http://example.com:8080/a", "example.com:8080/a", "example.com:8080/a", "/a", ""},
		{"port without scheme", "localhost:3000/a", "localhost:3000/a", "localhost:3000/a", "/a", ""},
		{"empty port", "https://example.com:/a", "example.com/a", "example.com/a", "/a", ""},
		{"userinfo dropped", "https://user:pw@example.com/a", "example.com/a", "example.com/a", "/a", ""},
		{"trailing dot", "https://example.com./a", "example.com/a", "example.com/a", "/a", ""},
		{"empty path", "https://example.com", "example.com/", "example.com/", "/", ""},
		{"root path", "https://example.com/", "example.com/", "example.com/", "/", ""},
		{"trailing slash", "https://example.com/pricing/", "example.com/pricing", "example.com/pricing", "/pricing", ""},
		{"trailing slashes", "https://example.com/pricing///", "example.com/pricing", "example.com/pricing", "/pricing", ""},
		{"trailing slash before query", "https://example.com/pricing/?a=1", "example.com/pricing", "example.com/pricing?a=1", "/pricing", ""},
		{"query kept in order", "https://example.com/s?b=2&a=1", "example.com/s", "example.com/s?b=2&a=1", "/s", ""},
		{"empty query", "https://example.com/s?", "example.com/s", "example.com/s", "/s", ""},
		{"query without path", "https://example.com?a=1", "example.com/", "example.com/?a=1", "/", ""},
		{"percent-encoded path", "https://example.com/caf%C3%A9", "example.com/café", "example.com/café", "/café", ""},
		{"lowercase hex", "https://example.com/caf%c3%a9", "example.com/café", "example.com/café", "/café", ""},
		{"encoded space", "https://example.com/a%20b", "example.com/a b", "example.com/a b", "/a b", ""},
		{"bad escape kept", "https://example.com/100%/x%zz", "example.com/100%/x%zz", "example.com/100%/x%zz", "/100%/x%zz", ""},
		{"encoded query", "https://example.com/s?q=caf%C3%A9+au+lait", "example.com/s", "example.com/s?q=café+au+lait", "/s", ""},
		{"fragment removed", "https://example.com/a#hs-chat-open", "example.com/a", "example.com/a", "/a", "hs-chat-open"},
		{"fragment after query", "https://example.com/a?x=1#top", "example.com/a", "example.com/a?x=1", "/a", "top"},
		{"question mark in fragment", "https://example.com/a#x?y", "example.com/a", "example.com/a", "/a", "x?y"},
		{"path only", "/pricing/", "/pricing", "/pricing", "/pricing", ""},
		{"path only with query", "/pricing?a=1", "/pricing", "/pricing?a=1", "/pricing", ""},
		{"spaces trimmed", "  https://example.com/a  ", "example.com/a", "example.com/a", "/a", ""},
		{"empty", "", "/", "/", "/", ""},
		{"unicode host lowercased", "https://BÜCHER.example/", "bücher.example/", "bücher.example/", "/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := parseURL(tt.in, false, false)
			if u.base != tt.base || u.full != tt.full || u.fragment != tt.fragment || u.base[u.hostLen:] != tt.path {
				t.Errorf("parseURL(%q) = base %q, full %q, path %q, fragment %q; want %q, %q, %q, %q",
					tt.in, u.base, u.full, u.base[u.hostLen:], u.fragment, tt.base, tt.full, tt.path, tt.fragment)
			}
		})
	}
}

func TestParseURLAllocations(t *testing.T) {
	for _, in := range []string{
		"https://example.com/pricing?plan=pro&utm_source=x",
		"https://www.example.com/pricing/",
		"https://example.com/",
		"/pricing",
	} {
		var sink urlParts
		if n := testing.AllocsPerRun(100, func() { sink = parseURL(in, false, false) }); n != 0 {
			t.Errorf("parseURL(%q): %v allocations, want 0", in, n)
		}
		_ = sink
	}
}

func TestParams(t *testing.T) {
	p := newPage(PageView{URL: "https://example.com/?a=1&b=&c&a=2&d=x+y%21&&e%20f=%zz&1=1&2=2&3=3&4=4&5=5"})
	p.parseParams()
	got := append([]param{}, p.params[:p.nparams]...)
	got = append(got, p.moreParams...)
	want := []param{{"a", "1"}, {"b", ""}, {"c", ""}, {"a", "2"}, {"d", "x y!"}, {"e f", "%zz"}, {"1", "1"}, {"2", "2"}, {"3", "3"}, {"4", "4"}, {"5", "5"}}
	if len(got) != len(want) {
		t.Fatalf("params = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("param %d = %v, want %v", i, got[i], want[i])
		}
	}
}
