package validate_test

import (
	"testing"

	"github.com/chatflow/chatflow/internal/validate"
)

func TestDate(t *testing.T) {
	checkCases(t, validate.KindDate, validate.Date, []validCase{
		// ISO 8601 and RFC 3339, in any language.
		{in: "2024-03-05", lang: "en", want: "2024-03-05"},
		{in: "2024-03-05", lang: "nl", want: "2024-03-05"},
		{in: "2024-3-5", lang: "ja", want: "2024-03-05"},
		{in: "2024/03/05", lang: "en-US", want: "2024-03-05"},
		{in: "2024-02-29", lang: "de", want: "2024-02-29"},
		{in: "2000-02-29", lang: "de", want: "2000-02-29"},
		{in: "2024-03-05T23:30:00+01:00", lang: "nl", want: "2024-03-05"},
		{in: "2024-03-05T23:30:00.123Z", lang: "en", want: "2024-03-05"},
		{in: "2024-03-05T00:30:00-08:00", lang: "en", want: "2024-03-05"},
		// Month first.
		{in: "3/5/2024", lang: "en-US", want: "2024-03-05"},
		{in: "03/05/2024", lang: "en", want: "2024-03-05"},
		{in: "12-31-2024", lang: "", want: "2024-12-31"},
		{in: "3/5/24", lang: "en_US", want: "2024-03-05"},
		{in: "12/31/99", lang: "en", want: "1999-12-31"},
		{in: "1/1/68", lang: "en", want: "2068-01-01"},
		{in: "1/1/69", lang: "en", want: "1969-01-01"},
		// Day first.
		{in: "5/3/2024", lang: "en-GB", want: "2024-03-05"},
		{in: "05-03-2024", lang: "nl", want: "2024-03-05"},
		{in: "31.12.2024", lang: "de-DE", want: "2024-12-31"},
		{in: "31. 12. 2024", lang: "de", want: "2024-12-31"},
		{in: "5. 3. 2024.", lang: "hr", want: "2024-03-05"},
		{in: "31/12/2024", lang: "fr", want: "2024-12-31"},
		{in: "29/02/2024", lang: "es", want: "2024-02-29"},
		{in: "1/2/03", lang: "pt-BR", want: "2003-02-01"},
		{in: "5 / 3 / 2024", lang: "it", want: "2024-03-05"},
		// Year first.
		{in: "2024/3/5", lang: "zh-Hans-CN", want: "2024-03-05"},
		{in: "2024. 03. 05.", lang: "hu", want: "2024-03-05"},
		{in: "24/3/5", lang: "ko", want: "2024-03-05"},

		{in: "", lang: "en"},
		{in: "today", lang: "en"},
		{in: "31/02/2024", lang: "nl"},
		{in: "2024-02-30", lang: "nl"},
		{in: "29/02/2023", lang: "nl"},
		{in: "1900-02-29", lang: "nl"},
		{in: "31/04/2024", lang: "fr"},
		{in: "13/31/2024", lang: "nl"},
		{in: "31/12/2024", lang: "en-US"}, // month 31
		{in: "12/13/2024", lang: "en-GB"}, // month 13
		{in: "0/5/2024", lang: "nl"},
		{in: "5/0/2024", lang: "nl"},
		{in: "0000-01-01", lang: "nl"},
		{in: "5/3/2024", lang: "ja"},   // year last in a year-first language
		{in: "5/3", lang: "nl"},        // no year
		{in: "5/3/024", lang: "nl"},    // three-digit year
		{in: "5/3/2", lang: "nl"},      // one-digit year
		{in: "5/3-2024", lang: "nl"},   // mixed separators
		{in: "5:3:2024", lang: "nl"},   // ":" is for times
		{in: "10:30:45", lang: "nl"},   // a time
		{in: "5 3 2024", lang: "nl"},   // no separator
		{in: "5/3/2024/1", lang: "nl"}, // four parts
		{in: "5/3/2024.", lang: "nl"},  // trailing dot after "/"
		{in: "005/3/2024", lang: "nl"},
		{in: "2024-03-05T25:00:00Z", lang: "en"},
		{in: "2024-02-30T10:00:00Z", lang: "en"},
		{in: "2024-03-05T10:00", lang: "en"},
		{in: "2024-03-05 10:00", lang: "en"},
		{in: "+2024-03-05", lang: "en"},
		{in: "２０２４-03-05", lang: "ja"}, // full-width digits
	})
}
