package targeting

import (
	"regexp"
	"strings"
)

// subject selects which form of the page URL a rule compares.
type subject uint8

const (
	subjBase     subject = iota // host/path
	subjFull                    // host/path?query
	subjPath                    // /path
	subjPathFull                // /path?query
)

// param is one decoded query parameter.
type param struct{ key, val string }

// page is a page view prepared for matching: its URL is normalised once per
// Select, its query parsed and its lowercase forms made only when a rule
// needs them.
type page struct {
	u       urlParts
	device  Device
	lower   [4]string
	lowered uint8 // bit per subject: lower holds it

	paramsParsed bool
	nparams      int
	params       [8]param
	moreParams   []param
}

func newPage(v PageView) page {
	return page{u: parseURL(v.URL, false, false), device: v.Device}
}

// subject returns the form of the URL a rule compares, lowercased if fold.
func (p *page) subject(k subject, fold bool) string {
	var s string
	switch k {
	case subjBase:
		s = p.u.base
	case subjFull:
		s = p.u.full
	case subjPath:
		s = p.u.base[p.u.hostLen:]
	default:
		s = p.u.full[p.u.hostLen:]
	}
	if !fold {
		return s
	}
	if p.lowered&(1<<k) == 0 {
		p.lower[k] = strings.ToLower(s)
		p.lowered |= 1 << k
	}
	return p.lower[k]
}

// parseParams splits the raw query into decoded parameters, once.
func (p *page) parseParams() {
	if p.paramsParsed {
		return
	}
	p.paramsParsed = true
	q := p.u.rawQuery
	for q != "" {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		pr := param{key: formDecode(k), val: formDecode(v)}
		if p.nparams < len(p.params) {
			p.params[p.nparams] = pr
			p.nparams++
		} else {
			p.moreParams = append(p.moreParams, pr)
		}
	}
}

// opcode is a compiled operator.
type opcode uint8

const (
	opInvalid opcode = iota
	opAll
	opIs
	opContains
	opBeginsWith
	opEndsWith
	opWildcard
	opRegex
	opKnown
	opAnyOf
	opAllOf
	opExactly
	opEq
	opGt
	opGte
	opLt
	opLte
	opBetween
	opBefore
	opAfter
	opMember
)

// ruleKind is the kind of a compiled page rule.
type ruleKind uint8

const (
	kindURL ruleKind = iota
	kindParam
	kindDevice
)

// pageRule is a compiled PageRule. Negative operators are compiled to their
// positive counterpart with negate set, so is and is_not are exact
// complements.
//
// It is kept to one cache line: Select walks thousands of them.
type pageRule struct {
	kind   ruleKind
	op     opcode
	negate bool
	fold   bool
	subj   subject
	value  string // normalised, lowercased when fold; the device for device rules
	param  string
	wild   *wildcard
	re     *regexp.Regexp
	*ruleInfo
}

// ruleInfo is what only explanations need.
type ruleInfo struct {
	path     string // JSON path inside the targeting section
	desc     string // the rule in words
	excluded string // the explanation when an exclusion rule matches
}

// match reports whether the rule matches the page.
func (r *pageRule) match(p *page) bool {
	var ok bool
	switch r.kind {
	case kindURL:
		ok = r.matchString(p.subject(r.subj, r.fold))
	case kindParam:
		ok = r.matchParam(p)
	default:
		ok = string(p.device) == r.value
	}
	return ok != r.negate
}

// matchParam reports whether any occurrence of the parameter matches.
func (r *pageRule) matchParam(p *page) bool {
	p.parseParams()
	for i := 0; i < p.nparams; i++ {
		if r.matchParamValue(&p.params[i]) {
			return true
		}
	}
	for i := range p.moreParams {
		if r.matchParamValue(&p.moreParams[i]) {
			return true
		}
	}
	return false
}

func (r *pageRule) matchParamValue(pr *param) bool {
	if pr.key != r.param {
		return false
	}
	if r.op == opKnown {
		return true
	}
	v := pr.val
	if r.fold {
		v = strings.ToLower(v)
	}
	return r.matchString(v)
}

// matchString applies the positive operator to s.
func (r *pageRule) matchString(s string) bool {
	switch r.op {
	case opAll:
		return true
	case opIs:
		return s == r.value
	case opContains:
		return strings.Contains(s, r.value)
	case opBeginsWith:
		return strings.HasPrefix(s, r.value)
	case opEndsWith:
		return strings.HasSuffix(s, r.value)
	case opWildcard:
		return r.wild.match(s)
	case opRegex:
		return r.re.MatchString(s)
	}
	return false
}

// wildcard is a compiled pattern in which "*" matches any run of characters,
// including none and including "/". It matches whole strings.
type wildcard struct {
	parts []string // the pattern split at "*"
	alt   []string // for a URL pattern ending in "/*": the pattern without it
}

// compileWildcard splits pattern. With url set, a pattern ending in "/*"
// also matches the same URL without it, because page URLs lose their
// trailing slash: example.com/blog/* matches example.com/blog.
func compileWildcard(pattern string, url bool) *wildcard {
	w := &wildcard{parts: strings.Split(pattern, "*")}
	if base, ok := strings.CutSuffix(pattern, "/*"); ok && url && base != "" {
		w.alt = strings.Split(base, "*")
	}
	return w
}

func (w *wildcard) match(s string) bool {
	return matchParts(w.parts, s) || w.alt != nil && matchParts(w.alt, s)
}

func matchParts(parts []string, s string) bool {
	if len(parts) == 1 {
		return s == parts[0]
	}
	first, last := parts[0], parts[len(parts)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	// Greedy leftmost search is exact when "*" is the only special
	// character: taking the earliest occurrence of each middle part leaves
	// the most room for the rest.
	mid := s[len(first) : len(s)-len(last)]
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(mid, part)
		if i < 0 {
			return false
		}
		mid = mid[i+len(part):]
	}
	return true
}
