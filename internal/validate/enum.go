package validate

import "strings"

// Option is one choice of an enumeration property: the internal Value that
// is stored, and the Label a visitor sees.
type Option struct {
	// Value is stored in the property when the option is chosen.
	Value string
	// Label is the option's display text.
	Label string
}

// Enumeration matches an answer against the options of an enumeration
// property and returns the chosen option's Value.
//
// The trimmed answer is compared with each option's Value, first exactly,
// then case-insensitively (Unicode case folding), then case-insensitively
// with each Label; surrounding spaces of values and labels are ignored.
// The first match in that order of passes, and within a pass in the order
// of options, wins, so a value never loses to another option's label. An
// empty answer, or one matching nothing, is rejected. An option whose Value
// is empty or blank is ignored: choosing it would store no value, which is
// what an empty answer is rejected for.
func Enumeration(s string, options []Option) (string, error) {
	in := s
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalid(KindEnumeration, in, "empty")
	}
	for _, o := range options {
		if strings.TrimSpace(o.Value) == s {
			return o.Value, nil
		}
	}
	for _, o := range options {
		if strings.EqualFold(strings.TrimSpace(o.Value), s) {
			return o.Value, nil
		}
	}
	for _, o := range options {
		if l := strings.TrimSpace(o.Label); l != "" && strings.EqualFold(l, s) && strings.TrimSpace(o.Value) != "" {
			return o.Value, nil
		}
	}
	return "", invalid(KindEnumeration, in, "matches no option")
}
