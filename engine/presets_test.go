package engine_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
)

func TestAskQuestionPresets(t *testing.T) {
	h := enginetest.New(t, []byte(`{"id": "p", "version": 1, "welcome": {"message": ["Hi!"]},
	 "actions": [
	  {"name": "name", "type": "ask_question", "settings": {"preset": "first_name"}},
	  {"name": "email", "type": "ask_question", "settings": {"preset": "email"}},
	  {"name": "phone", "type": "ask_question", "settings": {"preset": "phone", "message": ["Your number, {{ contact.firstname }}?"]}},
	  {"name": "site", "type": "ask_question", "settings": {"preset": "website", "property": "company_site"}}]}`))
	h.Start("c").Says("hi").ExpectBot("What's your first name?").
		Says("Ada").ExpectBot("What's your email address?").ExpectProperty("firstname", "Ada").
		Says("not an email").ExpectEvent("answer_rejected", "email").ExpectAwaiting("email").
		Says("ada@example.com").ExpectProperty("email", "ada@example.com").ExpectBot("Your number, Ada?").
		Says("12").ExpectEvent("answer_rejected", "phone").
		Says("+1 415 555 2671").ExpectProperty("phone", "+14155552671").
		ExpectBot("What's your company's website?").
		// The flow's own property is not the preset's, so the preset does
		// not type it: any text goes.
		Says("our site").ExpectProperty("company_site", "our site").ExpectStatus(engine.StatusFinished)

	// The question is in the flow's language.
	nl := enginetest.New(t, []byte(`{"id": "p", "version": 1, "language": "nl", "welcome": {"message": ["Hoi!"]},
	 "actions": [{"name": "job", "type": "ask_question", "settings": {"preset": "job_title"}}]}`))
	nl.Start("c").Says("hoi").ExpectBot("Wat is je functie?")

	_, err := h.Engine.Load([]byte(`{"id": "x", "version": 1, "welcome": {"message": ["Hi"]},
	 "actions": [{"name": "a", "type": "ask_question", "settings": {"preset": "shoe_size"}}]}`))
	require.ErrorIs(t, err, engine.ErrInvalidFlow)
	assert.Contains(t, err.Error(), "actions[0].settings.preset")
}

// The fixture with every setting of these features loads (the schema test
// validates it too).
func TestSettingsFixtureLoads(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "flows", "hubspot-settings.json"))
	require.NoError(t, err)
	h := enginetest.New(t, data)
	h.Start("c").Clicks("ticket").ExpectBot("What's your email address?").
		Says("ada@example.com").ExpectBot("What went wrong?").
		Says("It broke").ExpectEvent("ticket_created").ExpectStatus(engine.StatusFinished)
	require.NotNil(t, h.Start("d").Clicks("person").ExpectStatus(engine.StatusHandedOff).Reply().Handoff.Inbox)
}
