package engine_test

import (
	"context"
	"testing"

	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func offerFlow(settings string) []byte {
	return []byte(`{"id":"offer","version":1,"welcome":{"message":["Hi!"]},
	  "actions":[
	    {"name":"offer","type":"offer_email_subscription","onFailure":"sorry","settings":{
	      "message":["Would you like our newsletter?"],"subscriptionTypes":["newsletter"],
	      "subscribedMessage":["Subscribed!"],"notSubscribedMessage":["Maybe later."]` + settings + `}},
	    {"name":"bye","type":"send_message","settings":{"message":["Bye."]},"end":true},
	    {"name":"sorry","type":"send_message","settings":{"message":["Let's skip that."]},"end":true}]}`)
}

// TestOfferAsksAnUnknownVisitorForTheirEmail: the offer was silently
// skipped for a visitor who was not a known contact; now it asks for the
// email address first.
func TestOfferAsksAnUnknownVisitorForTheirEmail(t *testing.T) {
	h := enginetest.New(t, offerFlow(""))
	c := h.Start("c").Says("hi").
		ExpectBot("What's your email address?").ExpectAwaiting("offer").ExpectFreeText(true).
		Says("sam@").ExpectBot("That doesn't look like an email address. Please try again.").
		ExpectEvent(builtin.EventAnswerRejected, "offer").ExpectAwaiting("offer").
		Says("sam@example.com").ExpectBot("Would you like our newsletter?").ExpectQuickReplies("yes", "no").
		ExpectProperty("email", "sam@example.com").ExpectEvent(engine.EventContactCreated)
	c.Says("perhaps").ExpectBot("Please answer yes or no.").ExpectQuickReplies("yes", "no").
		ExpectEvent(builtin.EventAnswerRejected, "offer").
		Says("Yes").ExpectBot("Subscribed!", "Bye.").ExpectStatus(engine.StatusFinished)

	s, err := h.Engine.Session(context.Background(), "c")
	require.NoError(t, err)
	st, err := h.Stores.Subscriptions.State(context.Background(), s.ContactID, "newsletter")
	require.NoError(t, err)
	assert.Equal(t, store.OptedIn, st)
}

// TestOfferSkipsAContactWhoDecided: the email an unknown visitor gives
// belongs to a contact who opted out: the offer is not made.
func TestOfferSkipsAContactWhoDecided(t *testing.T) {
	h := enginetest.New(t, offerFlow(""))
	ctx := context.Background()
	ct, err := h.Stores.Contacts.CreateContact(ctx, store.Properties{"email": "olly@example.com"})
	require.NoError(t, err)
	require.NoError(t, h.Stores.Subscriptions.SetState(ctx, ct.ID, "newsletter", store.OptedOut, true))
	h.Start("c").Says("hi").Says("olly@example.com").
		ExpectBot("Bye.").ExpectEvent(engine.EventActionSkipped, "offer").ExpectStatus(engine.StatusFinished)
}

func TestOfferAnonymousSkip(t *testing.T) {
	h := enginetest.New(t, offerFlow(`,"anonymous":"skip"`))
	c := h.Start("c").Says("hi").ExpectBot("Bye.").ExpectEvent(engine.EventActionSkipped, "offer")
	for _, e := range c.Reply().Events {
		if e.Type == engine.EventActionSkipped {
			assert.Equal(t, builtin.ReasonNoContact, e.Reason)
		}
	}
}

// TestOfferAttemptsRunOut: answers that are neither yes nor no count
// toward maxAttempts; then the failure path runs.
func TestOfferAttemptsRunOut(t *testing.T) {
	h := enginetest.New(t, offerFlow(`,"maxAttempts":2,"errorMessage":["Yes or no, please."]`))
	ctx := context.Background()
	ct, err := h.Stores.Contacts.CreateContact(ctx, store.Properties{"email": "kim@example.com"})
	require.NoError(t, err)
	h.StartWith(engine.StartRequest{ConversationID: "c", ContactID: ct.ID}).
		Says("hi").ExpectBot("Would you like our newsletter?").
		Says("what?").ExpectBot("Yes or no, please.").ExpectAwaiting("offer").
		Says("still what?").ExpectBot("Let's skip that.").ExpectEvent(engine.EventActionFailed, "offer").
		ExpectStatus(engine.StatusFinished)

	// Bad email addresses count too.
	h.Start("d").Says("hi").Says("x").Says("y").ExpectBot("Let's skip that.")
}

func TestOfferSettingsAreChecked(t *testing.T) {
	_, err := loadFlow(offerFlow(`,"anonymous":"never"`))
	assert.ErrorContains(t, err, `actions[0].settings.anonymous`)
	_, err = loadFlow(offerFlow(`,"maxAttempts":-1`))
	assert.ErrorContains(t, err, `actions[0].settings.maxAttempts`)
	f, err := loadFlow(offerFlow(`,"emailPrompt":["Your email, {{ contact.firstname | default(\"friend\") }}?"]`))
	require.NoError(t, err)
	assert.NotNil(t, f)
}
