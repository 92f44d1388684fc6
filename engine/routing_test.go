package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/chatflow/chatflow/targeting/availability"
)

// routingHarness runs flow with the routing actions and the given ports.
func routingHarness(t testing.TB, flow string, dir availability.Directory, agents builtin.Agents) *enginetest.Harness {
	t.Helper()
	return enginetest.NewWith(t, (&testPorts{Directory: dir, Agents: agents}).config(), []byte(flow))
}

// routingFlow is a flow whose welcome leads to one routing action.
func routingFlow(settingsType, settings string) string {
	return `{"id":"routing","version":1,"welcome":{"message":["Hi! How can we help?"]},
		"options":{"generalErrorMessage":"Sorry, something went wrong."},
		"actions":[{"name":"route","type":"` + settingsType + `","settings":` + settings + `}]}`
}

// at moves the harness clock to when, which must not be in its past.
func at(h *enginetest.Harness, when time.Time) {
	h.Clock.Advance(when.Sub(h.Clock.Now()))
}

// directory returns an in-memory directory with the given statuses.
func directory(statuses map[string]availability.Status, teams map[string][]string) *availability.Memory {
	dir := availability.NewMemory()
	for id, s := range statuses {
		dir.SetStatus(id, s)
	}
	for id, members := range teams {
		dir.SetTeam(id, members...)
	}
	return dir
}

const teamMessages = `
	"availableMessage": ["Connecting you with the team."],
	"awayMessage": ["We're away right now; we'll email you."],
	"atCapacityMessage": ["Everyone is busy; you're next in line."],
	"unassignedMessage": ["Thanks! Someone will pick this up soon."]`

func TestSendToTeamNobody(t *testing.T) {
	// Assigning nobody needs no Directory.
	h := routingHarness(t, routingFlow("send_to_team_member", `{"assign":"nobody",`+teamMessages+`}`), nil, nil)
	c := h.Start("c1").Says("I need help").
		ExpectBot("Thanks! Someone will pick this up soon.").
		ExpectStatus(engine.StatusHandedOff).
		ExpectEvent(builtin.EventRouted, "route").
		ExpectEvent(engine.EventHandedOff, "route")
	assert.Equal(t, &action.Handoff{Kind: action.HandoffTeam, Unassigned: true, Outcome: string(builtin.RoutedUnassigned)}, c.Reply().Handoff)

	c.Says("hello?").
		ExpectOutcome(engine.OutcomeConversationOver).
		ExpectStatus(engine.StatusHandedOff)
	assert.Empty(t, c.Reply().Messages)

	// "assign" defaults to nobody.
	h = routingHarness(t, routingFlow("send_to_team_member", `{}`), nil, nil)
	c = h.Start("c2").Says("help").ExpectBot().ExpectStatus(engine.StatusHandedOff)
	assert.True(t, c.Reply().Handoff.Unassigned)
}

func TestSendToTeamUsersAndTeams(t *testing.T) {
	A, W, O, C := availability.Available, availability.Away, availability.Offline, availability.AtCapacity
	tests := []struct {
		name     string
		assign   string
		statuses map[string]availability.Status
		bot      string
		handoff  action.Handoff
	}{
		{
			name: "a selected user is available", assign: `"userIds":["ann","bob"]`,
			statuses: map[string]availability.Status{"ann": W, "bob": A},
			bot:      "Connecting you with the team.",
			handoff:  action.Handoff{UserIDs: []string{"bob"}, Outcome: string(builtin.RoutedAvailable)},
		},
		{
			name: "all available users are candidates", assign: `"userIds":["ann","bob"]`,
			statuses: map[string]availability.Status{"ann": A, "bob": A},
			bot:      "Connecting you with the team.",
			handoff:  action.Handoff{UserIDs: []string{"ann", "bob"}, Outcome: string(builtin.RoutedAvailable)},
		},
		{
			name: "a member of a selected team is available", assign: `"userIds":["ann"],"teamIds":["support"]`,
			statuses: map[string]availability.Status{"ann": W, "carl": O, "dana": A},
			bot:      "Connecting you with the team.",
			handoff:  action.Handoff{UserIDs: []string{"dana"}, TeamIDs: []string{"support"}, Outcome: string(builtin.RoutedAvailable)},
		},
		{
			name: "all away", assign: `"userIds":["ann","bob"]`,
			statuses: map[string]availability.Status{"ann": W, "bob": O},
			bot:      "We're away right now; we'll email you.",
			handoff:  action.Handoff{UserIDs: []string{"ann", "bob"}, Outcome: string(builtin.RoutedAway)},
		},
		{
			name: "all offline", assign: `"teamIds":["support"]`,
			statuses: map[string]availability.Status{"carl": O, "dana": O},
			bot:      "We're away right now; we'll email you.",
			handoff:  action.Handoff{TeamIDs: []string{"support"}, Outcome: string(builtin.RoutedOffline)},
		},
		{
			name: "at capacity", assign: `"userIds":["ann","bob"]`,
			statuses: map[string]availability.Status{"ann": W, "bob": C},
			bot:      "Everyone is busy; you're next in line.",
			handoff:  action.Handoff{UserIDs: []string{"ann", "bob"}, Outcome: string(builtin.RoutedAtCapacity)},
		},
		{
			name: "a team member the directory does not know is offline", assign: `"teamIds":["support"]`,
			statuses: map[string]availability.Status{"carl": W},
			bot:      "We're away right now; we'll email you.",
			handoff:  action.Handoff{TeamIDs: []string{"support"}, Outcome: string(builtin.RoutedAway)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := directory(tt.statuses, map[string][]string{"support": {"carl", "dana"}})
			h := routingHarness(t, routingFlow("send_to_team_member", `{"assign":"users_and_teams",`+tt.assign+`,`+teamMessages+`}`), dir, nil)
			c := h.Start("c1").Says("I need help").
				ExpectBot(tt.bot).
				ExpectStatus(engine.StatusHandedOff).
				ExpectNoEvent(builtin.EventOwnerNotified)
			want := tt.handoff
			want.Kind = action.HandoffTeam
			assert.Equal(t, &want, c.Reply().Handoff)
			assert.True(t, slices.ContainsFunc(c.Reply().Events, func(e action.Event) bool {
				return e.Type == builtin.EventRouted && e.Value == want.Outcome
			}), "routed event with value %q in %+v", want.Outcome, c.Reply().Events)
		})
	}
}

func TestSendToTeamAtCapacityFallsBackToAwayMessage(t *testing.T) {
	dir := directory(map[string]availability.Status{"bob": availability.AtCapacity}, nil)
	h := routingHarness(t, routingFlow("send_to_team_member", `{"assign":"users_and_teams","userIds":["bob"],"awayMessage":["Away."]}`), dir, nil)
	c := h.Start("c1").Says("help").ExpectBot("Away.")
	assert.Equal(t, string(builtin.RoutedAtCapacity), c.Reply().Handoff.Outcome)
}

func TestSendToTeamHandoffIsTheHostsToKeep(t *testing.T) {
	dir := directory(map[string]availability.Status{"ann": availability.Away}, nil)
	h := routingHarness(t, routingFlow("send_to_team_member", `{"assign":"users_and_teams","userIds":["ann"]}`), dir, nil)
	c := h.Start("c1").Says("help")
	c.Reply().Handoff.UserIDs[0] = "mallory" // the host may change what it got
	c = h.Start("c2").Says("help")
	assert.Equal(t, []string{"ann"}, c.Reply().Handoff.UserIDs)
}

// officeHours is open on Mondays 09:00–17:00 and Wednesdays 09:00–17:00
// and from Friday 22:00 to Saturday 02:00, Amsterdam time, and closed on
// Wednesday 4 March 2026.
const officeHours = `{"timeZone":"Europe/Amsterdam",
	"hours":{"monday":[{"from":"09:00","to":"17:00"}],"wednesday":[{"from":"09:00","to":"17:00"}],
	         "friday":[{"from":"22:00","to":"02:00"}]},
	"closed":["2026-03-04"]}`

func TestSendToTeamOfficeHours(t *testing.T) {
	dir := directory(map[string]availability.Status{"bob": availability.Available}, nil)
	h := routingHarness(t, routingFlow("send_to_team_member",
		`{"assign":"users_and_teams","userIds":["bob"],"officeHours":`+officeHours+`,`+teamMessages+`}`), dir, nil)
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.DateTime, s)
		require.NoError(t, err)
		return tm
	}
	tests := []struct {
		name string
		at   time.Time
		open bool
	}{
		{"Monday 10:00 in Amsterdam", enginetest.Epoch, true},
		{"Monday 18:00 in Amsterdam", utc("2026-03-02 17:00:00"), false},
		{"Wednesday 10:00 on a closed date", utc("2026-03-04 09:00:00"), false},
		{"Thursday 10:00, no hours", utc("2026-03-05 09:00:00"), false},
		{"Friday 21:30, before the night range", utc("2026-03-06 20:30:00"), false},
		{"Saturday 00:30, in Friday's range across midnight", utc("2026-03-06 23:30:00"), true},
		{"Saturday 02:30, after it", utc("2026-03-07 01:30:00"), false},
	}
	for i, tt := range tests {
		at(h, tt.at)
		c := h.Start(fmt.Sprint("c", i)).Says("help").ExpectStatus(engine.StatusHandedOff)
		hand := c.Reply().Handoff
		require.NotNil(t, hand, tt.name)
		if tt.open {
			assert.Equal(t, []string{"Connecting you with the team."}, c.Reply().Texts(), tt.name)
			assert.Equal(t, string(builtin.RoutedAvailable), hand.Outcome, tt.name)
		} else {
			assert.Equal(t, []string{"We're away right now; we'll email you."}, c.Reply().Texts(), tt.name)
			assert.Equal(t, string(builtin.RoutedClosed), hand.Outcome, tt.name)
			assert.Equal(t, []string{"bob"}, hand.UserIDs, "%s: the assignment is kept for when office hours open", tt.name)
		}
	}
}

func TestSendToTeamNobodyOutsideOfficeHours(t *testing.T) {
	h := routingHarness(t, routingFlow("send_to_team_member", `{"officeHours":`+officeHours+`,`+teamMessages+`}`), nil, nil)
	h.Start("open").Says("help").ExpectBot("Thanks! Someone will pick this up soon.")
	h.Clock.Advance(8 * time.Hour)
	c := h.Start("closed").Says("help").ExpectBot("We're away right now; we'll email you.")
	assert.Equal(t, &action.Handoff{Kind: action.HandoffTeam, Unassigned: true, Outcome: string(builtin.RoutedClosed)}, c.Reply().Handoff)
	assert.Contains(t, c.Reply().Events[len(c.Reply().Events)-1].Reason, "open again at 2026-03-06T22:00:00+01:00",
		"the reason says when office hours open again (Wednesday 4 March is closed)")
}

func TestSendToTeamContactOwner(t *testing.T) {
	ctx := context.Background()
	A, W, O, C := availability.Available, availability.Away, availability.Offline, availability.AtCapacity
	owner := `{"assign":"contact_owner","fallbackUserId":"fred","officeHours":` + officeHours + `,` + teamMessages + `}`
	tests := []struct {
		name     string
		flow     string
		contact  store.Properties // nil: an unknown visitor
		owner    availability.Status
		later    time.Duration
		bot      string
		handoff  action.Handoff
		notified bool
	}{
		{
			name: "owner available", flow: owner, contact: store.Properties{"hubspot_owner_id": "ann"}, owner: A,
			bot: "Connecting you with the team.", handoff: action.Handoff{UserIDs: []string{"ann"}, Outcome: string(builtin.RoutedAvailable)},
		},
		{
			name: "owner away", flow: owner, contact: store.Properties{"hubspot_owner_id": "ann"}, owner: W,
			bot: "We're away right now; we'll email you.", handoff: action.Handoff{UserIDs: []string{"ann"}, Outcome: string(builtin.RoutedAway)}, notified: true,
		},
		{
			name: "owner offline", flow: owner, contact: store.Properties{"hubspot_owner_id": "ann"}, owner: O,
			bot: "We're away right now; we'll email you.", handoff: action.Handoff{UserIDs: []string{"ann"}, Outcome: string(builtin.RoutedOffline)}, notified: true,
		},
		{
			name: "owner at capacity", flow: owner, contact: store.Properties{"hubspot_owner_id": "ann"}, owner: C,
			bot: "Everyone is busy; you're next in line.", handoff: action.Handoff{UserIDs: []string{"ann"}, Outcome: string(builtin.RoutedAtCapacity)},
		},
		{
			name: "owner available outside office hours", flow: owner, contact: store.Properties{"hubspot_owner_id": "ann"}, owner: A, later: 8 * time.Hour,
			bot: "We're away right now; we'll email you.", handoff: action.Handoff{UserIDs: []string{"ann"}, Outcome: string(builtin.RoutedClosed)}, notified: true,
		},
		{
			name: "no owner: fallback user", flow: owner, contact: store.Properties{"firstname": "Ada"},
			bot: "Connecting you with the team.", handoff: action.Handoff{UserIDs: []string{"fred"}, Outcome: string(builtin.RoutedAvailable)},
		},
		{
			name: "unknown visitor: fallback user", flow: owner,
			bot: "Connecting you with the team.", handoff: action.Handoff{UserIDs: []string{"fred"}, Outcome: string(builtin.RoutedAvailable)},
		},
		{
			name: "owner not in the directory: fallback user", flow: owner, contact: store.Properties{"hubspot_owner_id": "ghost"},
			bot: "Connecting you with the team.", handoff: action.Handoff{UserIDs: []string{"fred"}, Outcome: string(builtin.RoutedAvailable)},
		},
		{
			name: "no owner and no fallback user: unassigned", flow: `{"assign":"contact_owner",` + teamMessages + `}`, contact: store.Properties{},
			bot: "Thanks! Someone will pick this up soon.", handoff: action.Handoff{Unassigned: true, Outcome: string(builtin.RoutedUnassigned)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := directory(map[string]availability.Status{"ann": tt.owner, "fred": A}, nil)
			h := routingHarness(t, routingFlow("send_to_team_member", tt.flow), dir, nil)
			h.Clock.Advance(tt.later)
			req := engine.StartRequest{ConversationID: "c1"}
			if tt.contact != nil {
				ct, err := h.Stores.Contacts.CreateContact(ctx, tt.contact)
				require.NoError(t, err)
				req.ContactID = ct.ID
			}
			c := h.StartWith(req).Says("help").ExpectBot(tt.bot).ExpectStatus(engine.StatusHandedOff)
			want := tt.handoff
			want.Kind = action.HandoffTeam
			assert.Equal(t, &want, c.Reply().Handoff)
			i := slices.IndexFunc(c.Reply().Events, func(e action.Event) bool { return e.Type == builtin.EventOwnerNotified })
			if assert.Equal(t, tt.notified, i >= 0, "owner_notified event") && tt.notified {
				assert.Equal(t, "ann", c.Reply().Events[i].Value)
				assert.Equal(t, "route", c.Reply().Events[i].Action)
			}
		})
	}
}

func TestSendToTeamUnknownUserOrTeamFails(t *testing.T) {
	dir := directory(map[string]availability.Status{"ann": availability.Available}, map[string][]string{"support": {"ann"}})
	for _, tt := range []struct{ assign, reason string }{
		{`"userIds":["ann","ghost"]`, `the directory does not know user "ghost"`},
		{`"teamIds":["support","phantoms"]`, `the directory does not know team "phantoms"`},
		{`"userIds":["ghost"],"teamIds":["phantoms"]`, `the directory does not know user "ghost", team "phantoms"`},
	} {
		flow := `{"id":"f","version":1,"welcome":{"message":["hi"]},"actions":[
			{"name":"route","type":"send_to_team_member","settings":{"assign":"users_and_teams",` + tt.assign + `,` + teamMessages + `},"onFailure":"sorry"},
			{"name":"sorry","type":"send_message","settings":{"message":["We could not reach the team."]}}]}`
		h := routingHarness(t, flow, dir, nil)
		c := h.Start("c1").Says("help").
			ExpectBot("We could not reach the team.").
			ExpectStatus(engine.StatusFinished)
		i := slices.IndexFunc(c.Reply().Events, func(e action.Event) bool { return e.Type == engine.EventActionFailed })
		require.GreaterOrEqual(t, i, 0)
		assert.Equal(t, tt.reason, c.Reply().Events[i].Reason)
		assert.Nil(t, c.Reply().Handoff)
	}

	// Without a failure path: the general error message.
	h := routingHarness(t, routingFlow("send_to_team_member", `{"assign":"users_and_teams","userIds":["ghost"],`+teamMessages+`}`), dir, nil)
	h.Start("c1").Says("help").
		ExpectBot("Sorry, something went wrong.").
		ExpectEvent(engine.EventGeneralError).
		ExpectStatus(engine.StatusEnded)

	// An unknown fallback user fails too.
	h = routingHarness(t, routingFlow("send_to_team_member", `{"assign":"contact_owner","fallbackUserId":"ghost"}`), dir, nil)
	h.Start("c1").Says("help").ExpectEvent(engine.EventActionFailed, "route").ExpectStatus(engine.StatusEnded)
}

// brokenDirectory fails every status lookup.
type brokenDirectory struct{ *availability.Memory }

func (brokenDirectory) UserStatus(context.Context, string) (availability.Status, error) {
	return availability.Offline, errors.New("directory unreachable")
}

// A directory that is down is the host's failure: the turn is not saved,
// the message can be retried, and the conversation does not end.
func TestSendToTeamDirectoryFailure(t *testing.T) {
	dir := brokenDirectory{availability.NewMemory()}
	h := routingHarness(t, routingFlow("send_to_team_member", `{"assign":"users_and_teams","userIds":["ann"]}`), dir, nil)
	c := h.Start("c1").Says("help")
	require.ErrorContains(t, c.Err(), "directory unreachable")
	s, err := h.Engine.Session(context.Background(), "c1")
	require.NoError(t, err)
	assert.Equal(t, engine.StatusWelcome, s.Status)
}

func TestSendToTeamGolden(t *testing.T) {
	dir := directory(map[string]availability.Status{"ann": availability.Away, "bob": availability.Available}, nil)
	h := routingHarness(t, `{"id":"support","version":1,
		"welcome":{"message":["Hi! What can we do for you?"],"quickReplies":[{"value":"sales"},{"value":"support","label":"I need support"}]},
		"actions":[
		  {"name":"ask_name","type":"ask_question","settings":{"message":["Who am I talking to?"],"property":"firstname"}},
		  {"name":"route","type":"send_to_team_member","settings":{"assign":"users_and_teams","userIds":["ann","bob"],
		    "officeHours":`+officeHours+`,
		    "availableMessage":["Thanks {{ contact.firstname }}, connecting you with a colleague."],
		    "awayMessage":["We're away right now; we'll email you."]}}]}`, dir, nil)
	c := h.Start("c1").Clicks("support").Says("Ada").ExpectStatus(engine.StatusHandedOff)
	handoff := handoffSummary(t, c.Reply())
	c.Says("Are you there?").
		ExpectOutcome(engine.OutcomeConversationOver).
		ExpectStatus(engine.StatusHandedOff)
	golden(t, filepath.Join("testdata", "routing-team-available.golden"), []byte(c.Transcript()+handoff))
}

// handoffSummary describes a reply's handoff and events for golden files.
func handoffSummary(t testing.TB, r *engine.Reply) string {
	t.Helper()
	b, err := json.Marshal(r.Handoff)
	require.NoError(t, err)
	var evs []string
	for _, e := range r.Events {
		s := string(e.Type)
		if e.Value != "" {
			s += "(" + e.Value + ")"
		}
		evs = append(evs, s)
	}
	return "== handoff " + string(b) + "\n== events " + strings.Join(evs, " ") + "\n"
}

func TestSendToAgentModes(t *testing.T) {
	tests := []struct {
		mode, settings string
		bot            []string
		note           string
	}{
		{mode: "answer_last_question", note: "answer_last_question"},
		{mode: "reply_with_message", settings: `,"message":["Our assistant takes it from here, {{ answers.ask_topic }} it is."]`,
			bot: []string{"Our assistant takes it from here, pricing it is."}, note: "reply_with_message"},
		{mode: "answer_in_context", settings: `,"instructions":"Help the visitor pick a plan; they asked about {{ answers.ask_topic }}."`,
			note: "Help the visitor pick a plan; they asked about pricing."},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			flow := `{"id":"f","version":1,"welcome":{"message":["hi"]},"actions":[
				{"name":"ask_topic","type":"ask_question","settings":{"message":["What is it about?"]}},
				{"name":"agent","type":"send_to_agent","settings":{"mode":"` + tt.mode + `"` + tt.settings + `}}]}`
			// The fallback assigns nobody, so no Directory is needed.
			h := routingHarness(t, flow, nil, memory.NewAgents(true))
			c := h.Start("c1").Says("hello").ExpectBot("What is it about?").Says("pricing").
				ExpectStatus(engine.StatusHandedOff).
				ExpectNoEvent(builtin.EventAgentUnavailable).
				ExpectEvent(engine.EventHandedOff, "agent")
			assert.Equal(t, tt.bot, nilIfEmpty(c.Reply().Texts()))
			want := &action.Handoff{Kind: action.HandoffAgent, Outcome: tt.mode}
			if tt.mode == string(builtin.AnswerInContext) {
				want.Instructions = tt.note
			}
			assert.Equal(t, want, c.Reply().Handoff)
			assert.True(t, slices.ContainsFunc(c.Reply().Events, func(e action.Event) bool {
				return e.Type == builtin.EventRouted && e.Value == tt.mode
			}))
			c.Says("and?").ExpectOutcome(engine.OutcomeConversationOver).ExpectStatus(engine.StatusHandedOff)

			// The session keeps no transcript for the agent.
			s, err := h.Engine.Session(context.Background(), "c1")
			require.NoError(t, err)
			assert.Nil(t, s.ActionState)
		})
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

const agentFallback = `"ifUnavailable":{"assign":"users_and_teams","userIds":["bob"],` + teamMessages + `}`

func TestSendToAgentUnavailableFallsBackToPeople(t *testing.T) {
	dir := directory(map[string]availability.Status{"bob": availability.Available}, nil)
	agents := memory.NewAgents(false)
	h := routingHarness(t, routingFlow("send_to_agent", `{"mode":"answer_last_question",`+agentFallback+`}`), dir, agents)

	c := h.Start("c1").Says("help").
		ExpectBot("Connecting you with the team.").
		ExpectEvent(builtin.EventAgentUnavailable, "route").
		ExpectStatus(engine.StatusHandedOff)
	assert.Equal(t, &action.Handoff{Kind: action.HandoffTeam, UserIDs: []string{"bob"}, Outcome: string(builtin.RoutedAvailable)}, c.Reply().Handoff)

	agents.SetErr(errors.New("agent service down"))
	c = h.Start("c2").Says("help").ExpectBot("Connecting you with the team.")
	i := slices.IndexFunc(c.Reply().Events, func(e action.Event) bool { return e.Type == builtin.EventAgentUnavailable })
	require.GreaterOrEqual(t, i, 0)
	assert.Contains(t, c.Reply().Events[i].Reason, "agent service down")

	agents.SetErr(nil)
	agents.SetAvailable(true)
	c = h.Start("c3").Says("help").ExpectBot()
	assert.Equal(t, action.HandoffAgent, c.Reply().Handoff.Kind)

	// The default fallback assigns nobody.
	h = routingHarness(t, routingFlow("send_to_agent", `{"mode":"answer_last_question"}`), nil, memory.NewAgents(false))
	c = h.Start("c1").Says("help").ExpectEvent(builtin.EventAgentUnavailable)
	assert.Equal(t, &action.Handoff{Kind: action.HandoffTeam, Unassigned: true, Outcome: string(builtin.RoutedUnassigned)}, c.Reply().Handoff)

	// The fallback can be the contact owner.
	h = routingHarness(t, routingFlow("send_to_agent", `{"mode":"answer_last_question","ifUnavailable":{"assign":"contact_owner","fallbackUserId":"bob"}}`),
		dir, memory.NewAgents(false))
	c = h.Start("c1").Says("help")
	assert.Equal(t, []string{"bob"}, c.Reply().Handoff.UserIDs)
}

func TestSendToAgentRespectsOfficeHours(t *testing.T) {
	dir := directory(map[string]availability.Status{"bob": availability.Available}, nil)
	h := routingHarness(t, routingFlow("send_to_agent",
		`{"mode":"answer_last_question","respectOfficeHours":true,"officeHours":`+officeHours+`,`+agentFallback+`}`), dir, memory.NewAgents(true))
	c := h.Start("open").Says("help").ExpectBot()
	assert.Equal(t, action.HandoffAgent, c.Reply().Handoff.Kind)

	h.Clock.Advance(8 * time.Hour) // Monday 18:00 in Amsterdam
	c = h.Start("closed").Says("help").
		ExpectEvent(builtin.EventAgentUnavailable, "route").
		ExpectBot("We're away right now; we'll email you.")
	assert.Equal(t, &action.Handoff{Kind: action.HandoffTeam, UserIDs: []string{"bob"}, Outcome: string(builtin.RoutedClosed)}, c.Reply().Handoff,
		"the fallback to people respects the office hours too")

	// Without respectOfficeHours the agent works around the clock; the
	// office hours only apply to the fallback.
	h = routingHarness(t, routingFlow("send_to_agent",
		`{"mode":"answer_last_question","officeHours":`+officeHours+`,`+agentFallback+`}`), dir, memory.NewAgents(true))
	h.Clock.Advance(8 * time.Hour)
	c = h.Start("closed").Says("help").ExpectNoEvent(builtin.EventAgentUnavailable)
	assert.Equal(t, action.HandoffAgent, c.Reply().Handoff.Kind)
}

func TestSendToAgentGolden(t *testing.T) {
	dir := directory(map[string]availability.Status{"bob": availability.Away}, nil)
	agents := memory.NewAgents(true)
	flow := `{"id":"assist","version":1,"welcome":{"message":["Hi! Ask me anything."]},
		"actions":[
		  {"name":"ask_topic","type":"ask_question","settings":{"message":["What is your question about?"],
		    "quickReplies":[{"value":"pricing"},{"value":"billing"}]}},
		  {"name":"agent","type":"send_to_agent","settings":{"mode":"reply_with_message",
		    "message":["Our assistant will help you with {{ answers.ask_topic }}."],
		    "respectOfficeHours":true,"officeHours":` + officeHours + `,` + agentFallback + `}}]}`
	h := routingHarness(t, flow, dir, agents)
	day := h.Start("day").Says("hi").Clicks("pricing").ExpectStatus(engine.StatusHandedOff)
	dayHandoff := handoffSummary(t, day.Reply())
	h.Clock.Advance(8 * time.Hour)
	night := h.Start("night").Says("hi").Clicks("billing").ExpectStatus(engine.StatusHandedOff)
	nightHandoff := handoffSummary(t, night.Reply())
	night.Says("hello?").ExpectOutcome(engine.OutcomeConversationOver)
	golden(t, filepath.Join("testdata", "routing-agent.golden"), []byte(
		"== within office hours: the agent takes over\n"+day.Transcript()+dayHandoff+
			"== outside office hours: the fallback team is away\n"+night.Transcript()+nightHandoff))
}

func TestRoutingSettingsErrors(t *testing.T) {
	tests := []struct {
		typ, settings, path string
	}{
		{"send_to_team_member", `{"assign":"everyone"}`, "assign"},
		{"send_to_team_member", `{"asign":"nobody"}`, "asign"},
		{"send_to_team_member", `{"assign":"users_and_teams"}`, "userIds"},
		{"send_to_team_member", `{"userIds":["ann"]}`, "userIds"},
		{"send_to_team_member", `{"assign":"users_and_teams","userIds":["ann"],"fallbackUserId":"bob"}`, "fallbackUserId"},
		{"send_to_team_member", `{"assign":"contact_owner","teamIds":["support"]}`, "teamIds"},
		{"send_to_team_member", `{"assign":"users_and_teams","userIds":["ann","ann"]}`, "userIds[1]"},
		{"send_to_team_member", `{"assign":"users_and_teams","teamIds":[""]}`, "teamIds[0]"},
		{"send_to_team_member", `{"awayMessage":[""]}`, "awayMessage[0]"},
		{"send_to_team_member", `{"availableMessage":["Hi {{ contact. }}"]}`, "availableMessage[0]"},
		{"send_to_team_member", `{"officeHours":{"hours":{"monday":[{"from":"09:00","to":"25:00"}]}}}`, "officeHours.hours.monday[0].to"},
		{"send_to_team_member", `{"officeHours":{"timeZone":"Mars/Olympus","hours":{}}}`, "officeHours.timeZone"},
		{"send_to_team_member", `{"officeHours":{"hours":{},"closed":["Christmas"]}}`, "officeHours.closed[0]"},
		{"send_to_agent", `{}`, "mode"},
		{"send_to_agent", `{"mode":"dance"}`, "mode"},
		{"send_to_agent", `{"mode":"reply_with_message"}`, "message"},
		{"send_to_agent", `{"mode":"answer_last_question","message":["hi"]}`, "message"},
		{"send_to_agent", `{"mode":"answer_in_context"}`, "instructions"},
		{"send_to_agent", `{"mode":"reply_with_message","message":["hi"],"instructions":"be nice"}`, "instructions"},
		{"send_to_agent", `{"mode":"answer_last_question","respectOfficeHours":true}`, "respectOfficeHours"},
		{"send_to_agent", `{"mode":"answer_last_question","officeHours":{"hours":{"friday":[{"from":"22:00","to":"22:00"}]}}}`, "officeHours.hours.friday[0]"},
		{"send_to_agent", `{"mode":"answer_last_question","ifUnavailable":{"assign":"someone"}}`, "ifUnavailable.assign"},
		{"send_to_agent", `{"mode":"answer_last_question","ifUnavailable":{"assign":"users_and_teams","userIds":[" "]}}`, "ifUnavailable.userIds[0]"},
		{"send_to_agent", `{"mode":"answer_last_question","ifUnavailable":{"unassignedMessage":[{"type":"image"}]}}`, "ifUnavailable.unassignedMessage[0].url"},
	}
	ports := &testPorts{Directory: availability.NewMemory(), Agents: memory.NewAgents(true)}
	e, err := engine.New(withMemory(ports.config()))
	require.NoError(t, err)
	for _, tt := range tests {
		_, err := e.Load([]byte(routingFlow(tt.typ, tt.settings)))
		var le *condition.Error
		if assert.ErrorAs(t, err, &le, tt.settings) {
			assert.Equal(t, "actions[0].settings."+tt.path, le.Path, "%s: %v", tt.settings, err)
			assert.ErrorIs(t, err, engine.ErrInvalidFlow)
		}
	}

	// Schedule problems still match availability.ErrInvalid.
	_, err = e.Load([]byte(routingFlow("send_to_team_member", `{"officeHours":{"timeZone":"Nowhere/Land","hours":{}}}`)))
	assert.ErrorIs(t, err, availability.ErrInvalid)
}

func TestRoutingPorts(t *testing.T) {
	load := func(ports *testPorts, typ, settings string) error {
		if ports == nil {
			ports = &testPorts{}
		}
		e, err := engine.New(withMemory(ports.config()))
		require.NoError(t, err)
		_, err = e.Load([]byte(routingFlow(typ, settings)))
		return err
	}
	dirOnly := &testPorts{Directory: availability.NewMemory()}
	agentsOnly := &testPorts{Agents: memory.NewAgents(true)}

	assert.NoError(t, load(nil, "send_to_team_member", `{"assign":"nobody","officeHours":`+officeHours+`}`))
	assert.ErrorIs(t, load(nil, "send_to_team_member", `{"assign":"users_and_teams","userIds":["ann"]}`), builtin.ErrMissingPort)
	assert.ErrorIs(t, load(nil, "send_to_team_member", `{"assign":"contact_owner"}`), builtin.ErrMissingPort)
	assert.NoError(t, load(dirOnly, "send_to_team_member", `{"assign":"contact_owner"}`))

	assert.ErrorIs(t, load(dirOnly, "send_to_agent", `{"mode":"answer_last_question"}`), builtin.ErrMissingPort)
	assert.NoError(t, load(agentsOnly, "send_to_agent", `{"mode":"answer_last_question"}`))
	err := load(agentsOnly, "send_to_agent", `{"mode":"answer_last_question","ifUnavailable":{"assign":"users_and_teams","teamIds":["t"]}}`)
	assert.ErrorIs(t, err, builtin.ErrMissingPort)
	assert.ErrorContains(t, err, "Ports.Directory")
}

func TestRoutingConcurrentConversations(t *testing.T) {
	dir := directory(map[string]availability.Status{"ann": availability.Away}, map[string][]string{"support": {"ann", "bob"}})
	agents := memory.NewAgents(true)
	h := routingHarness(t, `{"id":"f","version":1,"welcome":{"message":["hi"]},"actions":[
		{"name":"agent","type":"send_to_agent","settings":{"mode":"answer_last_question",
		  "ifUnavailable":{"assign":"users_and_teams","teamIds":["support"],`+teamMessages+`}}}]}`, dir, agents)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				switch g {
				case 0:
					agents.SetAvailable(i%2 == 0)
				case 1:
					dir.SetStatus("bob", availability.Status(i%4))
				}
				id := fmt.Sprintf("g%d-%d", g, i)
				if _, err := h.Engine.Start(ctx, engine.StartRequest{ConversationID: id, FlowID: "f"}); err != nil {
					t.Error(err)
					return
				}
				r, err := h.Engine.Handle(ctx, engine.Input{ConversationID: id, Text: "help"})
				if err != nil {
					t.Error(err)
					return
				}
				if r.Status != engine.StatusHandedOff || r.Handoff == nil {
					t.Errorf("%s: status %s, handoff %+v", id, r.Status, r.Handoff)
				}
			}
		}()
	}
	wg.Wait()
}
