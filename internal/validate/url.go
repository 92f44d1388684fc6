package validate

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// URL validates a website address and returns it with a scheme.
//
// Accepted are absolute http and https URLs ("https://example.com/x", the
// scheme in any case) and bare addresses without a scheme ("example.com/x",
// "www.example.com:8080"), which get "https://" prepended. The host must be
// a DNS name with a dot, following the same rules as an email domain, or an
// IP address literal; single-label hosts such as "localhost" are rejected,
// being of no use as a contact's website. Rejected too: other schemes
// ("ftp:", "mailto:", "javascript:"), scheme-relative "//host" forms, user
// credentials ("https://user@host"), white space or control characters
// anywhere, invalid percent escapes, and ports outside 1–65535.
//
// The result has the scheme and host lowercased; path, query and fragment
// are kept as typed. Input longer than 2048 bytes is rejected.
func URL(s string) (string, error) {
	in := s
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", invalid(KindURL, in, "empty")
	case len(s) > 2048:
		return "", invalid(KindURL, in, "too long")
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return "", invalid(KindURL, in, "contains white space")
	case strings.HasPrefix(s, "/"):
		return "", invalid(KindURL, in, "missing host")
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if ok {
		scheme = strings.ToLower(scheme)
		if scheme != "http" && scheme != "https" {
			return "", invalid(KindURL, in, "scheme is not http or https")
		}
	} else {
		scheme, rest = "https", s
	}
	// Split off the authority ourselves so the result can keep the rest of
	// the input verbatim; url.Parse below does the strict checking.
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := strings.ToLower(rest[:end]), rest[end:]
	if strings.ContainsAny(authority, "@%") {
		return "", invalid(KindURL, in, "user credentials or escapes in host")
	}
	u, err := url.Parse(scheme + "://" + authority + tail)
	if err != nil {
		return "", invalid(KindURL, in, "malformed")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", invalid(KindURL, in, "invalid port")
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return "", invalid(KindURL, in, "empty port")
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return "", invalid(KindURL, in, "IPv6 zone in host")
		}
		if ip.Is6() != strings.HasPrefix(authority, "[") {
			return "", invalid(KindURL, in, "malformed IP address host")
		}
	} else if msg := checkHost(host); msg != "" {
		return "", invalid(KindURL, in, msg)
	}
	return scheme + "://" + authority + tail, nil
}
