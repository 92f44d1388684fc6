package condition

import (
	"maps"
	"slices"
	"time"
)

// Lookup gives read access to named values, such as the properties of a
// contact.
//
// A value must be one of: string, int64, float64, bool, time.Time,
// time.Duration or []string (other Go integer and floating-point types are
// accepted as int or double). An absent name reports ok == false; a nil value
// is treated as absent too. Lookup is called during evaluation, possibly from
// several goroutines at once when the same [Vars] is shared, and possibly
// more than once for a name (an evaluation may measure the values it will
// read first); it must not block for long, and should give the same value
// for a name throughout an evaluation.
//
// A Lookup may also implement [Lister] so that expressions can iterate over
// it or take its size.
type Lookup interface {
	Lookup(name string) (value any, ok bool)
}

// Lister is an optional interface a [Lookup] implements to enumerate its
// names. Without it, the corresponding CEL map still answers key lookups,
// has() and the in operator, but size(), iteration macros (all, exists, …) and
// map equality on it are evaluation errors.
type Lister interface {
	Lookup
	// Names returns the names of all the present values, in any order.
	// The caller may modify the returned slice.
	Names() []string
}

// Map is a [Lookup] (and a [Lister]) backed by a Go map. A nil Map is empty.
// A Map is safe for concurrent use as long as nobody modifies it.
type Map map[string]any

// Lookup implements [Lookup]. A nil value is reported as absent.
func (m Map) Lookup(name string) (any, bool) {
	v, ok := m[name]
	if v == nil {
		return nil, false
	}
	return v, ok
}

// Names implements [Lister]; the names come sorted.
func (m Map) Names() []string {
	names := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] != nil {
			names = append(names, k)
		}
	}
	return names
}

// Vars are the variables a condition or template sees. The package
// documentation lists their CEL names and types.
//
// The zero value is valid: an empty answer, empty maps, no availability and
// the zero time. A nil Lookup behaves as an empty map. Evaluation and
// rendering never retain nor modify a Vars, so one Vars may serve several
// evaluations, concurrent ones included when its Lookups allow concurrent
// reads.
type Vars struct {
	// Answer is CEL `answer` (string): the visitor's current answer, typed
	// text or the value of the chosen quick reply.
	Answer string
	// Contact is CEL `contact` (map(string, dyn)): contact properties, typed
	// by the caller.
	Contact Lookup
	// Company is CEL `company` (map(string, dyn)): company properties.
	Company Lookup
	// Answers is CEL `answers` (map(string, dyn)): earlier answers in the
	// session, by action name.
	Answers Lookup
	// Session is CEL `session` (map(string, dyn)): session facts; the
	// engine gives channel, language, flow_id, flow_version, started_at and
	// conversation_id.
	Session Lookup
	// Visitor is CEL `visitor` (map(string, dyn)): visitor facts; the
	// engine gives known, identified and contact_id, plus what the host
	// passed in engine.StartRequest.Visitor.
	Visitor Lookup
	// Page is CEL `page` (map(string, dyn)): facts about the page, exactly
	// what the host passed in engine.StartRequest.Page.
	Page Lookup
	// Available is CEL `available` (bool): whether a team member or agent is
	// available.
	Available bool
	// Now is CEL `now` (timestamp): the current time, injected by the caller.
	Now time.Time
	// Schedules answer CEL `open(name)` (bool): each name a Lookup knows
	// gives a bool, whether that office-hours schedule is open now. The
	// engine fills it from the flow's "schedules". A name it does not know,
	// or a nil Schedules, fails the evaluation.
	Schedules Lookup
}

// zeroVars stands in for a nil *Vars; it is never modified.
var zeroVars Vars

// lookupVar returns the address of the Lookup field behind a map variable,
// or nil when name is not one of them.
func (v *Vars) lookupVar(name string) *Lookup {
	switch name {
	case "contact":
		return &v.Contact
	case "company":
		return &v.Company
	case "answers":
		return &v.Answers
	case "session":
		return &v.Session
	case "visitor":
		return &v.Visitor
	case "page":
		return &v.Page
	}
	return nil
}
