package templates_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/examples/templates"
	"github.com/chatflow/chatflow/targeting/availability"
	"github.com/stretchr/testify/require"
)

// moments are the clock times every template is tried at, in the support
// team's time zone: within office hours, in the evening, at the weekend
// and on a holiday (Christmas Day, a Friday, closed in the templates).
var moments = []struct {
	name string
	at   string
}{
	{"inside office hours", "2026-03-02 10:00"},
	{"evening", "2026-03-02 20:00"},
	{"weekend", "2026-03-07 11:00"},
	{"holiday", "2026-12-25 10:00"},
}

// scripts are what a visitor does in each template: the path that reaches
// the team where the template has one.
var scripts = map[string]func(c *enginetest.Conversation){
	"qualify-leads": func(c *enginetest.Conversation) {
		c.Clicks("yes").Says("Ada").Says("ada@example.com").Clicks("11-50")
	},
	"concierge": func(c *enginetest.Conversation) {
		c.Clicks("team")
	},
	"meetings": func(c *enginetest.Conversation) {
		c.Clicks("book").Says("Mo").Says("Lee").Says("mo@example.com").Send(engine.Input{Signal: builtin.SignalMeetingBooked})
	},
	"tickets": func(c *enginetest.Conversation) {
		c.Says("my app crashes").Says("tia@example.com").Clicks("urgent").Says("The app crashes when I export a report.")
	},
	"knowledge-base-support": func(c *enginetest.Conversation) {
		c.Says("hi").Says("where are my invoices").Clicks("no").Clicks("team")
	},
	"live-chat": func(c *enginetest.Conversation) {
		c.Says("Do you ship to Norway?").Says("zoe@example.com")
	},
	"offline": func(c *enginetest.Conversation) {
		c.Says("hello").Says("zoe@example.com").Says("Do you ship to Norway?")
	},
}

// TestTemplatesAroundTheClock runs every template at each moment, with a
// support team member available and with nobody available, and compares
// the transcripts with testdata/<template>.clock.golden.
func TestTemplatesAroundTheClock(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	require.NoError(t, err)
	for _, name := range templates.Names() {
		script, ok := scripts[name]
		if !ok {
			t.Errorf("template %s has no script for the clock test", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			var out strings.Builder
			for _, m := range moments {
				at, err := time.ParseInLocation("2006-01-02 15:04", m.at, loc)
				require.NoError(t, err)
				for _, available := range []bool{true, false} {
					h, sb := harness(t, name)
					if !available {
						sb.Directory.SetStatus("ana", availability.Away)
					}
					h.Clock.Set(at)
					team := "a team member available"
					if !available {
						team = "nobody available"
					}
					out.WriteString("== " + m.name + " (" + at.Format("Monday 2006-01-02 15:04 MST") + "), " + team + "\n")
					c := h.Start("c")
					script(c)
					out.WriteString(c.Transcript())
					out.WriteString("\n")
				}
			}
			v := os.Getenv(enginetest.UpdateEnv)
			enginetest.Golden(t, filepath.Join("testdata", name+".clock.golden"), []byte(out.String()), v != "" && v != "0")
		})
	}
}
