package condition

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// PropertyType is the type of a contact or company property. It decides how
// a value saved to the property is validated, which operators a visitor
// filter on it may use, and how conditions see it (see [PropertyType.Value]).
// It is a string so that it can sit in JSON; the empty PropertyType stands
// for [StringProperty].
type PropertyType string

// The property types.
const (
	// StringProperty is free text; the type of a property nobody declared.
	StringProperty PropertyType = "string"
	// NumberProperty is a decimal number, such as "42" or "2.5".
	NumberProperty PropertyType = "number"
	// DateProperty is a calendar date written YYYY-MM-DD.
	DateProperty PropertyType = "date"
	// BoolProperty is "true" or "false".
	BoolProperty PropertyType = "bool"
	// EnumerationProperty is one of a set of options, or several of them
	// separated by ";".
	EnumerationProperty PropertyType = "enumeration"
	// EmailProperty is an email address; conditions and filters see a string.
	EmailProperty PropertyType = "email"
	// PhoneProperty is a phone number; conditions and filters see a string.
	PhoneProperty PropertyType = "phone"
	// URLProperty is a web address; conditions and filters see a string.
	URLProperty PropertyType = "url"
)

// Value converts a property value, as stores keep it (a string), into the
// value conditions see for this type:
//
//   - number: an int64 when s is an integer, else a float64 (never NaN);
//   - bool: a bool (strconv.ParseBool's spellings);
//   - date: a time.Time at midnight UTC for YYYY-MM-DD;
//   - enumeration: a []string of the options when s holds several separated
//     by ";".
//
// Anything else, and a value that does not parse as its type, stays the
// string s.
func (t PropertyType) Value(s string) any {
	switch t {
	case NumberProperty:
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) {
			return f
		}
	case BoolProperty:
		if b, err := strconv.ParseBool(s); err == nil {
			return b
		}
	case DateProperty:
		if d, err := time.Parse(time.DateOnly, s); err == nil {
			return d
		}
	case EnumerationProperty:
		if strings.Contains(s, ";") {
			return strings.Split(s, ";")
		}
	}
	return s
}

// Option is an allowed value of an enumeration property.
type Option struct {
	// Value is what the store keeps and conditions compare.
	Value string `json:"value"`
	// Label is what a visitor is shown; "" means Value.
	Label string `json:"label,omitempty"`
}

// PropertyDef describes one property. The zero PropertyDef is a string
// property.
type PropertyDef struct {
	// Type is the property's type; empty means StringProperty.
	Type PropertyType `json:"type,omitempty"`
	// Options are the allowed values of an enumeration.
	Options []Option `json:"options,omitempty"`
}

// Schema gives the definitions of properties, by object ("contact",
// "company") and then by property name. A property that is not in the
// schema is a string property; a nil Schema is empty. A Schema is a plain
// map: it is safe for concurrent reads, and must not be modified while
// anything that was given it is in use.
type Schema map[string]map[string]PropertyDef

// Def returns the definition of a property of object. Its Type is never
// empty: an unknown property, or one defined without a type, is a
// StringProperty.
func (s Schema) Def(object, name string) PropertyDef {
	d := s[object][name]
	if d.Type == "" {
		d.Type = StringProperty
	}
	return d
}

// DefaultSchema returns HubSpot's well-known contact and company properties
// with their types; hosts add their own to the returned value. Each call
// returns a new map.
func DefaultSchema() Schema {
	return Schema{
		"contact": {
			"email":            {Type: EmailProperty},
			"phone":            {Type: PhoneProperty},
			"mobilephone":      {Type: PhoneProperty},
			"website":          {Type: URLProperty},
			"date_of_birth":    {Type: DateProperty},
			"numemployees":     {Type: NumberProperty},
			"annualrevenue":    {Type: NumberProperty},
			"firstname":        {Type: StringProperty},
			"lastname":         {Type: StringProperty},
			"company":          {Type: StringProperty},
			"jobtitle":         {Type: StringProperty},
			"hubspot_owner_id": {Type: StringProperty},
		},
		"company": {
			"name":              {Type: StringProperty},
			"domain":            {Type: URLProperty},
			"website":           {Type: URLProperty},
			"phone":             {Type: PhoneProperty},
			"numberofemployees": {Type: NumberProperty},
			"annualrevenue":     {Type: NumberProperty},
		},
	}
}
