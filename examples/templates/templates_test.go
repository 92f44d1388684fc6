package templates_test

import (
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/examples/templates"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/targeting/availability"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// harness runs a template on a fresh sandbox with the harness clock
// (Monday 09:00 UTC: within the support team's office hours).
func harness(t *testing.T, name string) (*enginetest.Harness, *templates.Sandbox) {
	t.Helper()
	data, err := templates.JSON(name)
	require.NoError(t, err)
	sb := templates.NewSandbox()
	h := enginetest.NewWith(t, sb.Config(), data)
	assert.Empty(t, h.Flow.Warnings(), "template %s has disconnected actions", name)
	return h, sb
}

func golden(name string) string { return filepath.Join("testdata", name+".golden") }

func TestEveryTemplateHasAGoldenTranscript(t *testing.T) {
	names := templates.Names()
	assert.Len(t, names, 7, "the six bot templates of the spec and the live chat: %v", names)
	for _, n := range names {
		assert.FileExists(t, golden(n))
	}
}

func TestQualifyLeads(t *testing.T) {
	h, _ := harness(t, "qualify-leads")
	h.Start("c").Clicks("yes").Says("Ada").Says("ada@example.com").Clicks("11-50").
		ExpectProperty("lifecyclestage", "lead").ExpectStatus(engine.StatusFinished).
		MatchGolden(golden("qualify-leads"))
}

func TestConcierge(t *testing.T) {
	h, _ := harness(t, "concierge")
	c := h.Start("c").ExpectQuickReplies("answer", "team", "meeting").
		Clicks("answer").ExpectBot("Sure — what's your question?").
		Says("how do I reset my password").ExpectBotContains("Reset your password").
		ExpectQuickReplies("yes", "no").
		Clicks("no").
		ExpectBot("Let me see who's around.", "Connecting you with our support team — one moment.").
		ExpectStatus(engine.StatusHandedOff)
	require.NotNil(t, c.Reply().Handoff)
	assert.Equal(t, []string{"ana"}, c.Reply().Handoff.UserIDs)
	c.MatchGolden(golden("concierge"))

	h.Start("m").Clicks("meeting").Says("mo@example.com").ExpectBot("Pick a time that suits you:", "").
		Send(engine.Input{Signal: builtin.SignalMeetingBooked}).ExpectBot("You're booked. See you then!").
		ExpectStatus(engine.StatusFinished)
}

func TestMeetings(t *testing.T) {
	h, _ := harness(t, "meetings")
	c := h.Start("c").Clicks("book").Says("Mo").Says("Lee").Says("mo@example.com").
		ExpectAwaiting("book").ExpectBotContains("Here are the next available times, Mo:")
	msgs := c.Reply().Messages
	require.NotEmpty(t, msgs)
	last := msgs[len(msgs)-1]
	assert.Equal(t, builtin.MeetingBubble, last.Type)
	assert.Equal(t, "inline", last.Name, "name, last name and email are known: the scheduler can show inline")
	c.Send(engine.Input{Signal: builtin.SignalMeetingBooked}).
		ExpectBot("You're booked! A calendar invitation is on its way to mo@example.com.", "Thanks for your time. Talk soon!").
		MatchGolden(golden("meetings"))
	h.Start("n").Clicks("no").ExpectBot("No problem. You can come back any time to book a meeting.")
}

func TestTickets(t *testing.T) {
	h, sb := harness(t, "tickets")
	h.Start("c").Says("my app crashes").Says("tia@example.com").Clicks("urgent").
		ExpectBot("Please describe what's broken, as precisely as you can.").
		Says("The app crashes when I export a report.").
		ExpectBot("Thanks! Your ticket number is ticket-1. We'll reply to tia@example.com.").
		MatchGolden(golden("tickets"))
	tk := sb.Tickets.All()["ticket-1"]
	assert.Equal(t, store.TicketHigh, tk.Priority)
	assert.Equal(t, "The app crashes when I export a report.", tk.Description)
	assert.Equal(t, "Urgent chat ticket from tia@example.com", tk.Name)
}

func TestKnowledgeBaseSupport(t *testing.T) {
	h, sb := harness(t, "knowledge-base-support")
	h.Start("c").Says("hi").Says("where are my invoices").ExpectBotContains("Download your invoices").
		Clicks("no").Clicks("ticket").Says("kim@example.com").
		Says("The invoice for March is missing.").
		ExpectBot("Ticket ticket-1 is open. We'll reply to kim@example.com.").
		MatchGolden(golden("knowledge-base-support"))
	assert.Equal(t, "Help center follow-up: where are my invoices", sb.Tickets.All()["ticket-1"].Name)
	h.Start("r").Says("hi").Says("partner discount").
		ExpectNoEvent("articles_shown").ExpectBot("Sorry, I couldn't find anything about that.", "Did one of these answer your question?")
}

func TestOffline(t *testing.T) {
	h, sb := harness(t, "offline")
	h.Start("on").Says("hello").ExpectBot("Let me see who's around.", "Connecting you with our support team — one moment.").
		ExpectStatus(engine.StatusHandedOff)

	sb.Directory.SetStatus("ana", availability.Away)
	h.Start("c").Says("hello").Says("zoe@example.com").Says("Do you ship to Norway?").
		ExpectBot("Thanks! We'll email zoe@example.com as soon as we're back.").
		ExpectProperty("chat_question", "Do you ship to Norway?").
		MatchGolden(golden("offline"))
}

// TestOfflineOutsideOfficeHours: in the evening, with a team member
// marked available, the Offline bot collects the visitor's email instead
// of handing off with the away message: `available` respects the office
// hours of the team the branch leads to.
func TestOfflineOutsideOfficeHours(t *testing.T) {
	h, _ := harness(t, "offline")
	loc, err := time.LoadLocation("Europe/Amsterdam")
	require.NoError(t, err)
	h.Clock.Set(time.Date(2026, 3, 2, 20, 0, 0, 0, loc)) // Monday evening; ana is available
	h.Start("c").Says("hello").
		ExpectBot("Let me see who's around.", "Our team is offline right now. What's your email address? We'll get back to you there.").
		ExpectAwaiting("ask_email").ExpectNoEvent(builtin.EventRouted)
}

// TestConciergeAsksForTheEmailWhenTheTeamIsAway: the away message
// promises an email, so the bot collects the address first.
func TestConciergeAsksForTheEmailWhenTheTeamIsAway(t *testing.T) {
	h, _ := harness(t, "concierge")
	loc, err := time.LoadLocation("Europe/Amsterdam")
	require.NoError(t, err)
	h.Clock.Set(time.Date(2026, 3, 7, 11, 0, 0, 0, loc)) // Saturday
	c := h.Start("c").Clicks("team").ExpectAwaiting("away_email").
		Says("sam@example.com").ExpectBot("Our team is away right now. We will answer by email as soon as we are back.").
		ExpectStatus(engine.StatusHandedOff).ExpectProperty("email", "sam@example.com")
	require.NotNil(t, c.Reply().Handoff)
	assert.Equal(t, string(builtin.RoutedClosed), c.Reply().Handoff.Outcome)
}

// TestLiveChat: the live chat connects the visitor to the team, and
// collects the email address first when nobody is available.
func TestLiveChat(t *testing.T) {
	h, sb := harness(t, "live-chat")
	lc, ok := h.Flow.LiveChat()
	require.True(t, ok)
	p, err := lc.Presence(t.Context(), h.Clock.Now())
	require.NoError(t, err)
	assert.Equal(t, availability.StateAvailable, p.State)
	assert.Equal(t, "Typically replies in a few minutes", p.ResponseTimeText)
	c := h.Start("on").Says("Do you ship to Norway?").ExpectBot("Connecting you with our support team — one moment.").
		ExpectStatus(engine.StatusHandedOff)
	assert.Equal(t, []string{"ana"}, c.Reply().Handoff.UserIDs)

	sb.Directory.SetStatus("ana", availability.Away)
	h.Start("c").Says("Do you ship to Norway?").Says("zoe@example.com").
		ExpectBot("Thanks! We'll email you as soon as we're back.").ExpectProperty("email", "zoe@example.com").
		MatchGolden(golden("live-chat"))
}

func TestTemplatesAsFS(t *testing.T) {
	var files []string
	for _, n := range templates.Names() {
		files = append(files, n+".json")
	}
	require.NoError(t, fstest.TestFS(templates.FS(), files...))
	b, err := fs.ReadFile(templates.FS(), "offline.json")
	require.NoError(t, err)
	want, err := templates.JSON("offline")
	require.NoError(t, err)
	assert.Equal(t, want, b)
}
