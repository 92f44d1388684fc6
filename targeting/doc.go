// Package targeting decides which chatflow a page view shows: URL,
// query-parameter, exclusion and device rules, visitor rules with filter
// groups, priority among chatflows, availability-based display, and the
// display settings a host reads.
//
// A host calls Select on every page view, so it is built for speed: rules
// are validated and compiled once (Spec.Compile), the page URL is parsed once
// per Select, regular expressions and wildcards are precompiled, the visitor
// is fetched lazily and at most once, and explanations are built only on
// request.
//
// # The targeting section
//
// A flow's "targeting" section decodes into a Spec:
//
//	{
//	  "pageRules": [
//	    {"operator": "begins_with", "value": "https://www.example.com/pricing"},
//	    {"operator": "matches_wildcard", "value": "example.com/blog/*/chat"},
//	    {"type": "query_param", "param": "utm_campaign", "operator": "is", "value": "spring", "ignoreCase": true}
//	  ],
//	  "exclusionRules": [
//	    {"operator": "contains", "value": "/privacy"},
//	    {"type": "device", "operator": "is", "value": "mobile"}
//	  ],
//	  "visitorRules": {
//	    "audience": "known",
//	    "filterGroups": [
//	      {"filters": [
//	        {"property": "lifecyclestage", "operator": "is_any_of", "values": ["lead", "customer"]},
//	        {"property": "numemployees", "operator": "gte", "value": "50"}
//	      ]},
//	      {"filters": [{"list": "vip", "operator": "member_of"}]}
//	    ]
//	  },
//	  "availability": "when_available"
//	}
//
// How the parts combine:
//
//   - pageRules are ORed; no page rules means all pages.
//   - exclusionRules always win: if any matches, the chatflow is hidden.
//   - page rules are ANDed with visitor rules; the visitor is looked at only
//     when the page rules pass.
//   - filterGroups are ORed; the filters inside a group are ANDed. Contact
//     filters (property, list) match only a visitor who is a known contact,
//     so an unknown visitor matches none (not even with is_unknown); fact
//     filters match any visitor by what the host knows of them.
//   - visitorRules.exclusionGroups always win, like exclusionRules: if any
//     group matches the visitor, the chatflow is hidden.
//   - a candidate marked Disabled (a chatflow switched off) is never chosen.
//   - availability "when_available" hides the chatflow while its team is
//     unavailable; "always" (the default) ignores availability.
//
// # Page rules
//
// A page rule has a type: "url" (the default), "query_param" (with "param",
// the parameter's name) or "device" (exclusion rules only; value "desktop",
// "tablet" or "mobile"; operators is and is_not).
//
// URL rules take the operators all_pages, is, is_not, contains,
// does_not_contain, begins_with, ends_with, matches_wildcard and
// matches_regex. Query-parameter rules take the same except all_pages, plus
// is_known and is_unknown (the parameter is present, even empty, or not).
// A negative operator is the exact complement of its positive one: is_not
// matches exactly when is does not, so for a query parameter is_not also
// matches when the parameter is missing. When a parameter occurs more than
// once, a positive operator matches if any occurrence matches.
//
// Comparisons are case-sensitive unless the rule sets "ignoreCase": true.
//
// # URL normalisation
//
// Page URLs and rule values are compared in one canonical form,
// host/path?query:
//
//   - The scheme is dropped, so http and https pages match alike; so are
//     user information and the ports :80 and :443.
//   - The host is lowercased, and a leading "www." and a trailing "." are
//     removed: https://WWW.Example.com matches example.com.
//   - The path keeps its case. It is percent-decoded, so /caf%C3%A9 and
//     /café are the same page, and its trailing slashes are removed, so
//     /pricing/ and /pricing are the same page. An empty path is "/".
//   - The query is percent-decoded and kept in its order.
//   - The fragment is ignored by every rule. Select reports the open-at-once
//     fragment (#hs-chat-open by default, configurable) as
//     Decision.OpenNow.
//
// Rule values are normalised to match:
//
//   - is, is_not and begins_with take a URL, with or without a scheme
//     ("https://www.example.com/pricing" and "example.com/pricing" are the
//     same), or a path starting with "/", which is compared with the page's
//     path and ignores its host. The query takes part only when the value
//     has one: "is example.com/pricing" matches example.com/pricing?utm=x,
//     "is example.com/pricing?plan=pro" needs that exact query. A
//     begins_with value keeps its trailing slash, so "/blog/" matches
//     /blog/post but not /blogger.
//   - contains and does_not_contain look for the value anywhere in
//     host/path?query ("including query parameters"); ends_with compares the
//     end of host/path, or of host/path?query when the value has a "?".
//     Their values are percent-decoded and lose a trailing slash.
//   - matches_wildcard takes a URL pattern in which "*" matches any run of
//     characters, "/" included, and must match the whole URL:
//     "example.com/blog/*" matches every blog page, and also
//     example.com/blog itself; "*/checkout" matches any host. A pattern that
//     starts with "/" is matched against the path, and one with a "?"
//     includes the query.
//   - matches_regex takes an RE2 expression that is searched for in
//     host/path?query (anchor it with ^ and $ as needed). Because the
//     normalised URL has no scheme and no "www.", Compile rejects a regex
//     that contains "://" or starts with "^www.".
//
// Query-parameter names and values are decoded as in forms ("+" is a
// space) and compared as given.
//
// # Visitor filters
//
// A filter is a contact-property filter ("property", "operator", "value" or
// "values"), a list filter ("list" with member_of or not_member_of), or a
// fact filter ("fact"): a fact the host knows of the visitor, known contact
// or not, and passes in Visitor.Facts — a cookie, a query parameter it kept,
// the referrer; the names are the host's ("cookie.returning",
// "query.utm_source"). Fact filters take the string operators and are how
// rules target unknown visitors:
//
//	"visitorRules": {
//	  "audience": "unknown",
//	  "filterGroups": [{"filters": [{"fact": "query.utm_source", "operator": "is", "value": "ads"}]}],
//	  "exclusionGroups": [{"filters": [{"fact": "cookie.chat_opt_out", "operator": "is_known"}]}]
//	}
//
// With audience "unknown" a group may hold only fact filters. Exclusion
// groups take every kind of filter.
//
// A property's type decides the operators a filter on it may use. It comes
// from the property schema given to Spec.Compile, a condition.Schema read
// under object "contact" (condition.DefaultSchema when nil), the same schema
// that types the values conditions see. A property the schema does not know
// is a string property; email, phone and url properties are compared as
// strings. The types and their operators (all also take is_known and
// is_unknown):
//
//   - string: is, is_not, contains, does_not_contain, begins_with, ends_with,
//     is_any_of, is_none_of; compared case-insensitively.
//   - number: eq, ne, gt, gte, lt, lte, between.
//   - date: on, before, after, between; values YYYY-MM-DD (a stored
//     date-time's date part is used).
//   - enumeration: is_any_of, is_none_of, is_all_of, is_exactly; the stored
//     value may hold several options separated by ";"; compared exactly.
//   - bool: is, with "true" or "false".
//
// Values are strings, as the store keeps them. A filter needs the property
// to have a value, except is_unknown; set "includeUnknown": true to also
// match contacts without one. A stored value that does not parse as the
// property's type matches no operator, negative ones included.
//
// # Priority and availability
//
// Select takes the candidates in priority order and chooses the first whose
// page and visitor rules match. Priority does not look at availability: if
// the chosen chatflow shows only while its team is available and the team
// is not, the decision is Hidden and no chatflow shows; lower-priority
// chatflows are not tried. Availability comes from package availability
// (office hours, user statuses, the channel's mode), the model the
// send-to-team-member action uses; ChannelAvailability connects the two.
//
// # Compile errors
//
// Compile reports every problem as a *condition.Error with the JSON path
// inside the targeting section, such as pageRules[2].value for a bad regular
// expression, pageRules[0].operator for an unknown operator, or
// visitorRules.filterGroups[0].filters[1].operator for an operator the
// property's type does not support. All match ErrInvalid (their Err);
// condition.Problems lists them, and condition.WithPath places them in a
// flow.
//
// # The display section
//
// A flow's "display" section decodes into a Display, which Validate checks:
//
//	{
//	  "heading": {"type": "users", "userIds": ["u1", "u2", "u3", "u4"]},
//	  "desktopBehavior": "open_chat",
//	  "mobileBehavior": "launcher_only",
//	  "triggers": {"exitIntent": true, "timeOnPageSeconds": 20, "scrollPercent": 50},
//	  "accentColor": "#ff7a59",
//	  "brandingAlias": "Example Support",
//	  "position": "bottom_left",
//	  "quickRepliesOutside": true,
//	  "helpTab": {"enabled": true, "knowledgeBaseId": "help-center", "mode": "browse"}
//	}
//
// Validate reports its problems as Compile does, with paths inside the
// display section.
package targeting
