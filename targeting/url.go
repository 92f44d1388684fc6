package targeting

import "strings"

// URL normalisation. Page URLs and URL-like rule values are both brought to
// one canonical form, "host/path?query", before they are compared:
//
//   - the scheme is dropped (http and https match alike), and so are user
//     information and the default ports :80 and :443;
//   - the host is lowercased, a leading "www." and a trailing "." removed;
//   - the path is percent-decoded ("%C3%A9" and "é" are the same) and its
//     trailing slashes removed; an empty path is "/"; the path keeps its
//     case;
//   - the query is percent-decoded and kept in order; "+" stays "+";
//   - the fragment is removed (Select reports the open-at-once fragment).
//
// A URL that starts with "/" has no host: only path rules can match it.

// urlParts is a normalised URL.
type urlParts struct {
	base     string // host + path
	full     string // base, plus "?" + query when there is a query
	hostLen  int    // length of the host at the start of base and full
	rawQuery string // the query as given, for parameter rules
	fragment string // the fragment as given, without "#"
	hasQuery bool   // full has a query
}

// parseURL normalises raw. keepSlash keeps trailing slashes of the path
// (begins_with values). pattern is set for wildcard patterns: a host ending
// in "*" and no path gets no "/" appended.
//
// It allocates only when the canonical form is not a substring of raw.
func parseURL(raw string, keepSlash, pattern bool) urlParts {
	var u urlParts
	s := strings.TrimSpace(raw)
	if i := strings.IndexByte(s, '#'); i >= 0 {
		u.fragment = s[i+1:]
		s = s[:i]
	}
	pos := 0 // start of the authority or path
	hostless := false
	switch n := schemeLen(s); {
	case n > 0:
		pos = n
	case strings.HasPrefix(s, "//"):
		pos = 2
	case strings.HasPrefix(s, "/"):
		hostless = true
	}
	// Host: s[hs:he], or host when it had to be rewritten.
	hs, he := pos, pos
	if !hostless {
		he = len(s)
		if i := strings.IndexAny(s[pos:], "/?"); i >= 0 {
			he = pos + i
		}
	}
	ps := he // path start
	host, hostSliced := normalizeHost(s, &hs, &he)
	// Path: s[ps:pe] or path when rewritten.
	pe := len(s)
	if i := strings.IndexByte(s[ps:], '?'); i >= 0 {
		pe = ps + i
		u.rawQuery = s[pe+1:]
	}
	path, pathSliced := s[ps:pe], true
	if strings.IndexByte(path, '%') >= 0 {
		if d, changed := percentDecode(path); changed {
			path, pathSliced = d, false
		}
	}
	if !keepSlash {
		trimmed := strings.TrimRight(path, "/")
		if trimmed == "" && path != "" && pathSliced {
			trimmed = path[:1] // the root "/", still a substring of s
		}
		if pathSliced {
			pe -= len(path) - len(trimmed)
		}
		path = trimmed
	}
	if path == "" && !(pattern && strings.HasSuffix(host, "*")) {
		path, pathSliced = "/", false
	}
	u.hostLen = len(host)
	baseSliced := hostSliced && pathSliced && he == ps
	if baseSliced {
		u.base = s[hs:pe]
	} else {
		u.base = host + path
	}
	if u.rawQuery == "" {
		u.full = u.base
		return u
	}
	u.hasQuery = true
	query, querySliced := u.rawQuery, true
	if strings.IndexByte(query, '%') >= 0 {
		if d, changed := percentDecode(query); changed {
			query, querySliced = d, false
		}
	}
	if baseSliced && querySliced && pe+1 == len(s)-len(u.rawQuery) {
		u.full = s[hs:]
	} else {
		u.full = u.base + "?" + query
	}
	return u
}

// schemeLen returns the length of a leading "scheme://", or 0.
func schemeLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			if strings.HasPrefix(s[i+1:], "//") {
				return i + 3
			}
			return 0
		default:
			return 0
		}
	}
	return 0
}

// normalizeHost narrows s[*hs:*he] to the canonical host and returns it.
// sliced is false when the host had to be rewritten (lowercased).
func normalizeHost(s string, hs, he *int) (host string, sliced bool) {
	h := s[*hs:*he]
	if i := strings.LastIndexByte(h, '@'); i >= 0 {
		*hs += i + 1
		h = h[i+1:]
	}
	for _, port := range [...]string{":80", ":443", ":"} {
		if strings.HasSuffix(h, port) {
			h = h[:len(h)-len(port)]
			*he -= len(port)
			break
		}
	}
	if strings.HasSuffix(h, ".") {
		h = h[:len(h)-1]
		*he--
	}
	if len(h) > 4 && strings.EqualFold(h[:4], "www.") {
		h = h[4:]
		*hs += 4
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; 'A' <= c && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(h), false
		}
	}
	return h, true
}

// percentDecode decodes %XX escapes; malformed escapes stay as they are.
func percentDecode(s string) (string, bool) {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			if b == nil {
				b = make([]byte, 0, len(s))
				b = append(b, s[:i]...)
			}
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		if b != nil {
			b = append(b, s[i])
		}
	}
	if b == nil {
		return s, false
	}
	return string(b), true
}

// formDecode decodes a query-string component: "+" is a space, %XX escapes
// are decoded, malformed escapes stay.
func formDecode(s string) string {
	if strings.IndexByte(s, '+') < 0 {
		d, _ := percentDecode(s)
		return d
	}
	d, _ := percentDecode(strings.ReplaceAll(s, "+", " "))
	return d
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// trimPathSlash removes trailing slashes from the part of a URL fragment
// before its "?", keeping a lone "/".
func trimPathSlash(v string) string {
	path, query, hasQuery := strings.Cut(v, "?")
	t := strings.TrimRight(path, "/")
	if t == "" && path != "" {
		t = "/"
	}
	if len(t) == len(path) {
		return v
	}
	if hasQuery {
		return t + "?" + query
	}
	return t
}
