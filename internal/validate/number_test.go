package validate_test

import (
	"strings"
	"testing"

	"github.com/chatflow/chatflow/internal/validate"
)

func TestNumber(t *testing.T) {
	checkCases(t, validate.KindNumber, validate.Number, []validCase{
		{in: "42", lang: "en", want: "42"},
		{in: "42", lang: "nl", want: "42"},
		{in: "-7", lang: "en", want: "-7"},
		{in: "+7", lang: "en", want: "7"},
		{in: "\u22127", lang: "en", want: "-7"},
		{in: "-0", lang: "en", want: "0"},
		{in: "-0,000", lang: "nl", want: "0"},
		{in: "007", lang: "en", want: "7"},
		{in: "3.14", lang: "en", want: "3.14"},
		{in: "3.140", lang: "en-GB", want: "3.14"},
		{in: "2.0", lang: "en", want: "2"},
		{in: ".5", lang: "en", want: "0.5"},
		{in: "-,5", lang: "de", want: "-0.5"},
		{in: "1,234", lang: "en", want: "1234"},
		{in: "1,234,567.89", lang: "en-US", want: "1234567.89"},
		{in: "1 234 567.89", lang: "en", want: "1234567.89"},
		{in: "3,14", lang: "nl", want: "3.14"},
		{in: "1.234,56", lang: "nl", want: "1234.56"},
		{in: "1.234.567", lang: "nl-BE", want: "1234567"},
		{in: "1.234", lang: "de", want: "1234"},
		{in: "1 234,5", lang: "fr", want: "1234.5"},
		{in: "1\u202f234,5", lang: "fr-FR", want: "1234.5"},
		{in: "1\u00a0234,5", lang: "sv", want: "1234.5"},
		{in: "1.234,5", lang: "es", want: "1234.5"},
		{in: "1,234.5", lang: "es-MX", want: "1234.5"},
		{in: "1'234.5", lang: "de-CH", want: "1234.5"},
		{in: "1’234.5", lang: "de-CH", want: "1234.5"},
		{in: "1,234.5", lang: "", want: "1234.5"},
		{in: "1,234.5", lang: "ja", want: "1234.5"},
		{in: "123,456", lang: "en", want: "123456"},
		{in: strings.Repeat("9", 100), lang: "en", want: strings.Repeat("9", 100)},

		{in: "", lang: "en"},
		{in: "-", lang: "en"},
		{in: "+", lang: "en"},
		{in: ".", lang: "en"},
		{in: "abc", lang: "en"},
		{in: "12abc", lang: "en"},
		{in: "1,5", lang: "en"},       // not a thousands group
		{in: "1.5", lang: "nl"},       // idem
		{in: "1,2345", lang: "en"},    // group too long
		{in: "1234,567", lang: "en"},  // first group too long
		{in: ",123", lang: "en"},      // empty first group
		{in: "1,,234", lang: "en"},    // empty group
		{in: "1,234,", lang: "en"},    // trailing separator
		{in: "1,234 567", lang: "en"}, // mixed separators
		{in: "1.234.5", lang: "en"},   // two decimal points
		{in: "1,234,5", lang: "nl"},   // two decimal commas
		{in: "1.234,5", lang: "en"},
		{in: "1,234.5", lang: "nl"},
		{in: "3,14.1", lang: "nl"}, // grouping in the fraction
		{in: "1,000.000,5", lang: "en"},
		{in: "5.", lang: "en"},
		{in: "5,", lang: "nl"},
		{in: "1e5", lang: "en"},
		{in: "--5", lang: "en"},
		{in: "+-5", lang: "en"},
		{in: "5-", lang: "en"},
		{in: "0x10", lang: "en"},
		{in: "١٢", lang: "ar"}, // non-ASCII digits
		{in: "1'234.5", lang: "en"},
		{in: strings.Repeat("9", 101), lang: "en"},
	})
}
