package engine

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/targeting/availability"
)

// Office hours in conditions. A flow declares named schedules ("schedules":
// {"support": {…}}, each an availability.Schedule with its time zone,
// ranges across midnight and closed dates); a condition or template asks
// open("support"). And the `available` variable respects the office hours
// of the action a branch leads to: a visitor routed by `available` to a
// team that is closed for the day is not handed to an away message while
// the flow could have collected their email instead.

// ErrUnknownSchedule reports a condition or template that calls open()
// with a name the flow's "schedules" do not declare.
var ErrUnknownSchedule = errors.New("engine: unknown schedule")

// OfficeHoursAction is implemented by action types that do their work only
// within office hours of their own: send_to_team_member, send_to_agent
// with respectOfficeHours, live_chat. A branch that leads to such an
// action sees `available` as false while its hours are closed, whatever
// Config.Available says, so the flow can take another path. Hours returns
// nil for an action open around the clock.
type OfficeHoursAction interface {
	Hours() *availability.OfficeHours
}

// loadSchedules compiles the flow's schedules; conditions compiled after
// it check their open() names against them.
func (l *loader) loadSchedules() {
	d := &l.f.def
	if len(d.Schedules) == 0 {
		return
	}
	l.f.schedules = make(map[string]*availability.OfficeHours, len(d.Schedules))
	for _, name := range slices.Sorted(maps.Keys(d.Schedules)) {
		path := "schedules." + name
		if strings.TrimSpace(name) == "" {
			l.fail(path, "", "empty schedule name", nil)
			continue
		}
		s := d.Schedules[name]
		h, err := s.Compile()
		if err != nil {
			l.add(err, path, "")
			continue
		}
		l.f.schedules[name] = h
	}
}

// checkOpens reports the open() calls of a compiled condition or template
// that name a schedule the flow does not declare. The error's path is the
// expression's own; the caller places it.
func (l *loader) checkOpens(x interface{ OpenNames() ([]string, bool) }) error {
	names, _ := x.OpenNames()
	var errs []error
	for _, n := range names {
		if _, ok := l.f.def.Schedules[n]; ok {
			continue
		}
		declared := "the flow declares none"
		if len(l.f.def.Schedules) > 0 {
			declared = "declared: " + strings.Join(slices.Sorted(maps.Keys(l.f.def.Schedules)), ", ")
		}
		errs = append(errs, &condition.Error{Msg: fmt.Sprintf("open(%q): no such schedule in the flow's \"schedules\" (%s)", n, declared), Err: ErrUnknownSchedule})
	}
	return errors.Join(errs...)
}

// linkRouteHours notes, for each branch that reads `available`, the office
// hours of the action it leads to. It needs resolved references.
func (l *loader) linkRouteHours() {
	f := l.f
	if !f.usesAvailable {
		return
	}
	for _, n := range f.nodes {
		for j, c := range n.branches {
			if j >= len(n.def.Branches) || !c.Uses("available") {
				continue
			}
			i, ok := f.index[n.def.Branches[j].Then]
			if !ok {
				continue
			}
			oh, ok := f.nodes[i].act.(OfficeHoursAction)
			if !ok {
				continue
			}
			if h := oh.Hours(); h != nil && !h.AlwaysOpen() {
				if n.routeHours == nil {
					n.routeHours = make([]*availability.OfficeHours, len(n.branches))
				}
				n.routeHours[j] = h
			}
		}
	}
}

// branchVars returns the variables branch j of n is evaluated with: the
// turn's, except that `available` is false while the office hours of the
// action the branch leads to are closed.
func (t *turn) branchVars(n *node, j int) *condition.Vars {
	v := t.Vars()
	if n.routeHours == nil || n.routeHours[j] == nil || !v.Available || n.routeHours[j].Open(t.now) {
		return v
	}
	gated := *v
	gated.Available = false
	return &gated
}

// scheduleLookup answers open(name) for a turn: whether the flow's schedule
// of that name is open at the turn's time. It is the turn itself, so
// making it a condition.Lookup allocates nothing.
type scheduleLookup turn

// Lookup implements condition.Lookup.
func (s *scheduleLookup) Lookup(name string) (any, bool) {
	h, ok := s.flow.schedules[name]
	if !ok {
		return nil, false
	}
	return h.Open(s.now), true
}

// Schedules returns the names of the flow's schedules, sorted.
func (f *Flow) Schedules() []string { return slices.Sorted(maps.Keys(f.schedules)) }

// Open reports whether the flow's schedule of that name is open at t, as
// open(name) in a condition would; ok is false when the flow declares no
// such schedule. A host uses it to show the chat's state without running
// a turn.
func (f *Flow) Open(name string, t time.Time) (open, ok bool) {
	h, ok := f.schedules[name]
	if !ok {
		return false, false
	}
	return h.Open(t), true
}
