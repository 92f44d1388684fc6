package targeting

// Spec is the JSON form of a flow's "targeting" section: where, to whom and
// when a chatflow shows. It is plain data with no custom decoding, so a
// strict decoder (DisallowUnknownFields) rejects unknown fields; every
// string-valued choice is checked by Compile. The package documentation
// describes the format. The zero Spec, like a nil *Spec, shows the chatflow
// on all pages to every visitor, always.
type Spec struct {
	// PageRules say on which pages the chatflow shows. They are ORed: one
	// matching rule is enough. No rules means all pages. Each rule is a
	// URL rule or a query-parameter rule.
	PageRules []PageRule `json:"pageRules,omitempty"`
	// ExclusionRules say where the chatflow never shows: if any matches,
	// the chatflow is hidden whatever else matches. URL, query-parameter and
	// device rules are allowed.
	ExclusionRules []PageRule `json:"exclusionRules,omitempty"`
	// VisitorRules say to whom the chatflow shows; nil means everyone.
	VisitorRules *VisitorRules `json:"visitorRules,omitempty"`
	// Availability is ShowAlways ("always", the default when empty) or
	// ShowWhenAvailable ("when_available": only when the chatflow's team is
	// available, on the availability model of package availability).
	Availability string `json:"availability,omitempty"`
}

// Values of Spec.Availability.
const (
	// ShowAlways shows the chatflow whether or not anyone is available.
	ShowAlways = "always"
	// ShowWhenAvailable shows the chatflow only when its team is available
	// (during office hours, or when at least one team member is available,
	// depending on the chat channel's availability mode).
	ShowWhenAvailable = "when_available"
)

// PageRule is one URL, query-parameter or device rule. The zero PageRule is
// invalid (it has no operator).
type PageRule struct {
	// Type is RuleURL (the default when empty), RuleQueryParam or
	// RuleDevice.
	Type string `json:"type,omitempty"`
	// Param is the query parameter's name, for RuleQueryParam only. Names
	// are compared exactly (case-sensitively) after percent-decoding.
	Param string `json:"param,omitempty"`
	// Operator is one of the Op… constants allowed for the rule's type.
	Operator string `json:"operator"`
	// Value is what the operator compares with: a URL or part of one, a
	// wildcard pattern, an RE2 regular expression, a parameter value, or a
	// device ("desktop", "tablet", "mobile"). Empty for OpAllPages,
	// OpIsKnown and OpIsUnknown.
	Value string `json:"value,omitempty"`
	// IgnoreCase compares letters case-insensitively, for URL and
	// query-parameter rules with a value.
	IgnoreCase bool `json:"ignoreCase,omitempty"`
}

// Values of PageRule.Type.
const (
	// RuleURL compares the page URL.
	RuleURL = "url"
	// RuleQueryParam compares one query parameter of the page URL.
	RuleQueryParam = "query_param"
	// RuleDevice compares the device type; exclusion rules only.
	RuleDevice = "device"
)

// Operators. Which operators a rule or filter accepts depends on its kind;
// see the package documentation.
const (
	// OpAllPages: every page (URL rules).
	OpAllPages = "all_pages"
	// OpIs: equal to the value.
	OpIs = "is"
	// OpIsNot: not equal to the value (complement of OpIs).
	OpIsNot = "is_not"
	// OpContains: contains the value.
	OpContains = "contains"
	// OpDoesNotContain: does not contain the value (complement of OpContains).
	OpDoesNotContain = "does_not_contain"
	// OpBeginsWith: starts with the value.
	OpBeginsWith = "begins_with"
	// OpEndsWith: ends with the value.
	OpEndsWith = "ends_with"
	// OpMatchesWildcard: matches the whole pattern, "*" matching any run of characters.
	OpMatchesWildcard = "matches_wildcard"
	// OpMatchesRegex: the RE2 expression is found in the subject.
	OpMatchesRegex = "matches_regex"
	// OpIsKnown: the query parameter is present (even empty), or the
	// property has a value.
	OpIsKnown = "is_known"
	// OpIsUnknown: the query parameter is absent, or the property has no
	// value (complement of OpIsKnown).
	OpIsUnknown = "is_unknown"
	// OpIsAnyOf: equal to one of the values (for enumerations: any option is).
	OpIsAnyOf = "is_any_of"
	// OpIsNoneOf: equal to none of the values (complement of OpIsAnyOf).
	OpIsNoneOf = "is_none_of"
	// OpIsAllOf: has every value among its options (enumerations).
	OpIsAllOf = "is_all_of"
	// OpIsExactly: its options are exactly the values (enumerations).
	OpIsExactly = "is_exactly"
	// OpEq: number equal to the value.
	OpEq = "eq"
	// OpNe: number not equal to the value.
	OpNe = "ne"
	// OpGt: number greater than the value.
	OpGt = "gt"
	// OpGte: number greater than or equal to the value.
	OpGte = "gte"
	// OpLt: number less than the value.
	OpLt = "lt"
	// OpLte: number less than or equal to the value.
	OpLte = "lte"
	// OpBetween: number or date within the two values, inclusive.
	OpBetween = "between"
	// OpOn: date equal to the value.
	OpOn = "on"
	// OpBefore: date before the value.
	OpBefore = "before"
	// OpAfter: date after the value.
	OpAfter = "after"
	// OpMemberOf: the contact is a member of the list.
	OpMemberOf = "member_of"
	// OpNotMemberOf: the contact is not a member of the list.
	OpNotMemberOf = "not_member_of"
)

// VisitorRules select visitors. The zero value matches every visitor.
type VisitorRules struct {
	// Audience is AudienceAll (the default when empty), AudienceKnown or
	// AudienceUnknown.
	Audience string `json:"audience,omitempty"`
	// FilterGroups are ORed; the filters inside a group are ANDed. No groups
	// means no filter. Filters are contact-based, so a visitor who is not a
	// known contact matches no group.
	FilterGroups []FilterGroup `json:"filterGroups,omitempty"`
}

// Values of VisitorRules.Audience.
const (
	// AudienceAll is every visitor.
	AudienceAll = "all"
	// AudienceKnown is visitors who resolve to a contact record.
	AudienceKnown = "known"
	// AudienceUnknown is visitors who do not.
	AudienceUnknown = "unknown"
)

// FilterGroup is a set of filters that must all match. An empty group is
// invalid.
type FilterGroup struct {
	// Filters must all match.
	Filters []Filter `json:"filters"`
}

// Filter is a contact-property filter (Property set) or a list-membership
// filter (List set); exactly one of the two. It matches only a known
// contact. The zero Filter is invalid.
type Filter struct {
	// Property is the contact property's internal name.
	Property string `json:"property,omitempty"`
	// PropertyType is the property's type. It may be left out when Compile
	// is given a schema with WithPropertySchema; if both are given they must
	// agree.
	PropertyType PropertyType `json:"propertyType,omitempty"`
	// List is the ID of a list, for OpMemberOf and OpNotMemberOf.
	List string `json:"list,omitempty"`
	// Operator is one of the Op… constants allowed for the property type.
	Operator string `json:"operator"`
	// Value is the operand of single-value operators, written as the store
	// writes values: numbers in decimal, dates as YYYY-MM-DD, booleans as
	// "true" or "false".
	Value string `json:"value,omitempty"`
	// Values are the operands of OpIsAnyOf, OpIsNoneOf, OpIsAllOf,
	// OpIsExactly (one or more) and OpBetween (exactly two, low then high,
	// both inclusive).
	Values []string `json:"values,omitempty"`
	// IncludeUnknown makes the filter also match a known contact whose
	// property has no value. Without it every operator except OpIsUnknown
	// needs a value, so "is_not" does not match an empty property.
	IncludeUnknown bool `json:"includeUnknown,omitempty"`
}

// PropertyType is the type of a contact property, which decides the
// operators a filter on it may use. It is a string so it can sit in JSON.
type PropertyType string

// Property types and their operators (all also take OpIsKnown and
// OpIsUnknown):
//
//   - string: is, is_not, contains, does_not_contain, begins_with, ends_with,
//     is_any_of, is_none_of; compared case-insensitively.
//   - number: eq, ne, gt, gte, lt, lte, between.
//   - date: on, before, after, between; values YYYY-MM-DD (a stored
//     date-time's date part is used).
//   - enumeration: is_any_of, is_none_of, is_all_of, is_exactly; the stored
//     value may hold several options separated by ";"; compared exactly.
//   - bool: is, with "true" or "false".
const (
	TypeString      PropertyType = "string"
	TypeNumber      PropertyType = "number"
	TypeDate        PropertyType = "date"
	TypeEnumeration PropertyType = "enumeration"
	TypeBool        PropertyType = "bool"
)
