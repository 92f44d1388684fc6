package validate_test

import (
	"strings"
	"testing"

	"github.com/chatflow/chatflow/internal/validate"
)

func TestURL(t *testing.T) {
	url := func(s, _ string) (string, error) { return validate.URL(s) }
	checkCases(t, validate.KindURL, url, []validCase{
		{in: "https://example.com", want: "https://example.com"},
		{in: "http://example.com/", want: "http://example.com/"},
		{in: "HTTPS://WWW.Example.COM/Path?Q=A#Top", want: "https://www.example.com/Path?Q=A#Top"},
		{in: "example.com", want: "https://example.com"},
		{in: " example.com/x ", want: "https://example.com/x"},
		{in: "www.example.co.uk:8080/a/b?c=d", want: "https://www.example.co.uk:8080/a/b?c=d"},
		{in: "example.com?x=1", want: "https://example.com?x=1"},
		{in: "example.com#frag", want: "https://example.com#frag"},
		{in: "https://example.com/a%20b", want: "https://example.com/a%20b"},
		{in: "https://münchen.de/straße", want: "https://münchen.de/straße"},
		{in: "http://192.0.2.1/x", want: "http://192.0.2.1/x"},
		{in: "http://[2001:db8::1]:8080/", want: "http://[2001:db8::1]:8080/"},

		{in: ""},
		{in: "example"},
		{in: "localhost"},
		{in: "http://localhost:8080"},
		{in: "ftp://x.com"},
		{in: "mailto:john@example.com"},
		{in: "javascript:alert(1)"},
		{in: "http:example.com"},
		{in: "//example.com"},
		{in: "/path"},
		{in: "https://"},
		{in: "https:///path"},
		{in: "https://user:pass@example.com"},
		{in: "user@example.com"},
		{in: "https://exa mple.com"},
		{in: "https://example.com/a b"},
		{in: "example.com/\x00"},
		{in: "https://example.com/%zz"},
		{in: "https://exa%6dple.com"},
		{in: "https://example.com:0"},
		{in: "https://example.com:65536"},
		{in: "https://example.com:"},
		{in: "https://example.com:http"},
		{in: "https://-example.com"},
		{in: "https://example..com"},
		{in: "https://example.c"},
		{in: "1.5"},
		{in: "https://[fe80::1%25eth0]/"},
		{in: "https://2001:db8::1/"},
		{in: "https://example.com/" + strings.Repeat("x", 2048)},
	})
}
