package availability_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/chatflow/chatflow/targeting/availability"
)

func Example() {
	var s availability.Schedule
	err := json.Unmarshal([]byte(`{
	  "timeZone": "Europe/Amsterdam",
	  "hours": {
	    "friday": [{"from": "09:00", "to": "17:00"}, {"from": "22:00", "to": "02:00"}]
	  },
	  "closed": ["2026-12-25"]
	}`), &s)
	if err != nil {
		panic(err)
	}
	hours, err := s.Compile()
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 12, 24, 18, 0, 0, 0, time.UTC) // Thursday, 19:00 in Amsterdam
	fmt.Println("open:", hours.Open(now))
	back, _ := hours.NextOpen(now) // Friday 25 December is closed
	fmt.Println("back at:", back)
	fmt.Println("saturday 01:30:", hours.Open(time.Date(2027, 1, 2, 0, 30, 0, 0, time.UTC)))
	// Output:
	// open: false
	// back at: 2027-01-01 09:00:00 +0100 CET
	// saturday 01:30: true
}

func ExampleSchedule_Validate() {
	s := availability.Schedule{
		Hours:  availability.Week{Monday: []availability.Range{{From: "09:00", To: "17:00"}, {From: "18:00", To: "25:00"}}},
		Closed: []string{"Christmas"},
	}
	err := s.Validate()
	fmt.Println(errors.Is(err, availability.ErrInvalid))
	fmt.Println(err)
	// Output:
	// true
	// hours.monday[1].to: "25:00" is not a time of day (HH:MM, 00:00 to 24:00)
	// closed[0]: "Christmas" is not a date (YYYY-MM-DD)
}

func ExampleChannel_Status() {
	ctx := context.Background()
	dir := availability.NewMemory()
	dir.SetStatus("ann", availability.Away)
	dir.SetStatus("bob", availability.AtCapacity)
	dir.SetTeam("support", "ann", "bob")

	s := availability.Schedule{Hours: availability.Week{
		Monday: []availability.Range{{From: "09:00", To: "17:00"}},
	}}
	hours, _ := s.Compile()
	ch := availability.Channel{Mode: availability.ByUsers, Hours: hours, TeamIDs: []string{"support"}}

	monday10 := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	ts, _ := ch.Status(ctx, dir, monday10)
	fmt.Println(ts.Status, ts.Members)

	dir.SetStatus("bob", availability.Available)
	ok, _ := ch.Available(ctx, dir, monday10)
	fmt.Println("available:", ok)

	ts, _ = ch.Status(ctx, dir, monday10.Add(8*time.Hour))
	fmt.Println(ts.Status, "until", ts.NextOpen.Format(time.DateTime))
	// Output:
	// at_capacity [{ann away} {bob at_capacity}]
	// available: true
	// offline until 2026-01-12 09:00:00
}
