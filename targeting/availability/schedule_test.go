package availability

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zone database

	"github.com/chatflow/chatflow/condition"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustCompile(t *testing.T, js string) *OfficeHours {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(js))
	dec.DisallowUnknownFields()
	var s Schedule
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("decode: %v", err)
	}
	h, err := s.Compile()
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return h
}

// utc builds an instant from a UTC wall time "2006-01-02 15:04".
func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		v, err = time.Parse("2006-01-02 15:04", s)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// local builds an instant from an unambiguous wall time in loc.
func local(t *testing.T, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04:05", s, loc)
	if err != nil {
		v, err = time.ParseInLocation("2006-01-02 15:04", s, loc)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const amsterdam = `{
  "timeZone": "Europe/Amsterdam",
  "hours": {
    "monday": [{"from": "09:00", "to": "12:30"}, {"from": "13:30", "to": "17:00"}],
    "friday": [{"from": "09:00", "to": "17:00"}, {"from": "22:00", "to": "02:00"}],
    "sunday": [{"from": "01:00", "to": "03:30"}]
  },
  "closed": ["2026-12-25", "2026-01-17"]
}`

func TestOpenAmsterdam(t *testing.T) {
	h := mustCompile(t, amsterdam)
	loc := mustLoc(t, "Europe/Amsterdam")
	tests := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"monday before opening", local(t, loc, "2026-01-05 08:59:59"), false},
		{"monday opening minute", local(t, loc, "2026-01-05 09:00"), true},
		{"monday lunch starts", local(t, loc, "2026-01-05 12:30"), false},
		{"monday lunch", local(t, loc, "2026-01-05 13:29"), false},
		{"monday afternoon", local(t, loc, "2026-01-05 13:30"), true},
		{"monday last second", local(t, loc, "2026-01-05 16:59:59"), true},
		{"monday closing", local(t, loc, "2026-01-05 17:00"), false},
		{"tuesday has no ranges", local(t, loc, "2026-01-06 10:00"), false},
		{"friday before night range", local(t, loc, "2026-01-09 21:59"), false},
		{"friday night range", local(t, loc, "2026-01-09 22:00"), true},
		{"friday midnight", local(t, loc, "2026-01-10 00:00"), true},
		{"saturday early, friday's range", local(t, loc, "2026-01-10 01:59:59"), true},
		{"saturday after friday's range", local(t, loc, "2026-01-10 02:00"), false},
		{"same instant given in UTC", utc(t, "2026-01-09 21:30"), true},
		{"closed friday daytime", local(t, loc, "2026-12-25 10:00"), false},
		{"closed friday night", local(t, loc, "2026-12-25 23:00"), false},
		{"range starting on a closed date is cancelled", local(t, loc, "2026-12-26 01:00"), false},
		{"friday before a closed saturday", local(t, loc, "2026-01-16 23:00"), true},
		{"closed saturday clips friday's range", local(t, loc, "2026-01-17 01:00"), false},
		// 2026-03-29: 02:00 CET becomes 03:00 CEST.
		{"spring forward, before the jump", utc(t, "2026-03-29 00:30"), true}, // 01:30 CET
		{"spring forward, after the jump", utc(t, "2026-03-29 01:15"), true},  // 03:15 CEST
		{"spring forward, closing", utc(t, "2026-03-29 01:30"), false},        // 03:30 CEST
		// 2026-10-25: 03:00 CEST becomes 02:00 CET.
		{"fall back, first 02:30", utc(t, "2026-10-25 00:30"), true},       // 02:30 CEST
		{"fall back, second 02:30", utc(t, "2026-10-25 01:30"), true},      // 02:30 CET
		{"fall back, closing", utc(t, "2026-10-25 02:30"), false},          // 03:30 CET
		{"summer monday opening in UTC", utc(t, "2026-06-01 07:00"), true}, // 09:00 CEST
		{"summer monday before opening in UTC", utc(t, "2026-06-01 06:59"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := h.Open(tt.at); got != tt.want {
				t.Errorf("Open(%v) = %v, want %v", tt.at.In(loc), got, tt.want)
			}
		})
	}
}

const newYork = `{
  "timeZone": "America/New_York",
  "hours": {
    "monday":    [{"from": "09:00", "to": "17:00"}],
    "tuesday":   [{"from": "09:00", "to": "17:00"}],
    "wednesday": [{"from": "09:00", "to": "17:00"}],
    "thursday":  [{"from": "09:00", "to": "17:00"}],
    "friday":    [{"from": "09:00", "to": "17:00"}],
    "sunday":    [{"from": "01:15", "to": "01:45"}, {"from": "02:30", "to": "04:00"}]
  }
}`

func TestOpenNewYork(t *testing.T) {
	h := mustCompile(t, newYork)
	tests := []struct {
		at   string // UTC
		want bool
	}{
		{"2026-03-06 13:59", false}, // Fri 08:59 EST
		{"2026-03-06 14:00", true},  // Fri 09:00 EST
		{"2026-03-09 12:59", false}, // Mon 08:59 EDT
		{"2026-03-09 13:00", true},  // Mon 09:00 EDT
		{"2026-03-09 20:59", true},  // Mon 16:59 EDT
		{"2026-03-09 21:00", false}, // Mon 17:00 EDT
		// 2026-03-08: 02:00 EST becomes 03:00 EDT.
		{"2026-03-08 06:30", true},  // 01:30 EST
		{"2026-03-08 06:45", false}, // 01:45 EST
		{"2026-03-08 06:59", false}, // 01:59 EST
		{"2026-03-08 07:00", true},  // 03:00 EDT, inside 02:30–04:00
		{"2026-03-08 07:59", true},  // 03:59 EDT
		{"2026-03-08 08:00", false}, // 04:00 EDT
		// 2026-11-01: 02:00 EDT becomes 01:00 EST; 01:15–01:45 happens twice.
		{"2026-11-01 05:30", true},  // 01:30 EDT
		{"2026-11-01 05:50", false}, // 01:50 EDT
		{"2026-11-01 06:30", true},  // 01:30 EST
		{"2026-11-01 06:50", false}, // 01:50 EST
		{"2026-11-01 07:30", true},  // 02:30 EST
		{"2026-11-02 14:00", true},  // Mon 09:00 EST
		{"2026-11-02 13:59", false}, // Mon 08:59 EST
	}
	for _, tt := range tests {
		if got := h.Open(utc(t, tt.at)); got != tt.want {
			t.Errorf("Open(%s UTC) = %v, want %v", tt.at, got, tt.want)
		}
	}
}

func TestNextOpen(t *testing.T) {
	ams := mustCompile(t, amsterdam)
	ny := mustCompile(t, newYork)
	gap := mustCompile(t, `{"timeZone":"Europe/Amsterdam","hours":{"sunday":[{"from":"02:30","to":"04:00"}]}}`)
	inGap := mustCompile(t, `{"timeZone":"Europe/Amsterdam","hours":{"sunday":[{"from":"02:10","to":"02:40"}]}}`)
	repeated := mustCompile(t, `{"timeZone":"Europe/Amsterdam","hours":{"sunday":[{"from":"02:00","to":"02:30"}]}}`)
	backInto := mustCompile(t, `{"timeZone":"Europe/Amsterdam","hours":{"sunday":[{"from":"01:30","to":"02:30"}]}}`)
	holidays := mustCompile(t, `{"closed":["2026-05-01","2026-05-02"]}`)
	tests := []struct {
		name  string
		h     *OfficeHours
		from  string // UTC
		want  string // UTC
		sameT bool
	}{
		{name: "open now returns t", h: ams, from: "2026-01-05 09:30", want: "2026-01-05 09:30"},
		{name: "after lunch", h: ams, from: "2026-01-05 11:45", want: "2026-01-05 12:30"},          // 13:30 CET
		{name: "to friday", h: ams, from: "2026-01-05 16:30", want: "2026-01-09 08:00"},            // Fri 09:00 CET
		{name: "friday night", h: ams, from: "2026-01-09 17:00", want: "2026-01-09 21:00"},         // 22:00 CET
		{name: "over a closed friday", h: ams, from: "2026-12-24 17:00", want: "2026-12-27 00:00"}, // Sun 01:00 CET
		{name: "on a closed saturday", h: ams, from: "2026-01-17 00:30", want: "2026-01-18 00:00"}, // Sun 01:00 CET
		{name: "before spring forward", h: ams, from: "2026-03-28 12:00", want: "2026-03-29 00:00"},
		{name: "range starting in skipped hour opens at the jump", h: gap, from: "2026-03-29 00:40", want: "2026-03-29 01:00"},
		{name: "range inside skipped hour waits a week", h: inGap, from: "2026-03-28 12:00", want: "2026-04-05 00:10"},
		{name: "repeated hour reopens", h: repeated, from: "2026-10-25 00:45", want: "2026-10-25 01:00"},
		{name: "clock jumps back into a range", h: backInto, from: "2026-10-25 00:45", want: "2026-10-25 01:00"},
		{name: "new york weekend to sunday night", h: ny, from: "2026-03-06 23:00", want: "2026-03-08 06:15"},
		{name: "new york skipped hour", h: ny, from: "2026-03-08 06:50", want: "2026-03-08 07:00"},
		{name: "new york repeated hour", h: ny, from: "2026-11-01 05:50", want: "2026-11-01 06:15"},
		{name: "new york monday after fall back", h: ny, from: "2026-11-01 09:00", want: "2026-11-02 14:00"},
		{name: "24/7 with holidays", h: holidays, from: "2026-05-01 13:00", want: "2026-05-03 00:00"},
		{name: "nil is 24/7", h: nil, from: "2026-05-01 13:00", want: "2026-05-01 13:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.h.NextOpen(utc(t, tt.from))
			if !ok {
				t.Fatalf("NextOpen not ok")
			}
			if want := utc(t, tt.want); !got.Equal(want) {
				t.Errorf("NextOpen = %v (%v UTC), want %v UTC", got, got.UTC(), want)
			}
			if !tt.h.Open(got) {
				t.Errorf("not open at NextOpen %v", got)
			}
			if got.Location() != tt.h.Location() {
				t.Errorf("NextOpen in %v, want %v", got.Location(), tt.h.Location())
			}
		})
	}
}

// TestNextOpenIsFirst checks NextOpen against a minute-by-minute scan.
func TestNextOpenIsFirst(t *testing.T) {
	schedules := []*OfficeHours{
		mustCompile(t, amsterdam),
		mustCompile(t, newYork),
		mustCompile(t, `{"timeZone":"Europe/Amsterdam","hours":{"sunday":[{"from":"01:30","to":"02:30"},{"from":"02:45","to":"02:50"}]}}`),
	}
	starts := []string{"2026-03-27 10:07", "2026-10-23 22:13", "2026-03-06 09:59", "2026-10-30 08:01"}
	for si, h := range schedules {
		for _, s := range starts {
			from := utc(t, s)
			got, ok := h.NextOpen(from)
			if !ok {
				t.Fatalf("schedule %d from %s: not ok", si, s)
			}
			want := from
			for !h.Open(want) {
				want = want.Add(time.Minute)
			}
			if !got.Equal(want) {
				t.Errorf("schedule %d from %s: NextOpen = %v, scan says %v", si, s, got.UTC(), want.UTC())
			}
		}
	}
}

func TestAlwaysOpen(t *testing.T) {
	var nilSchedule *Schedule
	for name, s := range map[string]*Schedule{
		"nil":       nilSchedule,
		"zero":      {},
		"zone only": {TimeZone: "Asia/Tokyo"},
	} {
		h, err := s.Compile()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !h.AlwaysOpen() || !h.Open(utc(t, "2026-02-01 03:00")) {
			t.Errorf("%s: not open 24/7", name)
		}
	}
	var nilHours *OfficeHours
	if !nilHours.Open(time.Now()) || !nilHours.AlwaysOpen() || nilHours.Location() != time.UTC {
		t.Error("nil *OfficeHours is not 24/7 UTC")
	}
	h := mustCompile(t, `{"closed":["2026-02-01"]}`)
	if h.AlwaysOpen() || h.Open(utc(t, "2026-02-01 03:00")) || !h.Open(utc(t, "2026-02-02 03:00")) {
		t.Error("closed dates of a schedule without ranges are ignored")
	}
}

func TestCompileErrors(t *testing.T) {
	s := Schedule{
		TimeZone: "Mars/Olympus_Mons",
		Hours: Week{
			Monday:  []Range{{From: "09:00", To: "17:00"}, {From: "10:00", To: "25:00"}},
			Tuesday: []Range{{From: "24:00", To: "01:00"}, {From: "9:00", To: "17:00"}, {From: "12:00", To: "12:00"}},
			Sunday:  []Range{{From: "00:00", To: "24:00"}, {From: "10:60", To: ""}},
		},
		Closed: []string{"2026-12-25", "2026-13-01", "25-12-2026"},
	}
	err := s.Validate()
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("error %v does not match ErrInvalid", err)
	}
	var first *condition.Error
	if !errors.As(err, &first) || first.Path != "timeZone" || first.Err != ErrInvalid {
		t.Fatalf("errors.As: %#v", first)
	}
	problems := condition.Problems(err)
	if len(problems) != 9 {
		t.Fatalf("%d problems, want 9", len(problems))
	}
	for _, p := range problems {
		if !errors.Is(p, ErrInvalid) || p.Path == "" || p.Action != "" || p.Line != 0 {
			t.Errorf("problem %#v", p)
		}
	}
	want := []string{
		`timeZone: "Mars/Olympus_Mons" is not a known IANA time zone`,
		`hours.monday[1].to: "25:00" is not a time of day (HH:MM, 00:00 to 24:00)`,
		`hours.tuesday[0].from: "24:00" is not a time of day (HH:MM, 00:00 to 23:59)`,
		`hours.tuesday[1].from: "9:00" is not a time of day (HH:MM, 00:00 to 23:59)`,
		`hours.tuesday[2]: range "12:00" to "12:00" is empty`,
		`hours.sunday[1].from: "10:60" is not a time of day (HH:MM, 00:00 to 23:59)`,
		`hours.sunday[1].to: "" is not a time of day (HH:MM, 00:00 to 24:00)`,
		`closed[1]: "2026-13-01" is not a date (YYYY-MM-DD)`,
		`closed[2]: "25-12-2026" is not a date (YYYY-MM-DD)`,
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if h, err := s.Compile(); h != nil || err == nil {
		t.Error("Compile of an invalid schedule returned office hours")
	}
}
