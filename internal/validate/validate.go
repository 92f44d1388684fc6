// Package validate checks and normalizes a visitor's free-text answer for a
// property type before the "Ask a question" action stores it.
//
// Every function trims surrounding white space, accepts the forms a visitor
// commonly types, and returns the value in the canonical form chatflow stores
// (see store.Properties): emails with a lowercased domain, phone numbers in
// E.164, URLs with a scheme, dates as YYYY-MM-DD, numbers as plain decimals,
// booleans as "true" or "false".
//
// A rejected answer returns an *Error whose Unwrap is ErrInvalid, so callers
// test errors.Is(err, ErrInvalid). Error messages never repeat the visitor's
// input, because it is often personal data and errors end up in logs; the
// input is kept in the Error's Input field for callers that need it.
//
// The functions are pure and safe for concurrent use.
package validate

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInvalid is matched (errors.Is) by every error this package returns.
var ErrInvalid = errors.New("validate: invalid value")

// Kind names the property type a value failed to validate as.
type Kind string

// The kinds of value this package validates.
const (
	KindEmail       Kind = "email"
	KindPhone       Kind = "phone number"
	KindURL         Kind = "URL"
	KindDate        Kind = "date"
	KindNumber      Kind = "number"
	KindEnumeration Kind = "enumeration"
	KindBool        Kind = "boolean"
)

// Error describes a rejected value. Its Error method leaves the input out
// (see the package documentation); Unwrap returns ErrInvalid.
type Error struct {
	// Kind is the type the value was validated as.
	Kind Kind
	// Input is the value as given, before trimming.
	Input string
	// Msg says in a few words what is wrong, for logs and developers; it is
	// not meant to be shown to visitors.
	Msg string
}

// Error returns "validate: invalid <kind>: <msg>".
func (e *Error) Error() string {
	return "validate: invalid " + string(e.Kind) + ": " + e.Msg
}

// Unwrap returns ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }

func invalid(kind Kind, input, msg string) error {
	return &Error{Kind: kind, Input: input, Msg: msg}
}

// checkHost reports what is wrong with a DNS host name, or "" if it is
// acceptable: at least two labels, each of 1 to 63 bytes made of letters
// (Unicode letters allowed, for internationalized names), digits and inner
// hyphens, and a top-level label of two or more characters that is not all
// digits. No single-letter top-level domain exists, and an all-digit one
// would be an IP address or a typo.
func checkHost(host string) string {
	if host == "" {
		return "missing domain"
	}
	if len(host) > 253 {
		return "domain too long"
	}
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		return "domain has no dot"
	}
	for _, l := range labels {
		if l == "" {
			return "empty domain label"
		}
		if len(l) > 63 {
			return "domain label too long"
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return "domain label starts or ends with a hyphen"
		}
		for _, r := range l {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) {
				return "invalid character in domain"
			}
		}
	}
	tld := labels[len(labels)-1]
	if utf8.RuneCountInString(tld) < 2 {
		return "top-level domain too short"
	}
	if strings.IndexFunc(tld, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
		return "numeric top-level domain"
	}
	return ""
}
