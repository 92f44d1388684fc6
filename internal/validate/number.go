package validate

import (
	"strings"
	"unicode/utf8"
)

// commaLangs write decimal numbers with a decimal comma.
var commaLangs = map[string]bool{
	"af": true, "az": true, "be": true, "bg": true, "bs": true, "ca": true,
	"cs": true, "da": true, "de": true, "el": true, "es": true, "et": true,
	"eu": true, "fi": true, "fo": true, "fr": true, "gl": true, "hr": true,
	"hu": true, "hy": true, "id": true, "is": true, "it": true, "ka": true,
	"kk": true, "ky": true, "lt": true, "lv": true, "mk": true, "mn": true,
	"nb": true, "nl": true, "nn": true, "no": true, "pl": true, "pt": true,
	"ro": true, "ru": true, "sk": true, "sl": true, "sq": true, "sr": true,
	"sv": true, "tr": true, "uk": true, "uz": true, "vi": true,
}

// pointRegions are the regions where a comma language nevertheless uses
// the decimal point: Spanish in Mexico, the United States and parts of
// Central America and the Caribbean, and German and Italian in Switzerland
// and Liechtenstein (where the apostrophe groups thousands).
var pointRegions = map[string]map[string]bool{
	"es": {"MX": true, "US": true, "GT": true, "HN": true, "NI": true, "PA": true, "PR": true, "DO": true, "SV": true},
	"de": {"CH": true, "LI": true},
	"it": {"CH": true},
}

// numberFormat returns lang's decimal separator and the separator it
// groups thousands with.
func numberFormat(tag string) (decimal, group rune) {
	lang, region := splitLang(tag)
	switch {
	case (region == "CH" || region == "LI") && pointRegions[lang][region]:
		return '.', '\''
	case commaLangs[lang] && !pointRegions[lang][region]:
		return ',', '.'
	default:
		return '.', ','
	}
}

// isSpaceGroup reports whether r is a space that may group thousands in any
// language: a space, a no-break space or a narrow no-break space.
func isSpaceGroup(r rune) bool { return r == ' ' || r == '\u00a0' || r == '\u202f' }

// Number validates a decimal number and returns it in canonical form:
// an optional "-", the integer part without leading zeros, and a fraction
// after "." without trailing zeros ("-0012,50" in Dutch → "-12.5";
// "-0" → "0").
//
// The number may have a leading "+", "-" or "−" (U+2212), an integer part,
// and a fraction after the decimal separator of lang (a BCP 47 tag). The
// decimal comma is used by most European languages ("nl", "de", "fr", "es",
// "it", "pt", "ru", "pl", "sv", …); the decimal point by the others,
// including "en" and an empty lang, and by "es-MX", "es-US", "de-CH" and
// "it-CH". Thousands may be grouped with the other mark of the language
// ("," for a decimal-point language, "." for a decimal-comma one, "'" in
// Switzerland) or with spaces, but only in correct groups: one to three
// digits, then groups of exactly three, all with the same separator, and
// none in the fraction. So "1.234,5" is 1234.5 in Dutch, "1,234.5" is
// 1234.5 in English, while "1,5" in English and "1.5" in Dutch are
// rejected rather than guessed. A fraction without integer part (".5") is
// accepted; a trailing separator ("5."), exponents, and more than 100
// characters are not.
func Number(s, lang string) (string, error) {
	in := s
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", invalid(KindNumber, in, "empty")
	case len(s) > 100:
		return "", invalid(KindNumber, in, "too long")
	}
	neg := false
	switch r, size := utf8.DecodeRuneInString(s); r {
	case '-', '\u2212':
		neg = true
		s = s[size:]
	case '+':
		s = s[size:]
	}
	decimal, group := numberFormat(lang)
	intPart, frac, hasFrac := strings.Cut(s, string(decimal))
	if hasFrac && !isDigits(frac) {
		return "", invalid(KindNumber, in, "invalid fraction")
	}
	if intPart == "" && !hasFrac {
		return "", invalid(KindNumber, in, "no digits")
	}
	digits, ok := ungroup(intPart, group)
	if !ok {
		return "", invalid(KindNumber, in, "invalid digits or grouping")
	}
	digits = strings.TrimLeft(digits, "0")
	frac = strings.TrimRight(frac, "0")
	if digits == "" {
		digits = "0"
	}
	out := digits
	if frac != "" {
		out += "." + frac
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out, nil
}

// ungroup returns the digits of an integer part written with or without
// thousands separators, or false if s has other characters or misplaced
// separators. An empty s is accepted (as in ".5").
func ungroup(s string, group rune) (string, bool) {
	if isDigits(s) || s == "" {
		return s, true
	}
	var sep rune
	var b strings.Builder
	b.Grow(len(s))
	run := 0    // digits in the current group
	groups := 0 // separators seen
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			run++
			b.WriteByte(byte(r))
		case r == group || isSpaceGroup(r) || (group == '\'' && r == '\u2019'):
			if sep == 0 {
				sep = r
			}
			if r != sep {
				return "", false
			}
			// The first group has 1–3 digits, the others exactly 3.
			if run == 0 || run > 3 || (groups > 0 && run != 3) {
				return "", false
			}
			groups++
			run = 0
		default:
			return "", false
		}
	}
	if run != 3 {
		return "", false
	}
	return b.String(), true
}
