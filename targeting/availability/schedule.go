package availability

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chatflow/chatflow/condition"
)

// ErrInvalid is the kind (the Err) of every *condition.Error that
// Schedule.Validate and Schedule.Compile return for a bad schedule:
// errors.Is(err, ErrInvalid) tells a bad schedule.
var ErrInvalid = errors.New("availability: invalid schedule")

// Range is one opening range of a weekday, in wall-clock time of the
// schedule's zone. From is inclusive and To exclusive, both "HH:MM"; To may be
// "24:00". When To is earlier than From the range crosses midnight and ends
// on the next day. The zero Range is invalid.
type Range struct {
	// From is the opening time, "00:00" to "23:59".
	From string `json:"from"`
	// To is the closing time, "00:01" to "24:00".
	To string `json:"to"`
}

// Week holds the opening ranges of each weekday. A day without ranges is
// closed, unless no day has any range: then every day is open all day. The
// zero Week is therefore open around the clock.
type Week struct {
	Monday    []Range `json:"monday,omitempty"`    // Monday's ranges
	Tuesday   []Range `json:"tuesday,omitempty"`   // Tuesday's ranges
	Wednesday []Range `json:"wednesday,omitempty"` // Wednesday's ranges
	Thursday  []Range `json:"thursday,omitempty"`  // Thursday's ranges
	Friday    []Range `json:"friday,omitempty"`    // Friday's ranges
	Saturday  []Range `json:"saturday,omitempty"`  // Saturday's ranges
	Sunday    []Range `json:"sunday,omitempty"`    // Sunday's ranges
}

// day returns the ranges of weekday wd and the JSON name of that day.
func (w *Week) day(wd time.Weekday) ([]Range, string) {
	switch wd {
	case time.Monday:
		return w.Monday, "monday"
	case time.Tuesday:
		return w.Tuesday, "tuesday"
	case time.Wednesday:
		return w.Wednesday, "wednesday"
	case time.Thursday:
		return w.Thursday, "thursday"
	case time.Friday:
		return w.Friday, "friday"
	case time.Saturday:
		return w.Saturday, "saturday"
	default:
		return w.Sunday, "sunday"
	}
}

// Schedule is the JSON form of office hours: a time zone, opening ranges per
// weekday and closed dates. See the package documentation for the format
// and its meaning. The zero Schedule, like a nil *Schedule, is open 24/7.
//
// A Schedule is plain data; Compile turns it into an *OfficeHours that
// answers questions. A Schedule must not be modified while Compile or
// Validate runs.
type Schedule struct {
	// TimeZone is an IANA zone name such as "Europe/Amsterdam"; "" is UTC.
	TimeZone string `json:"timeZone,omitempty"`
	// Hours are the opening ranges per weekday.
	Hours Week `json:"hours"`
	// Closed lists dates (YYYY-MM-DD, in the schedule's zone) on which the
	// schedule is closed all day, such as public holidays.
	Closed []string `json:"closed,omitempty"`
}

// Validate reports every problem in the schedule, joined with errors.Join;
// each is a *condition.Error whose Path is relative to the schedule (such as
// "hours.monday[1].to"; a caller that embeds the schedule in a larger
// document adds its own prefix with condition.WithPath) and whose Err is
// ErrInvalid. It returns nil for a valid or nil schedule.
func (s *Schedule) Validate() error {
	_, err := s.Compile()
	return err
}

// secondsPerDay is the length of a wall-clock day.
const secondsPerDay = 24 * 60 * 60

// span is a compiled Range: seconds after the wall-clock midnight that
// starts its day. to > secondsPerDay when the range crosses midnight.
type span struct{ from, to int32 }

// OfficeHours is a compiled Schedule. It is immutable and safe for
// concurrent use. A nil *OfficeHours is open 24/7.
type OfficeHours struct {
	loc    *time.Location
	days   [7][]span // indexed by time.Weekday
	closed map[int32]struct{}
	always bool // every day 00:00–24:00 and no closed dates
}

// Compile validates s and compiles it. A nil or zero schedule compiles to
// office hours that are always open. Every problem is reported, as by
// Validate.
func (s *Schedule) Compile() (*OfficeHours, error) {
	h := &OfficeHours{loc: time.UTC}
	if s == nil {
		h.fillAlways()
		return h, nil
	}
	var errs []error
	bad := func(path, format string, args ...any) {
		errs = append(errs, &condition.Error{Path: path, Msg: fmt.Sprintf(format, args...), Err: ErrInvalid})
	}
	if s.TimeZone != "" {
		loc, err := time.LoadLocation(s.TimeZone)
		if err != nil || strings.EqualFold(s.TimeZone, "local") {
			bad("timeZone", "%q is not a known IANA time zone", s.TimeZone)
		} else {
			h.loc = loc
		}
	}
	hasRanges := false
	for n := range 7 {
		wd := time.Weekday((n + 1) % 7) // Monday first, as in the JSON
		ranges, name := s.Hours.day(wd)
		for i, r := range ranges {
			path := fmt.Sprintf("hours.%s[%d]", name, i)
			from, okFrom := parseClock(r.From, false)
			if !okFrom {
				bad(path+".from", "%q is not a time of day (HH:MM, 00:00 to 23:59)", r.From)
			}
			to, okTo := parseClock(r.To, true)
			if !okTo {
				bad(path+".to", "%q is not a time of day (HH:MM, 00:00 to 24:00)", r.To)
			}
			if !okFrom || !okTo {
				continue
			}
			if from == to {
				bad(path, "range %q to %q is empty", r.From, r.To)
				continue
			}
			if to < from {
				to += secondsPerDay // crosses midnight
			}
			h.days[wd] = append(h.days[wd], span{from: from, to: to})
			hasRanges = true
		}
	}
	if len(s.Closed) > 0 {
		h.closed = make(map[int32]struct{}, len(s.Closed))
	}
	for i, c := range s.Closed {
		d, err := time.Parse(time.DateOnly, c)
		if err != nil {
			bad(fmt.Sprintf("closed[%d]", i), "%q is not a date (YYYY-MM-DD)", c)
			continue
		}
		h.closed[dateKey(d.Date())] = struct{}{}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if !hasRanges {
		h.fillAlways()
	}
	return h, nil
}

// fillAlways opens every day all day.
func (h *OfficeHours) fillAlways() {
	full := []span{{from: 0, to: secondsPerDay}}
	for i := range h.days {
		h.days[i] = full
	}
	h.always = len(h.closed) == 0
}

// parseClock parses "HH:MM" into seconds after midnight. "24:00" is accepted
// only when end is true.
func parseClock(s string, end bool) (int32, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range [...]int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	hh := int32(s[0]-'0')*10 + int32(s[1]-'0')
	mm := int32(s[3]-'0')*10 + int32(s[4]-'0')
	if mm > 59 || hh > 24 || (hh == 24 && (mm != 0 || !end)) {
		return 0, false
	}
	return hh*3600 + mm*60, true
}

// dateKey packs a civil date into one comparable number.
func dateKey(y int, m time.Month, d int) int32 {
	return int32(y)*10000 + int32(m)*100 + int32(d)
}

// Location returns the schedule's time zone; UTC for a nil *OfficeHours.
func (h *OfficeHours) Location() *time.Location {
	if h == nil {
		return time.UTC
	}
	return h.loc
}

// AlwaysOpen reports whether the office hours are open at every moment: 24/7
// without closed dates. It is true for a nil *OfficeHours.
func (h *OfficeHours) AlwaysOpen() bool { return h == nil || h.always }

// isClosedDate reports whether the civil date is a closed date.
func (h *OfficeHours) isClosedDate(y int, m time.Month, d int) bool {
	if len(h.closed) == 0 {
		return false
	}
	_, ok := h.closed[dateKey(y, m, d)]
	return ok
}

// Open reports whether the office hours are open at t, judged by the wall
// clock in the schedule's zone.
func (h *OfficeHours) Open(t time.Time) bool {
	if h.AlwaysOpen() {
		return true
	}
	lt := t.In(h.loc)
	y, m, d := lt.Date()
	if h.isClosedDate(y, m, d) {
		return false
	}
	hh, mm, ss := lt.Clock()
	sec := int32(hh*3600 + mm*60 + ss)
	wd := lt.Weekday()
	for _, s := range h.days[wd] {
		if s.from <= sec && sec < s.to {
			return true
		}
	}
	// After-midnight parts of yesterday's ranges, unless yesterday was closed.
	prev := (wd + 6) % 7
	var py int
	var pm time.Month
	var pd int
	checked := false
	for _, s := range h.days[prev] {
		if s.to <= secondsPerDay || sec+secondsPerDay >= s.to {
			continue
		}
		if !checked {
			py, pm, pd = time.Date(y, m, d-1, 12, 0, 0, 0, time.UTC).Date()
			checked = true
		}
		if h.isClosedDate(py, pm, pd) {
			return false
		}
		return true
	}
	return false
}

// NextOpen returns the first moment at or after t at which the office hours
// are open: t itself when they are open at t. A host shows it as "back at …".
// The result is in the schedule's zone. ok is false only when the schedule
// does not open within the search horizon (two weeks plus one day per closed
// date), which a valid schedule with ranges longer than any daylight-saving
// jump cannot cause.
func (h *OfficeHours) NextOpen(t time.Time) (next time.Time, ok bool) {
	if h.Open(t) {
		if h == nil {
			return t, true
		}
		return t.In(h.loc), true
	}
	lt := t.In(h.loc)
	y, m, d := lt.Date()
	horizon := 15 + len(h.closed)
	var best time.Time
	found := -1
	for i := 0; i < horizon; i++ {
		// Keep looking one more day after the first hit: with a transition at
		// midnight, wall times of the next day can come before a repeated
		// hour of this one.
		if found >= 0 && i > found+1 {
			break
		}
		day := time.Date(y, m, d+i, 12, 0, 0, 0, time.UTC)
		dy, dm, dd := day.Date()
		consider := func(c time.Time) {
			if c.After(t) && (best.IsZero() || c.Before(best)) && h.Open(c) {
				best = c
				if found < 0 {
					found = i
				}
			}
		}
		if !h.isClosedDate(dy, dm, dd) {
			for _, s := range h.days[day.Weekday()] {
				h.wallInstants(dy, dm, dd, s.from, consider)
			}
		}
		// Daylight-saving transitions can open the schedule mid-range: the
		// clock jumps over a range's start, or back into a range.
		start := time.Date(dy, dm, dd, 0, 0, 0, 0, h.loc)
		end := time.Date(dy, dm, dd+1, 0, 0, 0, 0, h.loc)
		for x := start; x.Before(end); {
			_, zoneEnd := x.ZoneBounds()
			if zoneEnd.IsZero() || !zoneEnd.After(x) {
				break
			}
			if zoneEnd.Before(end) {
				consider(zoneEnd)
			}
			x = zoneEnd
		}
	}
	if best.IsZero() {
		return time.Time{}, false
	}
	return best.In(h.loc), true
}

// wallInstants calls f with every instant at which the wall clock in h's zone
// shows second sec of the given date: none in a skipped hour, two in a
// repeated one.
func (h *OfficeHours) wallInstants(y int, m time.Month, d int, sec int32, f func(time.Time)) {
	wall := time.Date(y, m, d, 0, 0, int(sec), 0, time.UTC).Unix()
	var offs [3]int
	n := 0
	for _, probe := range [...]int64{wall - secondsPerDay, wall, wall + secondsPerDay} {
		_, off := time.Unix(probe, 0).In(h.loc).Zone()
		dup := false
		for _, o := range offs[:n] {
			dup = dup || o == off
		}
		if !dup {
			offs[n] = off
			n++
		}
	}
	for _, off := range offs[:n] {
		u := time.Unix(wall-int64(off), 0).In(h.loc)
		if _, actual := u.Zone(); actual == off {
			f(u)
		}
	}
}
