package validate

import (
	"net/mail"
	"strings"
)

// Email validates an email address as visitors and mail systems commonly
// accept it: a bare addr-spec that net/mail parses (RFC 5322), whose domain
// is a DNS name with a dot (see below). Display names ("Ann <ann@x.com>"),
// angle brackets, comments, quoted local parts, several addresses, and domain
// literals ("a@[192.0.2.1]") are rejected. The local part is limited to 64
// bytes and the whole address to 254.
//
// Domain rules: two or more labels of letters, digits and inner hyphens, and
// a top-level label of at least two characters that is not all digits, so
// "a@b" and "a@b.c" are rejected while "a@b.co" is accepted.
//
// The result keeps the local part as typed (it may be case-sensitive) and
// lowercases the domain.
func Email(s string) (string, error) {
	in := s
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", invalid(KindEmail, in, "empty")
	case len(s) > 254:
		return "", invalid(KindEmail, in, "too long")
	}
	addr, err := mail.ParseAddress(s)
	if err != nil {
		return "", invalid(KindEmail, in, "not an email address")
	}
	// ParseAddress also accepts name-addr forms, comments and quoting; what
	// it returns equals the input only for a plain addr-spec.
	if addr.Name != "" || addr.Address != s {
		return "", invalid(KindEmail, in, "only a bare address is accepted")
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if len(local) > 64 {
		return "", invalid(KindEmail, in, "local part too long")
	}
	domain = strings.ToLower(domain)
	if msg := checkHost(domain); msg != "" {
		return "", invalid(KindEmail, in, msg)
	}
	return local + "@" + domain, nil
}
