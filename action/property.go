package action

// PropertyType is the type of a contact or company property. It decides how
// an answer saved to the property is validated and how conditions see it.
type PropertyType string

// The property types.
const (
	StringProperty      PropertyType = "string"
	NumberProperty      PropertyType = "number"
	DateProperty        PropertyType = "date"
	BoolProperty        PropertyType = "bool"
	EnumerationProperty PropertyType = "enumeration"
	EmailProperty       PropertyType = "email"
	PhoneProperty       PropertyType = "phone"
	URLProperty         PropertyType = "url"
)

// PropertyDef describes one property.
type PropertyDef struct {
	// Type is the property's type; empty means string.
	Type PropertyType `json:"type,omitempty"`
	// Options are the allowed values of an enumeration.
	Options []QuickReply `json:"options,omitempty"`
}

// Schema maps property names to definitions, per object. A property that is
// not in the schema is a string property. A nil Schema is empty.
type Schema map[Object]map[string]PropertyDef

// Def returns the definition of a property (a string property if unknown).
func (s Schema) Def(obj Object, name string) PropertyDef {
	if d, ok := s[obj][name]; ok {
		if d.Type == "" {
			d.Type = StringProperty
		}
		return d
	}
	return PropertyDef{Type: StringProperty}
}

// DefaultSchema returns HubSpot's well-known contact and company properties
// with their types; hosts add their own to the returned value. Each call
// returns a new map.
func DefaultSchema() Schema {
	return Schema{
		ContactObject: {
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
		CompanyObject: {
			"name":              {Type: StringProperty},
			"domain":            {Type: URLProperty},
			"website":           {Type: URLProperty},
			"phone":             {Type: PhoneProperty},
			"numberofemployees": {Type: NumberProperty},
			"annualrevenue":     {Type: NumberProperty},
		},
	}
}
