package validate_test

import (
	"strings"
	"testing"

	"github.com/chatflow/chatflow/internal/validate"
)

// emailCases are Email's test cases.
var emailCases = []validCase{
	{in: "john@example.com", want: "john@example.com"},
	{in: "  john@example.com\n", want: "john@example.com"},
	{in: "John.Doe@Example.COM", want: "John.Doe@example.com"},
	{in: "a+tag@sub.example.co.uk", want: "a+tag@sub.example.co.uk"},
	{in: "o'brien@example.ie", want: "o'brien@example.ie"},
	{in: "a@b.co", want: "a@b.co"},
	{in: "x@my-host.example", want: "x@my-host.example"},
	{in: "jörg@münchen.de", want: "jörg@münchen.de"},
	{in: "a@xn--mnchen-3ya.de", want: "a@xn--mnchen-3ya.de"},
	{in: strings.Repeat("l", 64) + "@example.com", want: strings.Repeat("l", 64) + "@example.com"},

	{in: ""},
	{in: "   "},
	{in: "john"},
	{in: "a@b"},
	{in: "a@b.c"},
	{in: "a@localhost"},
	{in: "@example.com"},
	{in: "john@"},
	{in: "john@@example.com"},
	{in: "John Doe <j@x.com>"},
	{in: "<j@x.com>"},
	{in: "j@x.com (Jay)"},
	{in: `"john doe"@example.com`},
	{in: "a@x.com, b@y.com"},
	{in: "a b@example.com"},
	{in: "a..b@example.com"},
	{in: ".a@example.com"},
	{in: "a.@example.com"},
	{in: "a@[192.0.2.1]"},
	{in: "a@192.0.2.1"},
	{in: "a@example..com"},
	{in: "a@.example.com"},
	{in: "a@example.com."},
	{in: "a@-example.com"},
	{in: "a@example-.com"},
	{in: "a@exa_mple.com"},
	{in: "a@example.123"},
	{in: "a@" + strings.Repeat("x", 64) + ".com"},
	{in: strings.Repeat("l", 65) + "@example.com"},
	{in: "a@" + strings.Repeat("abcdefghi.", 26) + "com"},
}

func TestEmail(t *testing.T) {
	email := func(s, _ string) (string, error) { return validate.Email(s) }
	checkCases(t, validate.KindEmail, email, emailCases)
}

func BenchmarkEmail(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := validate.Email("John.Doe+chat@Example.com"); err != nil {
			b.Fatal(err)
		}
	}
}
