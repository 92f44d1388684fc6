package validate

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Phone validates a phone number with libphonenumber's rules (through the
// github.com/nyaruka/phonenumbers port) and returns it in E.164 form, such
// as "+31612345678".
//
// A number without a leading "+" is read as a national number of
// defaultRegion, an ISO 3166-1 alpha-2 code such as "NL" or "US" (case does
// not matter); with defaultRegion "" such a number is rejected. The number
// must be valid, not merely possible: its length and prefix must match a
// number range in use in its country.
//
// Only digits, spaces and the punctuation people type in numbers
// ("+", "(", ")", "-", ".", "/") are accepted. Letters are rejected, and with
// them vanity numbers ("1-800-FLOWERS") and extensions ("ext. 12"), which
// E.164 cannot hold, and surrounding text, which libphonenumber would
// otherwise skip.
func Phone(s, defaultRegion string) (string, error) {
	in := s
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", invalid(KindPhone, in, "empty")
	case len(s) > 64:
		return "", invalid(KindPhone, in, "too long")
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+':
			if i != 0 {
				return "", invalid(KindPhone, in, `"+" must come first`)
			}
		case r == ' ' || r == '\u00a0' || r == '(' || r == ')' || r == '-' || r == '.' || r == '/':
		default:
			return "", invalid(KindPhone, in, "invalid character")
		}
	}
	if digits == 0 {
		return "", invalid(KindPhone, in, "no digits")
	}
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if s[0] != '+' && region == "" {
		return "", invalid(KindPhone, in, "no country code and no default region")
	}
	num, err := phonenumbers.Parse(s, region)
	if err != nil {
		return "", invalid(KindPhone, in, "not a phone number")
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", invalid(KindPhone, in, "not a valid number")
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}
