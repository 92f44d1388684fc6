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
	t := strings.TrimSpace(s)
	at, upper, ok := plainEmail(t)
	if !ok && t != "" && len(t) <= 254 && strings.IndexByte(t, '@') < 0 {
		// The commonest wrong answer, a name or a sentence: net/mail finds
		// no addr-spec without an "@".
		return "", invalid(KindEmail, s, "not an email address")
	}
	if !ok {
		// Anything unusual, rejections included, takes the full path.
		return emailSlow(s)
	}
	if !upper {
		return t, nil
	}
	// The one allocation: the local part as typed, the domain lowercased.
	var domain [253]byte
	n := copy(domain[:], t[at+1:])
	for i, c := range domain[:n] {
		if c >= 'A' && c <= 'Z' {
			domain[i] = c + 'a' - 'A'
		}
	}
	var b strings.Builder
	b.Grow(len(t))
	b.WriteString(t[:at+1])
	b.Write(domain[:n])
	return b.String(), nil
}

// plainEmail reports whether emailSlow accepts s, already trimmed, by
// checks that need no parsing and no allocation, for the addresses people
// ordinarily type: a local part of ASCII letters, digits, dots and the
// other RFC 5322 atext characters, and a domain of ASCII letters, digits,
// hyphens and dots. It returns the index of the "@" and whether the domain
// has upper-case letters. ok false means only that s needs the full path.
//
// For such s net/mail parses a bare addr-spec equal to s exactly when both
// parts are dot-atoms (no leading, trailing or double dot), and checkHost
// checks ASCII as done below.
func plainEmail(s string) (at int, upper, ok bool) {
	if len(s) == 0 || len(s) > 254 {
		return 0, false, false
	}
	// Local part: a dot-atom of at most 64 bytes.
	prev := byte('.') // a leading dot is as bad as a double one
	i := 0
	for ; i < len(s) && s[i] != '@'; i++ {
		c := s[i]
		if c == '.' {
			if prev == '.' {
				return 0, false, false
			}
		} else if !asciiAtext[c] {
			return 0, false, false
		}
		prev = c
	}
	if i == len(s) || i == 0 || i > 64 || prev == '.' {
		return 0, false, false
	}
	at = i
	// Domain: labels of 1 to 63 letters, digits and inner hyphens, at
	// least two of them, the last (top-level) not all digits and of two
	// characters or more.
	domain := s[at+1:]
	if len(domain) == 0 || len(domain) > 253 {
		return 0, false, false
	}
	labels, start, digitsOnly := 0, 0, true
	for j := 0; j <= len(domain); j++ {
		if j == len(domain) || domain[j] == '.' {
			l := domain[start:j]
			if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
				return 0, false, false
			}
			labels++
			if j == len(domain) && (len(l) < 2 || digitsOnly) {
				return 0, false, false
			}
			start, digitsOnly = j+1, true
			continue
		}
		switch c := domain[j]; {
		case c >= '0' && c <= '9':
		case c >= 'a' && c <= 'z' || c == '-':
			digitsOnly = false
		case c >= 'A' && c <= 'Z':
			digitsOnly, upper = false, true
		default:
			return 0, false, false
		}
	}
	if labels < 2 {
		return 0, false, false
	}
	return at, upper, true
}

// asciiAtext marks the ASCII atext characters of RFC 5322: letters,
// digits and !#$%&'*+-/=?^_`{|}~.
var asciiAtext = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$%&'*+-/=?^_`{|}~", byte(c)) >= 0
	}
	return t
}()

// emailSlow is Email as it was first written, on net/mail. Email gives the
// same results, taking this path for anything but a plain address; the
// tests hold the two to that.
func emailSlow(s string) (string, error) {
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
