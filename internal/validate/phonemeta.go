package validate

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// This file holds what Phone's fast path precomputes from libphonenumber's
// metadata (github.com/nyaruka/phonenumbers), and the steps of the
// library's parsing and validation that consult it, restated over that
// precomputed data. Each step names the library function it follows; the
// differential tests and FuzzPhoneFast hold the two to the same results.
//
// The library itself builds every regular expression from metadata strings
// on each call ("^(?:" + pattern + ")$") and looks it up in a cache behind
// a global lock; its number-range patterns are large enough that Go's
// regexp runs them through its slowest engine. Here each region's patterns
// are compiled once, the first time the region is used (about a
// millisecond), into digitDFAs; a pattern's regexp is compiled only for
// what an automaton cannot answer (where an international or national
// prefix ends, for one), and the number-type patterns are also combined
// into one automaton, so that validating takes a single pass. All regions
// together take about 4 MB.
//
// This mirrors github.com/nyaruka/phonenumbers v1.8.1. After upgrading it,
// run the differential tests and FuzzPhoneFast: they compare Phone with
// phoneSlow, which calls the library.

// phoneTables indexes the library's metadata. It is built once and never
// modified, so it is read without locking.
type phoneTables struct {
	// regions holds every region code the library supports, as
	// isValidRegionCode defines it.
	regions map[string]*regionEntry
	// ccKnown marks the calling codes the library knows (the keys of its
	// country-code-to-region map), ccRegions lists their regions, the
	// main one first. A non-geographical calling code, such as 800 for
	// international freephone, has one region "001" with its own
	// metadata.
	ccKnown   [1000]bool
	ccRegions [1000][]*regionEntry
}

// regionEntry is a region code with its metadata.
type regionEntry struct {
	code string
	// meta is nil if the library has no metadata for the region.
	meta *lazyMeta
}

// get returns the entry's metadata, as getMetadataForRegion, or for
// "001" getMetadataForNonGeographicalRegion, does: nil for a nil entry
// (an unsupported region) or one without metadata. broken reports
// metadata the fast path cannot use.
func (e *regionEntry) get() (m *phoneMeta, broken bool) {
	if e == nil || e.meta == nil {
		return nil, false
	}
	m = e.meta.get()
	return m, m.broken
}

// lazyMeta builds a region's phoneMeta on first use.
type lazyMeta struct {
	md   *phonenumbers.PhoneMetadata
	once sync.Once
	m    *phoneMeta
}

// get returns the region's precomputed data, building it on first use.
func (l *lazyMeta) get() *phoneMeta {
	l.once.Do(func() { l.m = newPhoneMeta(l.md) })
	return l.m
}

// phoneData returns the tables, or nil if the library's data does not
// have the shape the fast path relies on; Phone then uses phoneSlow only.
var phoneData = sync.OnceValue(newPhoneTables)

// newPhoneTables builds the tables; each region's data is built on first
// use.
func newPhoneTables() *phoneTables {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil || coll == nil {
		return nil
	}
	t := &phoneTables{regions: map[string]*regionEntry{}}
	// Later entries win, as in the library's maps.
	byRegion := map[string]*phonenumbers.PhoneMetadata{}
	nonGeo := map[int]*phonenumbers.PhoneMetadata{}
	for _, md := range coll.GetMetadata() {
		if md.GetId() == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY {
			nonGeo[int(md.GetCountryCode())] = md
		} else {
			byRegion[md.GetId()] = md
		}
	}
	for code, ok := range phonenumbers.GetSupportedRegions() {
		if !ok || code == "" {
			continue
		}
		e := &regionEntry{code: code}
		if md := byRegion[code]; md != nil {
			e.meta = &lazyMeta{md: md}
		}
		t.regions[code] = e
	}
	for cc := range phonenumbers.GetSupportedCallingCodes() {
		if cc < 0 || cc >= len(t.ccKnown) {
			return nil
		}
		codes := phonenumbers.GetRegionCodesForCountryCode(cc)
		if len(codes) == 1 && codes[0] == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY {
			e := &regionEntry{code: codes[0]}
			if md := nonGeo[cc]; md != nil {
				e.meta = &lazyMeta{md: md}
			}
			t.ccRegions[cc] = []*regionEntry{e}
		} else {
			for _, code := range codes {
				// The library sees to it that a calling code's regions
				// are supported, and "001" the only one if there.
				e := t.regions[code]
				if e == nil {
					return nil
				}
				t.ccRegions[cc] = append(t.ccRegions[cc], e)
			}
		}
		if len(t.ccRegions[cc]) == 0 {
			return nil
		}
		t.ccKnown[cc] = true
	}
	return t
}

// phoneMeta is one region's (or non-geographical calling code's)
// metadata, compiled.
type phoneMeta struct {
	// broken is set if a pattern failed to compile or a length list is
	// missing; the library would panic, so the fast path leaves such
	// input to it.
	broken bool

	cc       int
	ccDigits []byte

	// general is the general description; types the specific ones that
	// make a number valid, in getNumberTypeHelper's order (premium rate,
	// toll free, shared cost, VoIP, personal, pager, UAN, voicemail,
	// fixed line); mobile counts unless sameMobileAndFixed.
	general            numberDesc
	types              [9]numberDesc
	mobile             numberDesc
	sameMobileAndFixed bool
	// descs runs the patterns of general (bit 0), types (bits 1 to 9) and
	// mobile (bit 10) at once, if they are not too large to combine;
	// descLengths[n] has the bits of those whose possible lengths allow n
	// digits, and typeBits those that make a number valid.
	descs       *multiDFA
	descLengths [phonenumbers.MAX_LENGTH_FOR_NSN + 1]uint16
	typeBits    uint16

	// possibleLengths and localLengths are the general description's, for
	// testNumberLength.
	possibleLengths []int32
	localLengths    []int32

	// idd is the international dialling prefix pattern; iddAlts its
	// alternatives if they are all plain digit strings ("00", "00|99").
	idd     pattern
	iddAlts []string

	// npp is "^(?:" + national prefix for parsing + ")", nppText the
	// prefix itself, nppAlts its alternatives if they are all plain digit
	// strings ("0", "0|180020"); transform is the national prefix
	// transform rule.
	npp       pattern
	nppText   string
	nppAlts   []string
	transform string

	// leading is "^(?:" + leading digits + ")", if hasLeading.
	leading    pattern
	hasLeading bool
}

// numberDesc is a compiled PhoneNumberDesc.
type numberDesc struct {
	lengths []int32
	// full is "^(?:" + national number pattern + ")$".
	full pattern
}

// pattern is a regular expression with, where possible, its digitDFA.
// The regexp is compiled only if needed: for input the automaton cannot
// read, for the positions of a match, or for want of an automaton.
type pattern struct {
	expr string
	dfa  *digitDFA
	once sync.Once
	re   *regexp.Regexp
}

// compile sets p to expr; it reports false if expr does not compile.
func (p *pattern) compile(expr string) bool {
	p.expr = expr
	if d, err := newDigitDFA(expr); err == nil {
		// regexp.Compile parses and compiles as newDigitDFA does: it will
		// succeed too.
		p.dfa = d
		return true
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return false
	}
	p.once.Do(func() { p.re = re })
	return true
}

// compiled returns the compiled regular expression.
func (p *pattern) compiled() *regexp.Regexp {
	p.once.Do(func() { p.re = regexp.MustCompile(p.expr) })
	return p.re
}

// matchAll reports whether p matches all of s, as MatchString does
// for a pattern anchored at both ends.
func (p *pattern) matchAll(s []byte) bool {
	if p.dfa != nil {
		if m, ok := dfaFull(p.dfa, s); ok {
			return m
		}
	}
	return p.compiled().MatchString(string(s))
}

// matchStart reports whether a match of p starts at the start of s: what
// MatchString reports for a pattern anchored at the start, and what
// FindStringIndex returning index 0 reports for any pattern.
func (p *pattern) matchStart(s []byte) bool {
	if p.dfa != nil {
		if m, ok := dfaPrefix(p.dfa, s); ok {
			return m
		}
	}
	loc := p.compiled().FindStringIndex(string(s))
	return loc != nil && loc[0] == 0
}

// newPhoneMeta compiles md.
func newPhoneMeta(md *phonenumbers.PhoneMetadata) *phoneMeta {
	m := &phoneMeta{cc: int(md.GetCountryCode())}
	m.ccDigits = strconv.AppendInt(nil, int64(m.cc), 10)
	ok := m.general.compile(md.GetGeneralDesc())
	for i, d := range []*phonenumbers.PhoneNumberDesc{
		md.GetPremiumRate(), md.GetTollFree(), md.GetSharedCost(), md.GetVoip(), md.GetPersonalNumber(),
		md.GetPager(), md.GetUan(), md.GetVoicemail(), md.GetFixedLine(),
	} {
		ok = m.types[i].compile(d) && ok
	}
	ok = m.mobile.compile(md.GetMobile()) && ok
	m.sameMobileAndFixed = md.GetSameMobileAndFixedLinePattern()
	if ok {
		all := []*numberDesc{&m.general}
		for i := range m.types {
			all = append(all, &m.types[i])
		}
		all = append(all, &m.mobile)
		var dfas []*digitDFA
		for i, d := range all {
			dfas = append(dfas, d.full.dfa)
			for n := range m.descLengths {
				if d.allowsLength(n) {
					m.descLengths[n] |= 1 << i
				}
			}
		}
		if !slices.Contains(dfas, nil) {
			m.descs = newMultiDFA(dfas)
		}
		m.typeBits = 1<<10 - 2 // bits 1 to 9
		if !m.sameMobileAndFixed {
			m.typeBits |= 1 << 10
		}
	}
	m.possibleLengths = md.GetGeneralDesc().GetPossibleLength()
	m.localLengths = md.GetGeneralDesc().GetPossibleLengthLocalOnly()
	if len(m.possibleLengths) == 0 {
		ok = false
	}

	idd := md.GetInternationalPrefix()
	m.iddAlts = literalAlternatives(idd)
	ok = m.idd.compile(idd) && ok

	m.nppText = md.GetNationalPrefixForParsing()
	m.transform = md.GetNationalPrefixTransformRule()
	if m.nppText != "" {
		m.nppAlts = literalAlternatives(m.nppText)
		ok = m.npp.compile("^(?:"+m.nppText+")") && ok
	}
	if ld := md.GetLeadingDigits(); ld != "" {
		m.hasLeading = true
		ok = m.leading.compile("^(?:"+ld+")") && ok
	}
	m.broken = !ok
	return m
}

// compile sets d to desc, which the library never leaves nil.
func (d *numberDesc) compile(desc *phonenumbers.PhoneNumberDesc) bool {
	if desc == nil {
		return false
	}
	d.lengths = desc.GetPossibleLength()
	return d.full.compile("^(?:" + desc.GetNationalNumberPattern() + ")$")
}

// allowsLength reports whether the description's possible lengths, if it
// lists any, include n.
func (d *numberDesc) allowsLength(n int) bool {
	if len(d.lengths) == 0 {
		return true
	}
	for _, l := range d.lengths {
		if int(l) == n {
			return true
		}
	}
	return false
}

// matches follows isNumberMatchingDesc: the length is allowed and the
// pattern matches.
func (d *numberDesc) matches(nsn []byte) bool {
	return d.allowsLength(len(nsn)) && d.full.matchAll(nsn)
}

// hasType reports whether getNumberTypeHelper finds a type for nsn, that
// is does not return UNKNOWN.
func (m *phoneMeta) hasType(nsn []byte) bool {
	if m.descs != nil && len(nsn) < len(m.descLengths) {
		if match, ok := m.descs.run(nsn); ok {
			match &= m.descLengths[len(nsn)]
			return match&1 != 0 && match&m.typeBits != 0
		}
	}
	return m.hasTypeEach(nsn)
}

// hasTypeEach is hasType matching one description after the other, as
// getNumberTypeHelper does.
func (m *phoneMeta) hasTypeEach(nsn []byte) bool {
	if !m.general.matches(nsn) {
		return false
	}
	for i := range m.types {
		if m.types[i].matches(nsn) {
			return true
		}
	}
	return !m.sameMobileAndFixed && m.mobile.matches(nsn)
}

// The results of testNumberLength that parsing distinguishes.
type lengthResult uint8

const (
	lengthPossible lengthResult = iota
	lengthLocalOnly
	lengthTooShort
	lengthInvalid
	lengthTooLong
)

// testLength follows testNumberLength for the UNKNOWN number type, that is
// for the general description.
func (m *phoneMeta) testLength(n int) lengthResult {
	pl := m.possibleLengths
	if pl[0] == -1 {
		return lengthInvalid
	}
	for _, l := range m.localLengths {
		if int(l) == n {
			return lengthLocalOnly
		}
	}
	switch {
	case int(pl[0]) == n:
		return lengthPossible
	case int(pl[0]) > n:
		return lengthTooShort
	case int(pl[len(pl)-1]) < n:
		return lengthTooLong
	}
	for _, l := range pl[1:] {
		if int(l) == n {
			return lengthPossible
		}
	}
	return lengthInvalid
}

// stripIDD follows parsePrefixAsIdd on the digits num: if num starts with
// the international prefix, not followed by a 0, it returns the rest.
func (m *phoneMeta) stripIDD(num []byte) (rest []byte, ok bool) {
	end := -1
	if m.iddAlts != nil {
		if end = prefixEnd(m.iddAlts, num); end < 0 {
			return num, false
		}
	} else {
		if !m.idd.matchStart(num) {
			return num, false
		}
		// The match's end depends on the order of alternatives, which an
		// automaton does not keep: ask the regexp, as the library does.
		loc := m.idd.compiled().FindStringIndex(string(num))
		if loc == nil || loc[0] != 0 {
			return num, false
		}
		end = loc[1]
	}
	// Country calling codes do not start with 0.
	if end < len(num) && num[end] == '0' {
		return num, false
	}
	return num[end:], true
}

// stripNationalPrefix follows maybeStripNationalPrefixAndCarrierCode (the
// carrier code is not needed): it returns num without its national
// prefix, transformed as the region requires, or num itself.
func (m *phoneMeta) stripNationalPrefix(num []byte) []byte {
	if len(num) == 0 || m.nppText == "" {
		return num
	}
	if m.nppAlts != nil && m.transform == "" {
		// The common case, a prefix such as "0" or "1".
		end := prefixEnd(m.nppAlts, num)
		if end < 0 {
			return num
		}
		rest := num[end:]
		// Keep a number the general pattern accepts from losing its
		// prefix if what would remain is not accepted.
		if m.general.full.matchAll(num) && !m.general.full.matchAll(rest) {
			return num
		}
		return rest
	}
	if !m.npp.matchStart(num) {
		return num
	}
	viable := m.general.full.matchAll(num)
	s := string(num)
	groups := m.npp.compiled().FindStringSubmatchIndex(s)
	if groups == nil {
		return num
	}
	last := len(groups)/2 - 1
	if m.transform == "" || groups[last*2] < 0 {
		rest := num[groups[1]:]
		if viable && !m.general.full.matchAll(rest) {
			return num
		}
		return rest
	}
	transformed := []byte(m.npp.compiled().ReplaceAllString(s, m.transform))
	if viable && !m.general.full.matchAll(transformed) {
		return num
	}
	return transformed
}

// literalAlternatives returns the alternatives of the regular expression
// expr if expr is nothing but alternatives of plain digit strings, such as
// "0", "00|99" or "" (one empty alternative), and nil otherwise.
func literalAlternatives(expr string) []string {
	alts := strings.Split(expr, "|")
	for _, a := range alts {
		if !allDigits(a) {
			return nil
		}
	}
	return alts
}

// prefixEnd returns where the match at the start of s of the alternatives
// alts of plain digit strings ends, or -1 if there is none. As in Go's
// regexp (and Perl's), the first alternative that matches wins, not the
// longest.
func prefixEnd(alts []string, s []byte) int {
	for _, a := range alts {
		if len(a) <= len(s) && string(s[:len(a)]) == a {
			return len(a)
		}
	}
	return -1
}
