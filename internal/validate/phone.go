package validate

import (
	"strconv"
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
	s, err := phoneText(s)
	if err != nil {
		return "", err
	}
	// The same checks as phoneSlow's, over bytes: all accepted characters
	// are ASCII but the no-break space, U+00A0, encoded C2 A0.
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '+':
			if i != 0 {
				return "", invalid(KindPhone, in, `"+" must come first`)
			}
		case c == ' ' || c == '(' || c == ')' || c == '-' || c == '.' || c == '/':
		case c == 0xc2 && i+1 < len(s) && s[i+1] == 0xa0:
			i++
		default:
			return "", invalid(KindPhone, in, "invalid character")
		}
	}
	if digits == 0 {
		return "", invalid(KindPhone, in, "no digits")
	}
	t := phoneData()
	if t == nil {
		return phoneSlow(in, defaultRegion)
	}
	region, entry := t.region(defaultRegion)
	if s[0] != '+' && region == "" {
		return "", invalid(KindPhone, in, "no country code and no default region")
	}
	var buf [64]byte
	cc, nsn, res := t.parse(s, region, entry, &buf)
	switch res {
	case phoneNotNumber:
		return "", invalid(KindPhone, in, "not a phone number")
	case phoneInvalid:
		return "", invalid(KindPhone, in, "not a valid number")
	case phoneUndecided:
		return phoneSlow(in, defaultRegion)
	}
	// Format(num, E164): "+", the calling code and the national
	// significant number, which is nsn (see parse).
	var b strings.Builder
	b.Grow(4 + len(nsn))
	b.WriteByte('+')
	var ccBuf [4]byte
	b.Write(strconv.AppendInt(ccBuf[:0], int64(cc), 10))
	b.Write(nsn)
	return b.String(), nil
}

// phoneSlow is Phone as it was first written, calling the library's Parse,
// IsValidNumber and Format. Phone gives the same results, faster; the
// tests hold the two to that, and Phone falls back on phoneSlow for
// metadata it cannot precompute.
func phoneSlow(s, defaultRegion string) (string, error) {
	in := s
	s, err := phoneText(s)
	if err != nil {
		return "", err
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

// unknownRegion stands for a region code, given with lowercase letters,
// that the library does not support. It is not "" and equals no region
// code the library returns.
const unknownRegion = "?"

// region returns strings.ToUpper(strings.TrimSpace(code)), or
// unknownRegion where that is not a supported region, without allocating
// for a short ASCII code; and the region's entry, nil if not supported.
func (t *phoneTables) region(code string) (string, *regionEntry) {
	code = strings.TrimSpace(code)
	lower := false
	for i := 0; i < len(code); i++ {
		c := code[i]
		if c >= 0x80 {
			// Unicode case mapping can turn a non-ASCII letter into an
			// ASCII one ("ſ" into "S"): leave it to strings.ToUpper.
			code = strings.ToUpper(code)
			return code, t.regions[code]
		}
		lower = lower || c >= 'a' && c <= 'z'
	}
	if !lower {
		return code, t.regions[code]
	}
	var buf [8]byte
	if len(code) > len(buf) {
		return unknownRegion, nil
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[i] = c
	}
	if e := t.regions[string(buf[:len(code)])]; e != nil {
		return e.code, e
	}
	return unknownRegion, nil
}

// phoneResult is the outcome of phoneTables.parse.
type phoneResult uint8

const (
	phoneValid     phoneResult = iota
	phoneNotNumber             // phonenumbers.Parse fails
	phoneInvalid               // phonenumbers.IsValidNumber is false
	phoneUndecided             // the fast path cannot tell: ask phoneSlow
)

// Errors of maybeExtractCountryCode that parseHelper tells apart.
type ccError uint8

const (
	ccOK ccError = iota
	ccInvalid
	ccTooShortAfterIDD
)

// parse follows phonenumbers.Parse(s, region) and IsValidNumber for s, a
// trimmed number that passed Phone's character checks, and returns the
// number's calling code and national significant number. region is
// Phone's upper-cased default region, entry its entry (nil if the region
// is not supported).
//
// The character checks allow digits, a leading "+", spaces, no-break
// spaces and ( ) - . / only, which settles much of what the library does
// with regular expressions: no RFC 3966 syntax, no extension, no letters
// to convert, no second number; the number starts at the first "+" or
// digit, and its normalized form is its ASCII digits.
func (t *phoneTables) parse(s, region string, entry *regionEntry, buf *[64]byte) (cc int, nsn []byte, res phoneResult) {
	// extractPossibleNumber: start at the first "+" or digit. (Its
	// trailing-character pattern, which Go's regexp reads differently
	// from Java's, never matches this input.)
	start := 0
	for start < len(s) && s[start] != '+' && (s[start] < '0' || s[start] > '9') {
		start++
	}
	e := s[start:]
	plus := e[0] == '+'
	n := 0
	for i := 0; i < len(e); i++ {
		if c := e[i]; c >= '0' && c <= '9' {
			buf[n] = c
			n++
		}
	}
	digits := buf[:n]

	// isViablePhoneNumber: two digits alone, or at least three digits
	// with punctuation.
	if len(e) < phonenumbers.MIN_LENGTH_FOR_NSN || (n < 3 && (len(e) != 2 || n != 2)) {
		return 0, nil, phoneNotNumber
	}
	// checkRegionForParsing.
	if entry == nil && !plus {
		return 0, nil, phoneNotNumber
	}
	meta, broken := entry.get()
	if broken {
		return 0, nil, phoneUndecided
	}

	// maybeExtractCountryCode, retried without the "+" if what follows it
	// is not a calling code.
	cc, national, cerr := t.extractCountryCode(digits, plus, meta)
	if cerr == ccInvalid && plus {
		cc, national, cerr = t.extractCountryCode(digits, false, meta)
		if cerr == ccOK && cc == 0 {
			cerr = ccInvalid
		}
	}
	if cerr != ccOK {
		return 0, nil, phoneNotNumber
	}
	if cc != 0 {
		if cc >= len(t.ccRegions) || len(t.ccRegions[cc]) == 0 {
			// A default region whose calling code the library does not
			// know: not in its data.
			return 0, nil, phoneUndecided
		}
		// The metadata of the calling code's main region, or of the
		// non-geographical calling code.
		if first := t.ccRegions[cc][0]; first.code != region {
			if meta, broken = first.get(); broken {
				return 0, nil, phoneUndecided
			}
		}
	} else {
		// No calling code in the number: it is national.
		national = digits
		if region != "" && meta != nil {
			cc = meta.cc
		}
	}
	if len(national) < phonenumbers.MIN_LENGTH_FOR_NSN {
		return 0, nil, phoneNotNumber
	}
	if meta != nil {
		// Strip the national prefix only if what remains has a possible
		// length.
		stripped := meta.stripNationalPrefix(national)
		switch meta.testLength(len(stripped)) {
		case lengthTooShort, lengthLocalOnly, lengthInvalid:
		default:
			national = stripped
		}
	}
	if len(national) < phonenumbers.MIN_LENGTH_FOR_NSN || len(national) > phonenumbers.MAX_LENGTH_FOR_NSN {
		return 0, nil, phoneNotNumber
	}
	// The library stores national as an integer with its count of leading
	// zeros ("Italian leading zero"); GetNationalSignificantNumber turns
	// that back into national itself, for 2 to 17 digits.
	nsn = national

	// IsValidNumber: GetRegionCodeForNumber, then IsValidNumberForRegion.
	var regions []*regionEntry
	if cc >= 0 && cc < len(t.ccRegions) {
		regions = t.ccRegions[cc]
	}
	var number *regionEntry
	switch len(regions) {
	case 0:
	case 1:
		number = regions[0]
	default:
		// getRegionCodeForNumberFromRegionList.
		for _, e := range regions {
			m, broken := e.get()
			if broken || m == nil {
				return 0, nil, phoneUndecided
			}
			if m.hasLeading {
				if m.leading.matchStart(nsn) {
					number = e
					break
				}
			} else if m.hasType(nsn) {
				number = e
				break
			}
		}
	}
	m, broken := number.get()
	switch {
	case broken:
		return 0, nil, phoneUndecided
	case m == nil,
		number.code != phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY && cc != m.cc,
		!m.hasType(nsn):
		return cc, nsn, phoneInvalid
	}
	return cc, nsn, phoneValid
}

// extractCountryCode follows maybeExtractCountryCode for a number with the
// given digits and leading "+" (or not), and meta the default region's
// data (nil if none). It returns the calling code (0 if the number has
// none) and the digits after it.
func (t *phoneTables) extractCountryCode(digits []byte, plus bool, meta *phoneMeta) (int, []byte, ccError) {
	// maybeStripInternationalPrefixAndNormalize: the number is
	// international if it has a "+" or starts with the default region's
	// international prefix. (Without metadata the library's prefix pattern
	// is "NonMatch", which no digits match.)
	full, international := digits, plus
	if !plus && meta != nil {
		full, international = meta.stripIDD(digits)
	}
	if international {
		if len(full) <= phonenumbers.MIN_LENGTH_FOR_NSN {
			return 0, nil, ccTooShortAfterIDD
		}
		// extractCountryCode: calling codes do not start with 0 and have
		// one to three digits.
		if full[0] != '0' {
			cc := 0
			for i := 1; i <= phonenumbers.MAX_LENGTH_COUNTRY_CODE && i <= len(full); i++ {
				cc = cc*10 + int(full[i-1]-'0')
				if t.ccKnown[cc] {
					return cc, full[i:], ccOK
				}
			}
		}
		return 0, nil, ccInvalid
	}
	if meta != nil && len(meta.ccDigits) > 0 && len(digits) >= len(meta.ccDigits) &&
		string(digits[:len(meta.ccDigits)]) == string(meta.ccDigits) {
		// The number may start with the default region's calling code,
		// without "+": take it as such if the rest is a valid national
		// number and the whole is not, or if the whole is too long.
		national := meta.stripNationalPrefix(digits[len(meta.ccDigits):])
		fullValid := meta.general.full.matchAll(digits)
		nationalValid := meta.general.full.matchAll(national)
		if (!fullValid && nationalValid) || meta.testLength(len(digits)) == lengthTooLong {
			return meta.cc, national, ccOK
		}
	}
	return 0, nil, ccOK
}

// phoneText is the input of Phone and phoneSlow without surrounding
// space, or the error for an empty or overlong one.
func phoneText(in string) (string, error) {
	s := strings.TrimSpace(in)
	switch {
	case s == "":
		return "", invalid(KindPhone, in, "empty")
	case len(s) > 64:
		return "", invalid(KindPhone, in, "too long")
	}
	return s, nil
}
