package enginetest_test

import (
	"testing"

	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
)

// greetingFlow is the host's chatflow under test.
const greetingFlow = `{
  "id": "greeting", "version": 1,
  "welcome": {"message": ["Hi there!"], "quickReplies": [{"value": "Start"}]},
  "actions": [
    {"name": "ask_name", "type": "ask_question",
     "settings": {"message": ["What's your name?"], "property": "firstname"}},
    {"name": "ask_email", "type": "ask_question",
     "settings": {"message": ["Thanks {{ contact.firstname }}, what's your email?"], "property": "email"}},
    {"name": "bye", "type": "send_message",
     "settings": {"message": ["We'll be in touch."]}}
  ]
}`

// testGreetingBot is the body of the host's own test, TestGreetingBot(t
// *testing.T): it scripts a conversation, checks each reply and what was
// saved to the contact, and compares the whole transcript with a golden
// file (rewritten when CHATFLOW_UPDATE_GOLDEN=1, or when the host sets
// h.Update from its own -update flag).
func testGreetingBot(t *testing.T) {
	h := enginetest.New(t, []byte(greetingFlow))
	h.Update = h.Update || *update
	h.Start("c1").
		ExpectBot("Hi there!").ExpectQuickReplies("Start").
		Clicks("Start").ExpectBot("What's your name?").ExpectAwaiting("ask_name").
		Says("Ada").ExpectBot("Thanks Ada, what's your email?").
		Says("ada@example.com").ExpectBot("We'll be in touch.").
		ExpectStatus(engine.StatusFinished).
		ExpectProperty("firstname", "Ada").
		ExpectProperty("email", "ada@example.com").
		MatchGolden("testdata/greeting.golden")
}

// A host tests its chatflow from a Test function, as testGreetingBot does.
func Example() {
	var t *testing.T // the *testing.T of the host's Test function
	testGreetingBot(t)
}
