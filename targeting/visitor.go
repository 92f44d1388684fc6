package targeting

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/store"
)

// Visitor is what visitor rules look at. The zero Visitor is an unknown
// visitor.
type Visitor struct {
	// Known reports that the visitor resolves to a contact record.
	Known bool
	// Properties are the contact's property values; ignored when Known is
	// false. A missing or empty value is unknown.
	Properties store.Properties
	// Lists are the IDs of the lists the contact belongs to.
	Lists []string
	// Facts are what the host knows of the visitor, known contact or not,
	// by name, for fact filters: the cookies it read, query parameters it
	// kept from earlier pages, the referrer… A missing or empty value is
	// unknown. (engine.StartRequest.Visitor is a natural source and sink:
	// conditions see the same facts as visitor.*.)
	Facts map[string]string
}

// VisitorFunc returns the visitor of the page view. Select calls it at most
// once, and only when a chatflow's page rules pass and it has visitor rules,
// so a host can look the contact up lazily. A nil VisitorFunc means an
// unknown visitor.
type VisitorFunc func(ctx context.Context) (Visitor, error)

// audience is a compiled VisitorRules.Audience.
type audience uint8

const (
	audAll audience = iota
	audKnown
	audUnknown
)

// filter is a compiled Filter.
type filter struct {
	list           bool
	fact           bool // prop names a fact of Visitor.Facts
	prop           string
	ptype          condition.PropertyType // string, number, date, enumeration or bool
	op             opcode
	negate         bool
	includeUnknown bool
	value          string   // string operand (lowercased for string properties), list ID
	values         []string // set operands (lowercased for string properties)
	num, num2      float64
	date, date2    int32
	boolean        bool
	path           string // JSON path, for explanations
	desc           string // human-readable filter, for explanations
}

// match reports whether the filter matches v. Filters are contact-based:
// none matches a visitor who is not a known contact.
func (f *filter) match(v *Visitor) bool {
	if f.fact {
		raw := strings.TrimSpace(v.Facts[f.prop])
		if f.op == opKnown {
			return (raw != "") != f.negate
		}
		if raw == "" {
			return f.includeUnknown
		}
		return f.matchString(raw) != f.negate
	}
	if !v.Known {
		return false
	}
	if f.list {
		return slices.Contains(v.Lists, f.value) != f.negate
	}
	raw := strings.TrimSpace(v.Properties[f.prop])
	if f.op == opKnown {
		return (raw != "") != f.negate
	}
	if raw == "" {
		return f.includeUnknown
	}
	m, ok := f.matchValue(raw)
	return ok && m != f.negate
}

// matchValue applies the positive operator to a known value. ok is false
// when the value does not parse as the property's type; such a value
// matches no operator, negative ones included.
func (f *filter) matchValue(raw string) (m, ok bool) {
	switch f.ptype {
	case condition.StringProperty:
		return f.matchString(raw), true
	case condition.NumberProperty:
		x, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return false, false
		}
		return compareNumber(f.op, x, f.num, f.num2), true
	case condition.DateProperty:
		d, ok := parseDate(raw)
		if !ok {
			return false, false
		}
		switch f.op {
		case opIs:
			return d == f.date, true
		case opBefore:
			return d < f.date, true
		case opAfter:
			return d > f.date, true
		case opBetween:
			return f.date <= d && d <= f.date2, true
		}
	case condition.EnumerationProperty:
		return f.matchEnum(raw), true
	case condition.BoolProperty:
		switch {
		case strings.EqualFold(raw, "true"):
			return f.boolean, true
		case strings.EqualFold(raw, "false"):
			return !f.boolean, true
		}
	}
	return false, false
}

func (f *filter) matchString(raw string) bool {
	switch f.op {
	case opIs:
		return strings.EqualFold(raw, f.value)
	case opAnyOf:
		for _, v := range f.values {
			if strings.EqualFold(raw, v) {
				return true
			}
		}
		return false
	}
	low := strings.ToLower(raw)
	switch f.op {
	case opContains:
		return strings.Contains(low, f.value)
	case opBeginsWith:
		return strings.HasPrefix(low, f.value)
	case opEndsWith:
		return strings.HasSuffix(low, f.value)
	}
	return false
}

func compareNumber(op opcode, x, a, b float64) bool {
	switch op {
	case opEq:
		return x == a
	case opGt:
		return x > a
	case opGte:
		return x >= a
	case opLt:
		return x < a
	case opLte:
		return x <= a
	case opBetween:
		return a <= x && x <= b
	}
	return false
}

// matchEnum compares the options of a (multi-)enumeration value.
func (f *filter) matchEnum(raw string) bool {
	switch f.op {
	case opAnyOf:
		for opt := range enumOptions(raw) {
			if slices.Contains(f.values, opt) {
				return true
			}
		}
		return false
	case opAllOf, opExactly:
		for _, want := range f.values {
			found := false
			for opt := range enumOptions(raw) {
				if opt == want {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		if f.op == opExactly {
			for opt := range enumOptions(raw) {
				if !slices.Contains(f.values, opt) {
					return false
				}
			}
		}
		return true
	}
	return false
}

// enumOptions yields the non-empty, trimmed options of a ";"-separated value.
func enumOptions(raw string) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		for raw != "" {
			var opt string
			opt, raw, _ = strings.Cut(raw, ";")
			if opt = strings.TrimSpace(opt); opt != "" && !yield(opt) {
				return
			}
		}
	}
}

// parseDate reads YYYY-MM-DD, or the date part of a longer date-time such as
// 2026-01-05T10:00:00Z, into a comparable number.
func parseDate(s string) (int32, bool) {
	if len(s) > 10 && (s[10] == 'T' || s[10] == ' ') {
		s = s[:10]
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	y, m, d := t.Date()
	return int32(y)*10000 + int32(m)*100 + int32(d), true
}

// visitorState fetches the visitor at most once per Select.
type visitorState struct {
	fn      VisitorFunc
	fetched bool
	v       Visitor
}

func (s *visitorState) get(ctx context.Context) (*Visitor, error) {
	if !s.fetched {
		if s.fn != nil {
			v, err := s.fn(ctx)
			if err != nil {
				return nil, err
			}
			s.v = v
		}
		s.fetched = true
	}
	return &s.v, nil
}
