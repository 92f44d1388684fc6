// Package condition compiles and evaluates the expressions a chatflow uses to
// branch and to personalize its messages.
//
// Two kinds of text are compiled here, both against one shared [Env]:
//
//   - conditions of if/then branches, written in the Common Expression
//     Language (CEL) and required to be boolean ([Env.Compile]);
//   - bot message templates with {{ … }} personalization tokens
//     ([Env.CompileTemplate]).
//
// Both are type-checked when a flow is loaded, so a typo in a property or
// variable name is reported then, with its line and column, and never in the
// middle of a conversation.
//
// # Variables
//
// Conditions and template tokens see these variables (filled from [Vars]):
//
//	answer     string             the visitor's current answer (typed text or the quick-reply value)
//	contact    map(string, dyn)   contact properties, e.g. contact.firstname, contact.numemployees
//	company    map(string, dyn)   company properties, e.g. company.industry
//	answers    map(string, dyn)   earlier answers in the session, by action name, e.g. answers.ask_size
//	session    map(string, dyn)   session facts (below)
//	visitor    map(string, dyn)   visitor facts (below)
//	page       map(string, dyn)   facts about the page the chat runs on (below)
//	available  bool               whether a team member or agent is available now
//	now        timestamp          the current time
//
// and one function bound to the evaluation, like a variable:
//
//	open(name) bool               whether the office-hours schedule of that name is open now
//
// open() reads [Vars].Schedules; the engine fills it from the flow's
// "schedules" (with time zones, holidays and ranges across midnight, see
// package targeting/availability) and rejects, when the flow loads, a
// literal name the flow does not declare ([Condition.OpenNames]).
//
// This package gives the map variables no keys of their own: whoever fills
// [Vars] decides them. The engine fills them as follows:
//
//   - session: channel, language, flow_id, flow_version (int), started_at
//     (timestamp) and conversation_id;
//   - visitor: known and identified (bools) and contact_id, plus whatever
//     the host passes in engine.StartRequest.Visitor;
//   - page: exactly what the host passes in engine.StartRequest.Page; there
//     are no built-in keys;
//   - contact and company: the stored properties, typed by the property
//     [Schema] with [PropertyType.Value] (numbers as int or double, bools,
//     dates as timestamps, multi-option enumerations as list(string), the
//     rest as strings).
//
// A map value holds one of: string, int, double, bool, timestamp, duration or
// list(string), as the host typed it. Reading a key that is absent is an
// evaluation error; test for it with has(contact.email), or read it with a
// fallback using the optional syntax: contact.?email.orValue("").
// Because map values are dyn, compare them to typed values
// (contact.numemployees > 50, answers.ask_size == "large"); a bare map value such
// as contact.subscribed is not accepted as a condition: write
// contact.subscribed == true.
//
// [Condition.Uses] and [Template.Uses] report which variables a compiled
// expression reads, so that a caller computes only those (asking whether a
// team is available can be costly).
//
// Besides the standard CEL operators, macros (has, all, exists, exists_one,
// map, filter) and functions (size, contains, startsWith, endsWith, matches,
// timestamp and duration arithmetic, getHours and friends…), the environment
// offers the CEL string extension (lowerAscii, upperAscii, trim, split,
// replace, indexOf, substring, join, format…), optional values (?. and
// orValue), and any function the host registers in [EnvConfig].Functions.
//
// Examples of conditions:
//
//	answer == "yes"
//	answer.lowerAscii().contains("pricing")
//	contact.numemployees > 50 && company.industry == "SOFTWARE"
//	has(contact.email) && answers.ask_size == "large"
//	!available || now.getHours("Europe/Paris") >= 18
//	open("support") && available
//	"vip" in contact.?tags.orValue([])
//
// Each evaluation is bounded by a cost limit ([EnvConfig].CostLimit), so a
// condition iterating over a large list cannot stall a conversation.
//
// Counting that cost is what makes CEL slow, so it is counted only when it
// could reach the limit: an expression whose cost is bounded when it is
// compiled, or bounded for the values at hand (short strings and lists,
// checked before each evaluation), runs without counting. The usual
// conditions (string comparisons and tests, presence tests, in, exists and
// all over a list of strings, !, && and ||, on constants, the answer and
// values read by constant keys) then run without CEL at all, in tens of
// nanoseconds and without allocating; any input they do not handle plainly,
// such as an absent key, goes to CEL, so results and errors are CEL's.
//
// # Templates
//
// A template is plain text with tokens. A token is a CEL expression between
// double braces; its value is inserted as text:
//
//	Hi {{ contact.firstname }}, thanks for your interest in {{ answers.product }}!
//
// A token may give a default, used when the value is absent (a missing key,
// null, an empty optional), empty, or fails to evaluate; the default is a
// string literal in double or single quotes:
//
//	Hi {{ contact.firstname | default("there") }}!
//	Hi {{ contact.firstname | default('there') }}!
//
// A token without a default renders as nothing in those cases: rendering
// never fails. Values are rendered as follows: strings as they are; ints
// without decimals; doubles in their shortest form (2.5, 1e+21); bools as
// true or false; timestamps in RFC 3339 (2024-05-01T09:30:00Z); durations as
// Go prints them (1h30m0s); lists with their elements joined by ", ". A map
// renders as absent.
//
// Values are inserted literally: a property value that itself contains
// {{ … }} is never evaluated. To write literal double braces in a template,
// escape the opening pair with a backslash: \{{ renders as {{. A backslash
// anywhere else is ordinary text, and so is a "}}" outside a token.
//
// An unclosed {{ is a syntax error. Every token is compiled by
// [Env.CompileTemplate]; errors report the line and column in the template
// text.
//
// # Errors
//
// A problem in what a flow author wrote is an *[Error]: the JSON path of
// the culprit, the action concerned, the expression or template text and the
// position in it, a message, and a kind matchable with [errors.Is]. It is
// the error type of every package that reads flows; [Problems] lists the
// problems of a joined error and [WithPath] places them in a larger
// document.
//
// # Limits
//
// Compiling costs time, and some texts cost a lot: type-checking literals
// nested 160 deep takes seconds. An [Env] therefore refuses, with an
// *[Error] of kind [ErrTooLarge], text longer than
// [EnvConfig].MaxSourceSize (8 KiB by default), expressions nested deeper
// than [EnvConfig].MaxNesting (24), and regular expression literals larger
// than [EnvConfig].MaxRegexSize (about 1000 instructions) in one condition
// or template. Evaluation is bounded by [EnvConfig].CostLimit.
//
// # Property schema
//
// A [Schema] gives the [PropertyType] of contact and company properties. It
// decides how conditions see a stored value ([PropertyType.Value]) and, in
// package targeting, which operators a visitor filter may use.
//
// # Concurrency
//
// An [Env], a [Condition] and a [Template] are immutable once built and safe
// for concurrent use by multiple goroutines. Build one Env for the program and
// compile every flow with it. Evaluation never retains nor modifies the
// [Vars] it is given; the Lookups it holds must allow concurrent reads if the
// same Vars is shared by concurrent evaluations.
package condition
