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
	Operator Operator `json:"operator"`
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

// Operator is the comparison a page rule or a visitor filter makes, such as
// OpBeginsWith or OpGte. It is a string so that it sits in JSON as itself
// ("begins_with"); which operators a rule or filter accepts depends on its
// kind (see the package documentation), and Spec.Compile rejects the
// others. The zero Operator is invalid.
type Operator string

// The operators.
const (
	// OpAllPages: every page (URL rules).
	OpAllPages Operator = "all_pages"
	// OpIs: equal to the value.
	OpIs Operator = "is"
	// OpIsNot: not equal to the value (complement of OpIs).
	OpIsNot Operator = "is_not"
	// OpContains: contains the value.
	OpContains Operator = "contains"
	// OpDoesNotContain: does not contain the value (complement of OpContains).
	OpDoesNotContain Operator = "does_not_contain"
	// OpBeginsWith: starts with the value.
	OpBeginsWith Operator = "begins_with"
	// OpEndsWith: ends with the value.
	OpEndsWith Operator = "ends_with"
	// OpMatchesWildcard: matches the whole pattern, "*" matching any run of characters.
	OpMatchesWildcard Operator = "matches_wildcard"
	// OpMatchesRegex: the RE2 expression is found in the subject.
	OpMatchesRegex Operator = "matches_regex"
	// OpIsKnown: the query parameter is present (even empty), or the
	// property has a value.
	OpIsKnown Operator = "is_known"
	// OpIsUnknown: the query parameter is absent, or the property has no
	// value (complement of OpIsKnown).
	OpIsUnknown Operator = "is_unknown"
	// OpIsAnyOf: equal to one of the values (for enumerations: any option is).
	OpIsAnyOf Operator = "is_any_of"
	// OpIsNoneOf: equal to none of the values (complement of OpIsAnyOf).
	OpIsNoneOf Operator = "is_none_of"
	// OpIsAllOf: has every value among its options (enumerations).
	OpIsAllOf Operator = "is_all_of"
	// OpIsExactly: its options are exactly the values (enumerations).
	OpIsExactly Operator = "is_exactly"
	// OpEq: number equal to the value.
	OpEq Operator = "eq"
	// OpNe: number not equal to the value.
	OpNe Operator = "ne"
	// OpGt: number greater than the value.
	OpGt Operator = "gt"
	// OpGte: number greater than or equal to the value.
	OpGte Operator = "gte"
	// OpLt: number less than the value.
	OpLt Operator = "lt"
	// OpLte: number less than or equal to the value.
	OpLte Operator = "lte"
	// OpBetween: number or date within the two values, inclusive.
	OpBetween Operator = "between"
	// OpOn: date equal to the value.
	OpOn Operator = "on"
	// OpBefore: date before the value.
	OpBefore Operator = "before"
	// OpAfter: date after the value.
	OpAfter Operator = "after"
	// OpMemberOf: the contact is a member of the list.
	OpMemberOf Operator = "member_of"
	// OpNotMemberOf: the contact is not a member of the list.
	OpNotMemberOf Operator = "not_member_of"
)

// VisitorRules select visitors. The zero value matches every visitor.
type VisitorRules struct {
	// Audience is AudienceAll (the default when empty), AudienceKnown or
	// AudienceUnknown.
	Audience string `json:"audience,omitempty"`
	// FilterGroups are ORed; the filters inside a group are ANDed. No groups
	// means no filter. Contact filters (property, list) match only a known
	// contact; fact filters match any visitor, known or not.
	FilterGroups []FilterGroup `json:"filterGroups,omitempty"`
	// ExclusionGroups say to whom the chatflow never shows: if any group
	// matches (its filters ANDed), the chatflow is hidden whatever else
	// matches, as with page exclusion rules.
	ExclusionGroups []FilterGroup `json:"exclusionGroups,omitempty"`
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

// Filter is a contact-property filter (Property set), a list-membership
// filter (List set) or a visitor-fact filter (Fact set); exactly one of the
// three. Contact-property and list filters match only a known contact; a
// fact filter matches any visitor by what the host knows of them. The zero
// Filter is invalid.
type Filter struct {
	// Property is the contact property's internal name. Its type, which
	// decides the operators the filter may use, comes from the property
	// schema given to Spec.Compile (object "contact"): a property the
	// schema does not know is a string property.
	Property string `json:"property,omitempty"`
	// List is the ID of a list, for OpMemberOf and OpNotMemberOf.
	List string `json:"list,omitempty"`
	// Fact is the name of a fact the host knows of the visitor and passes
	// in Visitor.Facts, known contact or not: a cookie, a query parameter
	// it keeps, the referrer… (names such as "cookie.plan" are the host's
	// choice). Fact filters take the string operators; a missing fact is
	// unknown.
	Fact string `json:"fact,omitempty"`
	// Operator is one of the Op… constants allowed for the property's type
	// (see the package documentation).
	Operator Operator `json:"operator"`
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
