package targeting

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/chatflow/chatflow/condition"
)

// Rules is a compiled Spec. It is immutable and safe for concurrent use. A
// nil *Rules, like the zero Rules, shows its chatflow on all pages to every
// visitor, always.
type Rules struct {
	include   []pageRule // ORed; empty means all pages
	exclude   []pageRule
	audience  audience
	groups    [][]filter // ORed groups of ANDed filters
	excluded  [][]filter // visitor exclusion groups, ORed
	facts     bool       // some filter is a fact filter
	whenAvail bool

	// Explanations that depend on the rules alone, made once.
	notOnPage, notOnPageRule string
}

// NeedsVisitor reports whether the rules look at the visitor, so that Select
// must fetch it when the page rules pass.
func (r *Rules) NeedsVisitor() bool {
	return r != nil && (r.audience != audAll || len(r.groups) > 0 || len(r.excluded) > 0)
}

// NeedsAvailability reports whether the chatflow shows only when its team is
// available (Spec.Availability is ShowWhenAvailable).
func (r *Rules) NeedsAvailability() bool { return r != nil && r.whenAvail }

// MaxRegexLen is the longest regular expression, in bytes, that Compile
// accepts in a matches_regex rule: a safety limit on what one flow may cost
// every page view.
const MaxRegexLen = 1000

// contactObject is the schema object that visitor filters read.
const contactObject = "contact"

// compiler holds what compiling one Spec needs.
type compiler struct {
	schema condition.Schema
}

// Operator sets, in the order error messages list them.
var (
	urlOps    = []Operator{OpAllPages, OpIs, OpIsNot, OpContains, OpDoesNotContain, OpBeginsWith, OpEndsWith, OpMatchesWildcard, OpMatchesRegex}
	paramOps  = []Operator{OpIs, OpIsNot, OpContains, OpDoesNotContain, OpBeginsWith, OpEndsWith, OpMatchesWildcard, OpMatchesRegex, OpIsKnown, OpIsUnknown}
	deviceOps = []Operator{OpIs, OpIsNot}
	listOps   = []Operator{OpMemberOf, OpNotMemberOf}
	filterOps = map[condition.PropertyType][]Operator{
		condition.StringProperty:      {OpIs, OpIsNot, OpContains, OpDoesNotContain, OpBeginsWith, OpEndsWith, OpIsAnyOf, OpIsNoneOf, OpIsKnown, OpIsUnknown},
		condition.NumberProperty:      {OpEq, OpNe, OpGt, OpGte, OpLt, OpLte, OpBetween, OpIsKnown, OpIsUnknown},
		condition.DateProperty:        {OpOn, OpBefore, OpAfter, OpBetween, OpIsKnown, OpIsUnknown},
		condition.EnumerationProperty: {OpIsAnyOf, OpIsNoneOf, OpIsAllOf, OpIsExactly, OpIsKnown, OpIsUnknown},
		condition.BoolProperty:        {OpIs, OpIsKnown, OpIsUnknown},
	}
)

// opcodes maps every operator name to its positive opcode and whether it is
// negated.
var opcodes = map[Operator]struct {
	op     opcode
	negate bool
}{
	OpAllPages: {opAll, false}, OpIs: {opIs, false}, OpIsNot: {opIs, true},
	OpContains: {opContains, false}, OpDoesNotContain: {opContains, true},
	OpBeginsWith: {opBeginsWith, false}, OpEndsWith: {opEndsWith, false},
	OpMatchesWildcard: {opWildcard, false}, OpMatchesRegex: {opRegex, false},
	OpIsKnown: {opKnown, false}, OpIsUnknown: {opKnown, true},
	OpIsAnyOf: {opAnyOf, false}, OpIsNoneOf: {opAnyOf, true},
	OpIsAllOf: {opAllOf, false}, OpIsExactly: {opExactly, false},
	OpEq: {opEq, false}, OpNe: {opEq, true}, OpGt: {opGt, false}, OpGte: {opGte, false},
	OpLt: {opLt, false}, OpLte: {opLte, false}, OpBetween: {opBetween, false},
	OpOn: {opIs, false}, OpBefore: {opBefore, false}, OpAfter: {opAfter, false},
	OpMemberOf: {opMember, false}, OpNotMemberOf: {opMember, true},
}

// opWords says an operator in an explanation.
var opWords = map[Operator]string{
	OpIs: "is", OpIsNot: "is not", OpContains: "contains", OpDoesNotContain: "does not contain",
	OpBeginsWith: "begins with", OpEndsWith: "ends with", OpMatchesWildcard: "matches wildcard",
	OpMatchesRegex: "matches regex", OpIsKnown: "is known", OpIsUnknown: "is unknown",
	OpIsAnyOf: "is any of", OpIsNoneOf: "is none of", OpIsAllOf: "is all of", OpIsExactly: "is exactly",
	OpEq: "=", OpNe: "≠", OpGt: ">", OpGte: "≥", OpLt: "<", OpLte: "≤", OpBetween: "is between",
	OpOn: "is on", OpBefore: "is before", OpAfter: "is after",
	OpMemberOf: "member of list", OpNotMemberOf: "not member of list",
}

// Compile validates the spec and compiles it into Rules. Visitor filters
// take the types of contact properties from schema (object "contact"); a
// nil schema means condition.DefaultSchema(). Compile only reads schema.
//
// Compile reports every problem it finds, joined with errors.Join; each is a
// *condition.Error whose Path is relative to the targeting section (a flow
// loader adds "targeting" in front with condition.WithPath) and whose Err is
// ErrInvalid. A nil *Spec compiles to rules that show the chatflow
// everywhere, always.
func (s *Spec) Compile(schema condition.Schema) (*Rules, error) {
	r := &Rules{}
	if s == nil {
		return r, nil
	}
	if schema == nil && s.VisitorRules != nil && len(s.VisitorRules.FilterGroups) > 0 {
		schema = condition.DefaultSchema()
	}
	cfg := compiler{schema: schema}
	var errs problems
	for i := range s.PageRules {
		if pr, ok := cfg.pageRule(&errs, &s.PageRules[i], fmt.Sprintf("pageRules[%d]", i), false); ok {
			r.include = append(r.include, pr)
		}
	}
	for i := range s.ExclusionRules {
		if pr, ok := cfg.pageRule(&errs, &s.ExclusionRules[i], fmt.Sprintf("exclusionRules[%d]", i), true); ok {
			r.exclude = append(r.exclude, pr)
		}
	}
	// An all_pages rule makes the other inclusion rules irrelevant.
	for _, pr := range r.include {
		if pr.kind == kindURL && pr.op == opAll {
			r.include = nil
			break
		}
	}
	if len(r.include) > 0 {
		var b strings.Builder
		b.WriteString("no page rule matches: ")
		for i, pr := range r.include {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(pr.path + ": " + pr.desc)
		}
		r.notOnPage, r.notOnPageRule = b.String(), "pageRules"
		if len(r.include) == 1 {
			r.notOnPageRule = r.include[0].path
		}
	}
	for _, pr := range r.exclude {
		pr.excluded = "excluded by " + pr.path + ": " + pr.desc
	}
	if vr := s.VisitorRules; vr != nil {
		switch vr.Audience {
		case "", AudienceAll:
		case AudienceKnown:
			r.audience = audKnown
		case AudienceUnknown:
			r.audience = audUnknown
			for gi, g := range vr.FilterGroups {
				for fi, f := range g.Filters {
					if f.Fact == "" {
						errs.add(fmt.Sprintf("visitorRules.filterGroups[%d].filters[%d]", gi, fi), "contact filters match only known contacts, so with audience %q this group can never match (use fact filters)", AudienceUnknown)
					}
				}
			}
		default:
			errs.add("visitorRules.audience", "unknown audience %q (want %s, %s or %s)", vr.Audience, AudienceAll, AudienceKnown, AudienceUnknown)
		}
		r.groups = cfg.groups(&errs, vr.FilterGroups, "visitorRules.filterGroups", "a filter group")
		r.excluded = cfg.groups(&errs, vr.ExclusionGroups, "visitorRules.exclusionGroups", "an exclusion group")
		for _, gs := range [][]FilterGroup{vr.FilterGroups, vr.ExclusionGroups} {
			for _, g := range gs {
				for _, f := range g.Filters {
					r.facts = r.facts || f.Fact != ""
				}
			}
		}
	}
	switch s.Availability {
	case "", ShowAlways:
	case ShowWhenAvailable:
		r.whenAvail = true
	default:
		errs.add("availability", "unknown value %q (want %s or %s)", s.Availability, ShowAlways, ShowWhenAvailable)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return r, nil
}

// groups compiles filter groups found at path; what names a group in
// errors.
func (c *compiler) groups(errs *problems, in []FilterGroup, path, what string) [][]filter {
	var out [][]filter
	for gi, g := range in {
		gpath := fmt.Sprintf("%s[%d]", path, gi)
		if len(g.Filters) == 0 {
			errs.add(gpath+".filters", "%s needs at least one filter", what)
			continue
		}
		group := make([]filter, 0, len(g.Filters))
		for fi := range g.Filters {
			if f, ok := c.filter(errs, &g.Filters[fi], fmt.Sprintf("%s.filters[%d]", gpath, fi)); ok {
				group = append(group, f)
			}
		}
		out = append(out, group)
	}
	return out
}

// checkOp reports whether op is in allowed, adding an error if not.
func checkOp(errs *problems, path string, op Operator, allowed []Operator, what string) bool {
	if slices.Contains(allowed, op) {
		return true
	}
	if op == "" {
		errs.add(path, "missing operator (want one of %s)", joinOps(allowed))
	} else if _, known := opcodes[op]; known {
		errs.add(path, "operator %q does not apply to %s (want one of %s)", op, what, joinOps(allowed))
	} else {
		errs.add(path, "unknown operator %q (want one of %s)", op, joinOps(allowed))
	}
	return false
}

// joinOps lists operators for an error message.
func joinOps(ops []Operator) string {
	var b strings.Builder
	for i, op := range ops {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(op))
	}
	return b.String()
}

// pageRule validates and compiles one page or exclusion rule.
func (c *compiler) pageRule(errs *problems, in *PageRule, path string, exclusion bool) (pageRule, bool) {
	n := len(*errs)
	out := pageRule{ruleInfo: &ruleInfo{path: path}, fold: in.IgnoreCase}
	var allowed []Operator
	switch in.Type {
	case "", RuleURL:
		out.kind, allowed = kindURL, urlOps
		if in.Param != "" {
			errs.add(path+".param", "only rules of type %q have a param", RuleQueryParam)
		}
	case RuleQueryParam:
		out.kind, allowed = kindParam, paramOps
		if in.Param == "" {
			errs.add(path+".param", "missing query parameter name")
		}
		out.param = in.Param
	case RuleDevice:
		out.kind, allowed = kindDevice, deviceOps
		if !exclusion {
			errs.add(path+".type", "device rules belong in exclusionRules (page rules are ORed)")
		}
		if in.Param != "" {
			errs.add(path+".param", "only rules of type %q have a param", RuleQueryParam)
		}
	default:
		errs.add(path+".type", "unknown rule type %q (want %s, %s or %s)", in.Type, RuleURL, RuleQueryParam, RuleDevice)
		return out, false
	}
	what := [...]string{kindURL: "URL rules", kindParam: "query-parameter rules", kindDevice: "device rules"}[out.kind]
	if !checkOp(errs, path+".operator", in.Operator, allowed, what) {
		return out, false
	}
	oc := opcodes[in.Operator]
	out.op, out.negate = oc.op, oc.negate
	noValue := out.op == opAll || out.op == opKnown
	switch {
	case noValue && in.Value != "":
		errs.add(path+".value", "operator %q takes no value", in.Operator)
	case !noValue && (in.Value == "" || out.kind == kindURL && strings.TrimSpace(in.Value) == ""):
		errs.add(path+".value", "operator %q needs a value", in.Operator)
	}
	if in.IgnoreCase && (noValue || out.kind == kindDevice) {
		errs.add(path+".ignoreCase", "ignoreCase has no effect here")
	}
	if len(*errs) > n {
		return out, false
	}
	switch out.kind {
	case kindDevice:
		out.value = in.Value
		if !Device(in.Value).valid() {
			errs.add(path+".value", "unknown device %q (want %s, %s or %s)", in.Value, Desktop, Tablet, Mobile)
			return out, false
		}
		out.desc = "device " + opWords[in.Operator] + " " + in.Value
		return out, true
	case kindParam:
		out.value = in.Value
		out.desc = fmt.Sprintf("query parameter %q %s", in.Param, opWords[in.Operator])
	default:
		out.desc = "URL " + opWords[in.Operator]
		if out.op == opAll {
			out.desc = "all pages"
		}
		c.urlValue(&out, in.Value)
		if out.value == "" && out.op != opAll && out.op != opRegex {
			errs.add(path+".value", "%q is empty once normalised (a fragment is ignored)", in.Value)
			return out, false
		}
	}
	if !noValue {
		out.desc += " " + strconv.Quote(in.Value)
	}
	if out.fold {
		out.desc += " (ignoring case)"
		out.value = strings.ToLower(out.value)
	}
	switch out.op {
	case opWildcard:
		out.wild = compileWildcard(out.value, out.kind == kindURL)
	case opRegex:
		re, ok := c.regex(errs, path+".value", in.Value, out.kind == kindURL, out.fold)
		if !ok {
			return out, false
		}
		out.re = re
		out.fold = false // the expression ignores case itself
	}
	return out, true
}

// urlValue normalises the value of a URL rule and picks the form of the page
// URL it is compared with.
func (c *compiler) urlValue(out *pageRule, v string) {
	v = strings.TrimSpace(v)
	asURL := func(keepSlash, pattern bool) {
		u := parseURL(v, keepSlash, pattern)
		out.value = u.base
		out.subj = subjBase
		if u.hasQuery {
			out.value, out.subj = u.full, subjFull
		}
		if u.hostLen == 0 && strings.HasPrefix(v, "/") {
			out.subj += subjPath // path-only value: compare the page's path
		}
	}
	// partOf normalises a value that is a piece of a URL, not a whole one.
	partOf := func() string {
		if schemeLen(v) > 0 || strings.HasPrefix(v, "//") {
			return parseURL(v, false, true).full
		}
		d, _ := percentDecode(v)
		if i := strings.IndexByte(d, '#'); i >= 0 {
			d = d[:i]
		}
		return trimPathSlash(d)
	}
	switch out.op {
	case opAll:
	case opIs:
		asURL(false, false)
	case opBeginsWith:
		asURL(true, false)
	case opWildcard:
		if strings.HasPrefix(v, "*") {
			out.value, out.subj = partOf(), subjBase
			if strings.Contains(out.value, "?") {
				out.subj = subjFull
			}
		} else {
			asURL(false, true)
		}
	case opEndsWith:
		out.value, out.subj = partOf(), subjBase
		if strings.Contains(out.value, "?") {
			out.subj = subjFull
		}
	case opContains:
		out.value, out.subj = partOf(), subjFull
	case opRegex:
		out.subj = subjFull
	}
}

// regex compiles an RE2 expression and rejects ones that can never match a
// normalised URL.
func (c *compiler) regex(errs *problems, path, expr string, url, fold bool) (*regexp.Regexp, bool) {
	if len(expr) > MaxRegexLen {
		errs.add(path, "regular expression is longer than %d bytes", MaxRegexLen)
		return nil, false
	}
	if url {
		low := strings.ToLower(expr)
		if strings.Contains(low, `://`) || strings.Contains(low, `:\/\/`) {
			errs.add(path, "URL regexes are matched against the normalised URL host/path?query, which has no scheme")
			return nil, false
		}
		if strings.HasPrefix(low, `^www\.`) || strings.HasPrefix(low, `^www.`) {
			errs.add(path, `URL regexes are matched against the normalised URL, whose host has no "www."`)
			return nil, false
		}
	}
	if fold {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		errs.add(path, "bad regular expression: %v", err)
		return nil, false
	}
	return re, true
}

// filter validates and compiles one visitor filter.
func (c *compiler) filter(errs *problems, in *Filter, path string) (filter, bool) {
	n := len(*errs)
	out := filter{path: path, includeUnknown: in.IncludeUnknown, fact: in.Fact != ""}
	switch {
	case out.fact && (in.Property != "" || in.List != ""):
		errs.add(path, "a filter has a property, a list or a fact, only one")
		return out, false
	case in.Property != "" && in.List != "":
		errs.add(path, "a filter has a property or a list, not both")
		return out, false
	case in.List != "":
		out.list = true
		if checkOp(errs, path+".operator", in.Operator, listOps, "list filters") {
			if in.Value != "" || len(in.Values) > 0 {
				errs.add(path+".value", "list filters take no value; the list is named by list")
			}
			if in.IncludeUnknown {
				errs.add(path+".includeUnknown", "list filters have no unknown value")
			}
		}
		if len(*errs) > n {
			return out, false
		}
		oc := opcodes[in.Operator]
		out.op, out.negate, out.value = oc.op, oc.negate, in.List
		out.desc = fmt.Sprintf("%s %q", opWords[in.Operator], in.List)
		return out, true
	case in.Property == "" && !out.fact:
		errs.add(path, "a filter needs a property, a list or a fact")
		return out, false
	}
	out.prop = in.Property
	declared := condition.StringProperty // facts are text
	if out.fact {
		out.prop = in.Fact
	} else {
		declared = c.schema.Def(contactObject, in.Property).Type
	}
	pt := declared
	switch pt {
	case condition.EmailProperty, condition.PhoneProperty, condition.URLProperty:
		pt = condition.StringProperty // text with a format, compared as text
	}
	allowed, ok := filterOps[pt]
	if !ok {
		errs.add(path+".property", "the property schema gives %q the type %q, which visitor filters do not support", in.Property, declared)
		return out, false
	}
	out.ptype = pt
	if !checkOp(errs, path+".operator", in.Operator, allowed, string(declared)+" properties") {
		return out, false
	}
	oc := opcodes[in.Operator]
	out.op, out.negate = oc.op, oc.negate
	out.desc = fmt.Sprintf("contact property %q %s", in.Property, opWords[in.Operator])
	if out.fact {
		out.desc = fmt.Sprintf("visitor fact %q %s", in.Fact, opWords[in.Operator])
	}

	// Operands: none, one Value, a set of Values, or a Values pair.
	switch {
	case out.op == opKnown:
		if in.Value != "" || len(in.Values) > 0 {
			errs.add(path+".value", "operator %q takes no value", in.Operator)
		}
		if in.IncludeUnknown {
			errs.add(path+".includeUnknown", "includeUnknown has no effect with %q", in.Operator)
		}
	case out.op == opAnyOf || out.op == opAllOf || out.op == opExactly:
		if in.Value != "" {
			errs.add(path+".value", "operator %q takes values, not value", in.Operator)
		}
		if len(in.Values) == 0 {
			errs.add(path+".values", "operator %q needs at least one value", in.Operator)
		}
		for i, v := range in.Values {
			if strings.TrimSpace(v) == "" {
				errs.add(fmt.Sprintf("%s.values[%d]", path, i), "empty value")
			}
		}
		out.desc += " [" + strings.Join(in.Values, ", ") + "]"
	case out.op == opBetween:
		if in.Value != "" {
			errs.add(path+".value", "operator %q takes values (low, high), not value", in.Operator)
		}
		if len(in.Values) != 2 {
			errs.add(path+".values", "operator %q needs exactly two values (low, high)", in.Operator)
			return out, false
		}
		out.desc += " " + in.Values[0] + " and " + in.Values[1]
	default:
		if len(in.Values) > 0 {
			errs.add(path+".values", "operator %q takes value, not values", in.Operator)
		}
		if strings.TrimSpace(in.Value) == "" {
			errs.add(path+".value", "operator %q needs a value", in.Operator)
		}
		out.desc += " " + strconv.Quote(in.Value)
	}
	if len(*errs) > n {
		return out, false
	}
	if out.includeUnknown {
		out.desc += " (or unknown)"
	}

	// Parse the operands for the property type.
	if out.op == opKnown {
		return out, true
	}
	switch pt {
	case condition.StringProperty:
		out.value = strings.ToLower(strings.TrimSpace(in.Value))
		for _, v := range in.Values {
			out.values = append(out.values, strings.TrimSpace(v))
		}
	case condition.EnumerationProperty:
		for _, v := range in.Values {
			out.values = append(out.values, strings.TrimSpace(v))
		}
	case condition.NumberProperty:
		if out.op == opBetween {
			var ok1, ok2 bool
			out.num, ok1 = parseNumber(errs, path+".values[0]", in.Values[0])
			out.num2, ok2 = parseNumber(errs, path+".values[1]", in.Values[1])
			if ok1 && ok2 && out.num > out.num2 {
				errs.add(path+".values", "low value %s is above high value %s", in.Values[0], in.Values[1])
			}
		} else {
			out.num, _ = parseNumber(errs, path+".value", in.Value)
		}
	case condition.DateProperty:
		if out.op == opBetween {
			var ok1, ok2 bool
			out.date, ok1 = parseDateOperand(errs, path+".values[0]", in.Values[0])
			out.date2, ok2 = parseDateOperand(errs, path+".values[1]", in.Values[1])
			if ok1 && ok2 && out.date > out.date2 {
				errs.add(path+".values", "start date %s is after end date %s", in.Values[0], in.Values[1])
			}
		} else {
			out.date, _ = parseDateOperand(errs, path+".value", in.Value)
		}
	case condition.BoolProperty:
		switch in.Value {
		case "true":
			out.boolean = true
		case "false":
		default:
			errs.add(path+".value", "%q is not a bool (want \"true\" or \"false\")", in.Value)
		}
	}
	return out, len(*errs) == n
}

func parseNumber(errs *problems, path, s string) (float64, bool) {
	x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		errs.add(path, "%q is not a number", s)
		return 0, false
	}
	return x, true
}

func parseDateOperand(errs *problems, path, s string) (int32, bool) {
	d, ok := parseDate(strings.TrimSpace(s))
	if !ok || len(strings.TrimSpace(s)) != 10 {
		errs.add(path, "%q is not a date (YYYY-MM-DD)", s)
		return 0, false
	}
	return d, true
}
