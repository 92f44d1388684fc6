package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/targeting/availability"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// liveChatFlow is a live chat for the support team (ana, ben), open on
// weekdays 09:00–17:00 in Amsterdam.
func liveChatFlow(lang, settings string) []byte {
	return []byte(`{"id":"live","version":1,"language":"` + lang + `","welcome":{"message":["Hi! Ask us anything."]},
	  "actions":[{"name":"live","type":"live_chat","settings":{
	    "assign":"users_and_teams","teamIds":["support"],
	    "officeHours":{"timeZone":"Europe/Amsterdam","hours":{"monday":[{"from":"09:00","to":"17:00"}],"tuesday":[{"from":"09:00","to":"17:00"}],
	      "wednesday":[{"from":"09:00","to":"17:00"}],"thursday":[{"from":"09:00","to":"17:00"}],"friday":[{"from":"09:00","to":"17:00"}]}},
	    "availableMessage":["You're through to the team."],
	    "awayMessage":["Thanks, we'll get back to you."]` + settings + `}}]}`)
}

func liveChat(t *testing.T, lang, settings string, statuses map[string]availability.Status) (*enginetest.Harness, *availability.Memory) {
	t.Helper()
	dir := availability.NewMemory()
	for u, s := range statuses {
		dir.SetStatus(u, s)
	}
	dir.SetTeam("support", "ana", "ben")
	h := enginetest.NewWith(t, (&testPorts{Directory: dir}).config(), liveChatFlow(lang, settings))
	return h, dir
}

func presence(t *testing.T, h *enginetest.Harness) builtin.LiveChatPresence {
	t.Helper()
	lc, ok := h.Flow.LiveChat()
	require.True(t, ok)
	p, err := lc.Presence(context.Background(), h.Clock.Now())
	require.NoError(t, err)
	return p
}

func TestLiveChatWithSomeoneAvailable(t *testing.T) {
	h, _ := liveChat(t, "en", `,"behaviors":{"available":{"typicalResponseTime":"minutes"}}`,
		map[string]availability.Status{"ana": availability.Available, "ben": availability.Away})
	h.Clock.Set(amsterdam(t, "2026-03-02 10:00"))
	p := presence(t, h)
	assert.Equal(t, availability.StateAvailable, p.State)
	assert.Equal(t, availability.ResponseMinutes, p.TypicalResponseTime)
	assert.Equal(t, "Typically replies in a few minutes", p.ResponseTimeText)
	assert.False(t, p.HideLauncher || p.AwayMessage || p.WaitingMessage)

	c := h.Start("c").Says("Do you ship to Oslo?").
		ExpectBot("You're through to the team.").ExpectStatus(engine.StatusHandedOff).ExpectNoProperty("email")
	require.NotNil(t, c.Reply().Handoff)
	assert.Equal(t, []string{"ana"}, c.Reply().Handoff.UserIDs, "only the available user")
	assert.Equal(t, string(builtin.RoutedAvailable), c.Reply().Handoff.Outcome)
}

// TestLiveChatNobodyAvailable: email capture asks for the address when
// nobody is available, and "only assign to available users" leaves the
// conversation unassigned.
func TestLiveChatNobodyAvailable(t *testing.T) {
	h, _ := liveChat(t, "en", "", map[string]availability.Status{"ana": availability.Away, "ben": availability.Offline})
	h.Clock.Set(amsterdam(t, "2026-03-02 10:00"))
	p := presence(t, h)
	assert.Equal(t, availability.StateAway, p.State)
	assert.True(t, p.AwayMessage)
	assert.Equal(t, "We're away right now. Leave a message and we'll get back to you.", p.Message, "the catalogue's away message")

	c := h.Start("c").Says("Do you ship to Oslo?").ExpectBot("What's your email address?").ExpectAwaiting("live").
		Says("oslo@example.com").ExpectBot("Thanks, we'll get back to you.").ExpectStatus(engine.StatusHandedOff).
		ExpectProperty("email", "oslo@example.com")
	hand := c.Reply().Handoff
	require.NotNil(t, hand)
	assert.True(t, hand.Unassigned)
	assert.Empty(t, hand.UserIDs)
	assert.Empty(t, hand.TeamIDs)
	assert.Equal(t, "away", hand.Outcome)
}

func TestLiveChatAssignsEveryoneWhenTheSwitchIsOff(t *testing.T) {
	h, _ := liveChat(t, "en", `,"onlyAvailable":false,"emailCapture":{"when":"never"}`,
		map[string]availability.Status{"ana": availability.Away, "ben": availability.Away})
	h.Clock.Set(amsterdam(t, "2026-03-02 10:00"))
	c := h.Start("c").Says("hello").ExpectBot("Thanks, we'll get back to you.").ExpectStatus(engine.StatusHandedOff)
	hand := c.Reply().Handoff
	require.NotNil(t, hand)
	assert.False(t, hand.Unassigned)
	assert.Equal(t, []string{"support"}, hand.TeamIDs, "assigned to the selected team whatever its status")
}

func TestLiveChatOutsideOfficeHours(t *testing.T) {
	h, _ := liveChat(t, "en", "", map[string]availability.Status{"ana": availability.Available})
	h.Clock.Set(amsterdam(t, "2026-03-06 18:30")) // Friday evening
	p := presence(t, h)
	assert.Equal(t, availability.StateOffline, p.State)
	assert.Equal(t, amsterdam(t, "2026-03-09 09:00"), p.ReturnTime, "back on Monday morning")
	assert.False(t, p.HideLauncher)

	c := h.Start("c").Says("hello").ExpectBot("What's your email address?").
		Says("fri@example.com").ExpectBot("Thanks, we'll get back to you.")
	assert.Equal(t, string(builtin.RoutedClosed), c.Reply().Handoff.Outcome)
	assert.True(t, c.Reply().Handoff.Unassigned)

	for show, check := range map[string]func(availability.Presence) bool{
		"hide_launcher": func(p availability.Presence) bool { return p.HideLauncher },
		"away_message":  func(p availability.Presence) bool { return p.AwayMessage && p.Message == "Gone fishing." },
		"return_time":   func(p availability.Presence) bool { return !p.ReturnTime.IsZero() },
	} {
		h, _ := liveChat(t, "en", `,"behaviors":{"away":{"message":"Gone fishing."},"offline":{"show":"`+show+`"}}`, nil)
		h.Clock.Set(amsterdam(t, "2026-03-07 11:00"))
		assert.True(t, check(presence(t, h).Presence), show)
	}
}

func TestLiveChatAtCapacity(t *testing.T) {
	for show, want := range map[string]builtin.LiveChatPresence{
		"": {Presence: availability.Presence{State: availability.StateAtCapacity, WaitingMessage: true,
			Message: "All of our team members are busy right now. We'll be with you as soon as we can."}},
		"hide_launcher": {Presence: availability.Presence{State: availability.StateAtCapacity, HideLauncher: true}},
		"nothing": {Presence: availability.Presence{State: availability.StateAtCapacity, TypicalResponseTime: availability.ResponseHour},
			ResponseTimeText: "Typically replies in an hour"},
	} {
		h, _ := liveChat(t, "en", `,"behaviors":{"available":{"typicalResponseTime":"hour"},"atCapacity":{"show":"`+show+`"}}`,
			map[string]availability.Status{"ana": availability.AtCapacity})
		h.Clock.Set(amsterdam(t, "2026-03-02 10:00"))
		assert.Equal(t, want, presence(t, h), show)
	}
	// The waiting message is the visitor's too.
	h, _ := liveChat(t, "en", `,"atCapacityMessage":["Everyone is busy; you're next."],"emailCapture":{"when":"never"}`,
		map[string]availability.Status{"ana": availability.AtCapacity})
	h.Clock.Set(amsterdam(t, "2026-03-02 10:00"))
	h.Start("c").Says("hi").ExpectBot("Everyone is busy; you're next.")
}

func TestLiveChatEmailCapture(t *testing.T) {
	available := map[string]availability.Status{"ana": availability.Available}
	// always: asked even with someone available.
	h, _ := liveChat(t, "en", `,"emailCapture":{"when":"always","message":["Your email, in case we get cut off?"]}`, available)
	h.Clock.Set(amsterdam(t, "2026-03-02 10:00"))
	h.Start("c").Says("hi").ExpectBot("Your email, in case we get cut off?").
		Says("a@example.com").ExpectBot("You're through to the team.")

	// A known address is not asked again.
	ct, err := h.Stores.Contacts.CreateContact(context.Background(), store.Properties{"email": "known@example.com"})
	require.NoError(t, err)
	h.StartWith(engine.StartRequest{ConversationID: "k", ContactID: ct.ID}).Says("hi").ExpectBot("You're through to the team.")

	// never: not asked when nobody is available.
	h, _ = liveChat(t, "en", `,"emailCapture":{"when":"never"}`, nil)
	h.Clock.Set(amsterdam(t, "2026-03-02 10:00"))
	h.Start("c").Says("hi").ExpectBot("Thanks, we'll get back to you.")

	// Bad addresses are asked again; then the chat goes to the team
	// without one, never to the general error.
	h, _ = liveChat(t, "en", `,"emailCapture":{"maxAttempts":2,"errorMessage":["Hmm, that's not an address."]}`, nil)
	h.Clock.Set(amsterdam(t, "2026-03-02 10:00"))
	h.Start("c").Says("hi").Says("nope").ExpectBot("Hmm, that's not an address.").
		Says("still nope").ExpectBot("Thanks, we'll get back to you.").ExpectStatus(engine.StatusHandedOff).ExpectNoProperty("email")
}

func TestLiveChatSpeaksTheFlowsLanguage(t *testing.T) {
	h, _ := liveChat(t, "nl-BE", `,"behaviors":{"available":{"typicalResponseTime":"day"}}`, nil)
	h.Clock.Set(amsterdam(t, "2026-03-02 10:00"))
	p := presence(t, h)
	assert.Equal(t, "We zijn er even niet. Laat een bericht achter, dan nemen we contact met je op.", p.Message)
	h.Start("c").Says("hallo").ExpectBot("Wat is je e-mailadres?").
		Says("geen idee").ExpectBot("Dat lijkt geen e-mailadres. Probeer het opnieuw.")
	dir := availability.NewMemory()
	dir.SetStatus("ana", availability.Available)
	dir.SetTeam("support", "ana")
	h2 := enginetest.NewWith(t, (&testPorts{Directory: dir}).config(), liveChatFlow("nl-BE", `,"behaviors":{"available":{"typicalResponseTime":"day"}}`))
	h2.Clock.Set(amsterdam(t, "2026-03-02 10:00"))
	assert.Equal(t, "Reageert meestal binnen een dag", presence(t, h2).ResponseTimeText)
}

func TestLiveChatSettingsAreChecked(t *testing.T) {
	for settings, path := range map[string]string{
		`"assign":"nobody","availability":"user_availability"`:                     "actions[0].settings.availability",
		`"assign":"nobody","availability":"office_hours"`:                          "actions[0].settings.availability",
		`"assign":"nobody","availability":"sometimes"`:                             "actions[0].settings.availability",
		`"assign":"nobody","emailCapture":{"when":"often"}`:                        "actions[0].settings.emailCapture.when",
		`"assign":"nobody","emailCapture":{"maxAttempts":-1}`:                      "actions[0].settings.emailCapture.maxAttempts",
		`"assign":"nobody","behaviors":{"offline":{"show":"blink"}}`:               "actions[0].settings.behaviors.offline.show",
		`"assign":"nobody","behaviors":{"available":{"typicalResponseTime":"1h"}}`: "actions[0].settings.behaviors.available.typicalResponseTime",
		`"assign":"users_and_teams"`:                                               "actions[0].settings.userIds",
	} {
		_, err := loadFlow([]byte(`{"id":"l","version":1,"welcome":{"message":["Hi"]},"actions":[{"name":"live","type":"live_chat","settings":{` + settings + `}}]}`))
		require.Error(t, err, settings)
		probs := condition.Problems(err)
		require.NotEmpty(t, probs, settings)
		assert.Equal(t, path, probs[0].Path, settings)
	}
	f, err := loadFlow([]byte(`{"id":"l","version":1,"welcome":{"message":["Hi"]},"actions":[{"name":"live","type":"live_chat"}]}`))
	require.NoError(t, err, "a live chat needs no settings: unassigned, 24/7")
	lc, ok := f.LiveChat()
	require.True(t, ok)
	p, err := lc.Presence(context.Background(), enginetest.Epoch)
	require.NoError(t, err)
	assert.Equal(t, availability.StateAvailable, p.State)

	other, err := loadFlow(mustTemplate(t, "qualify-leads"))
	require.NoError(t, err)
	_, ok = other.LiveChat()
	assert.False(t, ok)
	var _ engine.OfficeHoursAction = lc
	var _ action.Answerer = lc
	assert.True(t, strings.HasPrefix(builtin.LiveChatType, "live"))
}
