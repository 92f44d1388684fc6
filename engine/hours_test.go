package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/targeting/availability"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// supportHours: Amsterdam, weekdays 09:00–17:00, a night shift from
// Friday 22:00 to Saturday 02:00, closed on Christmas Day.
const supportHours = `"schedules":{"support":{"timeZone":"Europe/Amsterdam",
  "hours":{"monday":[{"from":"09:00","to":"17:00"}],"tuesday":[{"from":"09:00","to":"17:00"}],
           "wednesday":[{"from":"09:00","to":"17:00"}],"thursday":[{"from":"09:00","to":"17:00"}],
           "friday":[{"from":"09:00","to":"17:00"},{"from":"22:00","to":"02:00"}]},
  "closed":["2026-12-25"]}},`

func amsterdam(t *testing.T, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Amsterdam")
	require.NoError(t, err)
	at, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	require.NoError(t, err)
	return at
}

func TestOpenInBranches(t *testing.T) {
	flow := `{"id":"h","version":1,` + supportHours + `
	  "welcome":{"message":["Hi"]},
	  "actions":[
	    {"name":"route","type":"send_message","settings":{"message":["Support is {{ open(\"support\") ? \"open\" : \"closed\" }}."]},
	     "branches":[{"if":"open(\"support\")","then":"open"}],"next":"closed"},
	    {"name":"open","type":"send_message","settings":{"message":["We're here."]},"end":true},
	    {"name":"closed","type":"send_message","settings":{"message":["We're closed."]},"end":true}]}`
	h := enginetest.New(t, []byte(flow))
	for at, open := range map[string]bool{
		"2026-03-02 10:00": true,  // Monday morning
		"2026-03-02 17:00": false, // Monday, closing time
		"2026-03-02 20:00": false, // Monday evening
		"2026-03-06 23:30": true,  // Friday's night shift
		"2026-03-07 01:30": true,  // … into Saturday
		"2026-03-07 11:00": false, // Saturday
		"2026-03-08 11:00": false, // Sunday
		"2026-12-25 10:00": false, // Christmas, a Friday
		"2026-12-26 01:00": false, // its night shift does not happen either
		"2026-12-24 23:30": false, // Thursday night
		"2026-07-01 16:30": true,  // summer time, CEST
	} {
		h.Clock.Set(amsterdam(t, at))
		c := h.Start("c " + at).Says("hi")
		if open {
			c.ExpectBot("Support is open.", "We're here.")
		} else {
			c.ExpectBot("Support is closed.", "We're closed.")
		}
	}
	assert.Equal(t, []string{"support"}, h.Flow.Schedules())
	open, ok := h.Flow.Open("support", amsterdam(t, "2026-03-02 10:00"))
	assert.True(t, open && ok)
	_, ok = h.Flow.Open("sales", amsterdam(t, "2026-03-02 10:00"))
	assert.False(t, ok)
}

func TestUnknownScheduleIsALoadError(t *testing.T) {
	flow := `{"id":"h","version":1,` + supportHours + `
	  "welcome":{"message":["Hi {{ open(\"office\") }}"]},
	  "actions":[
	    {"name":"a","type":"send_message","settings":{"message":["{{ open(\"sales\") }}"]},
	     "branches":[{"if":"open(\"suport\")","then":"b"}]},
	    {"name":"b","type":"send_message","settings":{"message":["b"]}}]}`
	_, err := loadFlow([]byte(flow))
	require.ErrorIs(t, err, engine.ErrUnknownSchedule)
	var got []string
	for _, p := range condition.Problems(err) {
		assert.ErrorIs(t, p, engine.ErrUnknownSchedule)
		got = append(got, p.Path+": "+p.Msg)
	}
	assert.ElementsMatch(t, []string{
		`welcome.message[0]: open("office"): no such schedule in the flow's "schedules" (declared: support)`,
		`actions[0].branches[0].if: open("suport"): no such schedule in the flow's "schedules" (declared: support)`,
		`actions[0].settings.message[0]: open("sales"): no such schedule in the flow's "schedules" (declared: support)`,
	}, got)

	_, err = loadFlow([]byte(`{"id":"h","version":1,"welcome":{"message":["Hi"]},
	  "actions":[{"name":"a","type":"send_message","settings":{"message":["x"]},"branches":[{"if":"open(\"x\")","then":"a"}]}]}`))
	require.ErrorIs(t, err, engine.ErrUnknownSchedule)
	assert.ErrorContains(t, err, "the flow declares none")

	_, err = loadFlow([]byte(`{"id":"h","version":1,"schedules":{"s":{"timeZone":"Mars/Base","hours":{"monday":[{"from":"9:00","to":"17:00"}]}}},
	  "welcome":{"message":["Hi"]},"actions":[{"name":"a","type":"send_message","settings":{"message":["x"]}}]}`))
	require.ErrorIs(t, err, availability.ErrInvalid)
	var paths []string
	for _, p := range condition.Problems(err) {
		paths = append(paths, p.Path)
	}
	assert.Equal(t, []string{"schedules.s.timeZone", "schedules.s.hours.monday[0].from"}, paths)
}

// TestComputedScheduleName: open(answer) cannot be checked at load; an
// unknown name fails the condition, which counts as false.
func TestComputedScheduleName(t *testing.T) {
	flow := `{"id":"h","version":1,` + supportHours + `
	  "welcome":{"message":["Hi"]},
	  "actions":[
	    {"name":"which","type":"ask_question","settings":{"message":["Which team?"]},
	     "branches":[{"if":"open(answer)","then":"open"}],"next":"closed"},
	    {"name":"open","type":"send_message","settings":{"message":["open"]},"end":true},
	    {"name":"closed","type":"send_message","settings":{"message":["closed"]},"end":true}]}`
	h := enginetest.New(t, []byte(flow))
	h.Clock.Set(amsterdam(t, "2026-03-02 10:00"))
	h.Start("a").Says("hi").Says("support").ExpectBot("open")
	h.Start("b").Says("hi").Says("sales").ExpectBot("closed").ExpectEvent(engine.EventConditionError, "which")
}

// TestAvailableRespectsTheHoursOfItsTarget: a branch on `available` that
// leads to a team outside its office hours is not taken, even though the
// host says a team member is available.
func TestAvailableRespectsTheHoursOfItsTarget(t *testing.T) {
	dir := availability.NewMemory()
	dir.SetStatus("ana", availability.Available)
	cfg := engine.Config{
		Ports:     (&testPorts{Directory: dir}).config().Ports,
		Available: func(context.Context, string, time.Time) (bool, error) { return true, nil },
	}
	flow := `{"id":"h","version":1,"welcome":{"message":["Hi"]},
	  "actions":[
	    {"name":"route","type":"send_message","settings":{"message":["Let me see."]},
	     "branches":[{"if":"available","then":"team"},{"if":"available || true","then":"email"}]},
	    {"name":"team","type":"send_to_team_member","settings":{"assign":"users_and_teams","userIds":["ana"],
	      "officeHours":{"timeZone":"Europe/Amsterdam","hours":{"monday":[{"from":"09:00","to":"17:00"}]}},
	      "availableMessage":["Connecting you with Ana."],"awayMessage":["We're away."]}},
	    {"name":"email","type":"ask_question","settings":{"message":["What's your email?"],"property":"email"}}]}`
	h := enginetest.NewWith(t, cfg, []byte(flow))
	h.Clock.Set(amsterdam(t, "2026-03-02 10:00"))
	h.Start("in").Says("hi").ExpectBot("Let me see.", "Connecting you with Ana.").ExpectStatus(engine.StatusHandedOff)
	h.Clock.Set(amsterdam(t, "2026-03-02 19:00"))
	h.Start("out").Says("hi").ExpectBot("Let me see.", "What's your email?").ExpectAwaiting("email")
}
