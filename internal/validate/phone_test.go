package validate_test

import (
	"testing"

	"github.com/chatflow/chatflow/internal/validate"
)

// phoneCases are Phone's test cases; the lang column holds the default
// region here.
var phoneCases = []validCase{
	{in: "+31 6 12345678", lang: "NL", want: "+31612345678"},
	{in: "06 12345678", lang: "NL", want: "+31612345678"},
	{in: "06-12345678", lang: "nl", want: "+31612345678"},
	{in: "(06) 123 456 78", lang: "NL", want: "+31612345678"},
	{in: "020 123 4567", lang: "NL", want: "+31201234567"},
	{in: "+31 6 12345678", lang: "US", want: "+31612345678"},
	{in: "+31 6 12345678", lang: "", want: "+31612345678"},
	{in: "(202) 555-0143", lang: "US", want: "+12025550143"},
	{in: "202.555.0143", lang: "US", want: "+12025550143"},
	{in: "+1 650-253-0000", lang: "", want: "+16502530000"},
	{in: "+44 20 7946 0958", lang: "GB", want: "+442079460958"},
	{in: "020 7946 0958", lang: "GB", want: "+442079460958"},
	{in: "030 901820", lang: "DE", want: "+4930901820"},
	{in: "06 12 34 56 78", lang: "FR", want: "+33612345678"},
	{in: "\u00a0+33\u00a06\u00a012\u00a034\u00a056\u00a078 ", lang: "BE", want: "+33612345678"},

	{in: "", lang: "NL"},
	{in: "+", lang: "NL"},
	{in: "06 12345678", lang: ""},   // national number without region
	{in: "06 12345678", lang: "XX"}, // unknown region
	{in: "12345", lang: "NL"},
	{in: "+31 6 1234567", lang: "NL"},           // one digit short
	{in: "+31 6 123456789", lang: "NL"},         // one digit long
	{in: "(202) 555-014", lang: "US"},           // too short
	{in: "(123) 555-0143", lang: "US"},          // area codes do not start with 1
	{in: "1-800-FLOWERS", lang: "US"},           // letters
	{in: "+1 202 555 0143 ext. 12", lang: "US"}, // extension
	{in: "call +31 6 12345678", lang: "NL"},     // surrounding text
	{in: "+31 6 12345678 please", lang: "NL"},
	{in: "31+612345678", lang: "NL"},
	{in: "++31612345678", lang: "NL"},
	{in: "0000000000", lang: "NL"},
}

func TestPhone(t *testing.T) {
	checkCases(t, validate.KindPhone, validate.Phone, phoneCases)
}

func BenchmarkPhone(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := validate.Phone("06 12345678", "NL"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPhoneInternational(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := validate.Phone("+1 (202) 555-0143", "NL"); err != nil {
			b.Fatal(err)
		}
	}
}
