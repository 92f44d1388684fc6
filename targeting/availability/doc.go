// Package availability answers "can a person take this chat now?" for
// chatflow: office hours per time zone, the status of team members, and the
// availability mode of a chat channel.
//
// It is shared by the targeting rules ("only show when team members are
// available") and by the send-to-team-member action, so both see the same
// answer for the same inputs.
//
// # Office hours
//
// A Schedule is the JSON form of office hours:
//
//	{
//	  "timeZone": "Europe/Amsterdam",
//	  "hours": {
//	    "monday":  [{"from": "09:00", "to": "12:30"}, {"from": "13:30", "to": "17:00"}],
//	    "friday":  [{"from": "09:00", "to": "17:00"}, {"from": "22:00", "to": "02:00"}],
//	    "sunday":  [{"from": "00:00", "to": "24:00"}]
//	  },
//	  "closed": ["2026-12-25", "2026-12-26"]
//	}
//
// Times are wall-clock times "HH:MM" in the schedule's time zone; "to" may be
// "24:00" (end of the day). A range whose "to" is earlier than its "from"
// crosses midnight: Friday 22:00–02:00 lasts from Friday 22:00 until Saturday
// 02:00. Ranges of one day may overlap; the schedule is open during their
// union. A closed date (YYYY-MM-DD in the schedule's zone) is closed for the
// whole calendar day, and a range that starts on a closed date does not
// happen at all (its after-midnight part is closed too).
//
// An empty time zone means UTC. Zones are loaded with time.LoadLocation, so a
// host that runs without a system time-zone database should import
// time/tzdata.
//
// A Schedule without any ranges is open around the clock, apart from its
// closed dates; a nil or zero Schedule, and a nil *OfficeHours, are open 24/7.
//
// Schedule.Compile validates the schedule and returns an *OfficeHours, which
// answers Open and NextOpen. Daylight-saving time is handled on the wall
// clock: the schedule is open whenever the clock on the wall in its zone
// shows a time inside a range. On a spring-forward day a range that starts in
// the skipped hour opens when the clock jumps; on a fall-back day the
// repeated hour is open (or closed) both times.
//
// # Team members
//
// A Directory is the port through which the host reports each user's Status
// and each team's members. Memory is an in-memory Directory for tests and
// small hosts.
//
// # Channel availability
//
// A Channel combines a Mode (user availability, office hours, or 24/7), its
// office hours and its assigned users and teams; Channel.Available and
// Channel.Status answer for a moment in time.
package availability
