package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// explicitFlow asks for explicit consent before chatting and offers a
// subscription (consent to communicate).
const explicitFlow = `{"id":"gdpr","version":1,"welcome":{"message":["Hi!"]},
  "consent":{
    "cookies":{"banner":"before_chat"},
    "dataProcessing":{"basis":"consent","text":"We store your answers to help you. OK?","privacyPolicyUrl":"https://example.com/privacy"},
    "communication":{"enabled":true,"subscriptionType":"newsletter","checkboxLabel":"Send me the newsletter"},
    "marketingContacts":true},
  "actions":[
    {"name":"ask_email","type":"ask_question","settings":{"message":["Email?"],"property":"email"}},
    {"name":"done","type":"send_message","settings":{"message":["Thanks!"]}}]}`

func consentHarness(t *testing.T, flow string) (*enginetest.Harness, *memory.Subscriptions) {
	subs := memory.NewSubscriptions()
	return enginetest.NewWith(t, (&testPorts{Subscriptions: subs}).config(), []byte(flow)), subs
}

func TestExplicitConsentGatesEverything(t *testing.T) {
	ctx := context.Background()
	h, subs := consentHarness(t, explicitFlow)
	c := h.Start("c1")
	p := c.Reply().Consent
	require.NotNil(t, p)
	require.NotNil(t, p.Cookies)
	assert.Equal(t, consent.BeforeChat, p.Cookies.Banner)
	assert.True(t, p.DataProcessing.Required)
	assert.Equal(t, "We store your answers to help you. OK?", p.DataProcessing.Text)
	assert.Equal(t, "newsletter", p.Communication.SubscriptionType)

	c.Says("hello").ExpectOutcome(engine.OutcomeConsentRequired)
	require.NotNil(t, c.Reply())
	assert.Equal(t, "We store your answers to help you. OK?", c.Reply().Consent.DataProcessing.Text)
	s, err := h.Engine.Session(ctx, "c1")
	require.NoError(t, err)
	assert.Equal(t, engine.StatusWelcome, s.Status, "the message was not processed")

	_, err = h.Engine.Consent(ctx, engine.ConsentDecision{ConversationID: "c1", Kind: consent.DataProcessing, Choice: consent.Granted})
	require.NoError(t, err)
	_, err = h.Engine.Consent(ctx, engine.ConsentDecision{ConversationID: "c1", Kind: consent.Communication, Choice: consent.Granted})
	require.NoError(t, err)
	c.Says("hello").ExpectBot("Email?").Says("ria@example.com").ExpectBot("Thanks!").
		ExpectProperty("email", "ria@example.com").
		ExpectProperty(engine.MarketingContactProperty, "true")

	s, _ = h.Engine.Session(ctx, "c1")
	st, err := subs.State(ctx, s.ContactID, "newsletter")
	require.NoError(t, err)
	assert.Equal(t, store.OptedIn, st, "the subscription agreed to before the visitor was known is applied once they are")

	hist, err := h.Engine.ConsentHistory(ctx, s.ContactID)
	require.NoError(t, err)
	require.Len(t, hist, 2)
	assert.Equal(t, consent.DataProcessing, hist[0].Kind)
	assert.Equal(t, consent.Granted, hist[0].Choice)
	assert.Equal(t, consent.ExplicitConsent, hist[0].Basis)
	assert.Equal(t, consent.Hash("We store your answers to help you. OK?"), hist[0].TextHash)
	assert.Equal(t, "gdpr", hist[0].ChatflowID)
	assert.Equal(t, consent.Communication, hist[1].Kind)
	assert.Equal(t, "Send me the newsletter", hist[1].Text)
}

func TestRefusalEndsWithNothingStored(t *testing.T) {
	ctx := context.Background()
	h, _ := consentHarness(t, explicitFlow)
	h.StartWith(engine.StartRequest{ConversationID: "c1", Page: map[string]string{"url": "https://example.com/?email=x@y.example"}})
	r, err := h.Engine.Consent(ctx, engine.ConsentDecision{ConversationID: "c1", Kind: consent.DataProcessing, Choice: consent.Refused})
	require.NoError(t, err)
	assert.Equal(t, engine.StatusEnded, r.Status)
	r, err = h.Engine.Handle(ctx, engine.Input{ConversationID: "c1", Text: "my email is x@y.example"})
	require.NoError(t, err)
	assert.Equal(t, engine.OutcomeConversationOver, r.Outcome)
	assert.Empty(t, h.Stores.Contacts.(*memory.Contacts).AllContacts(ctx))
	rec, err := h.Stores.Sessions.Load(ctx, "c1")
	require.NoError(t, err)
	assert.NotContains(t, string(rec.Data), "x@y.example", "the page facts with personal data are dropped")
	recs, _ := h.Stores.Consent.ForVisitor(ctx, "c1")
	require.Len(t, recs, 1)
	assert.Equal(t, consent.Refused, recs[0].Choice)
	assert.Empty(t, recs[0].ContactID)
}

func TestWithdrawalStopsProcessing(t *testing.T) {
	ctx := context.Background()
	h, _ := consentHarness(t, explicitFlow)
	c := h.Start("c1")
	_, err := h.Engine.Consent(ctx, engine.ConsentDecision{ConversationID: "c1", Kind: consent.DataProcessing, Choice: consent.Granted})
	require.NoError(t, err)
	c.Says("hi").ExpectAwaiting("ask_email")
	_, err = h.Engine.Consent(ctx, engine.ConsentDecision{ConversationID: "c1", Kind: consent.DataProcessing, Choice: consent.Withdrawn})
	require.NoError(t, err)
	c.Says("ria@example.com").ExpectOutcome(engine.OutcomeConsentRequired)
	assert.Empty(t, h.Stores.Contacts.(*memory.Contacts).AllContacts(ctx), "nothing written after the withdrawal")
	recs, _ := h.Stores.Consent.ForVisitor(ctx, "c1")
	require.Len(t, recs, 2)
	assert.Equal(t, consent.Withdrawn, recs[1].Choice)
}

func TestLegitimateInterestIsRecorded(t *testing.T) {
	ctx := context.Background()
	h := enginetest.New(t, mustTemplate(t, "qualify-leads"))
	c := h.Start("c1")
	assert.False(t, c.Reply().Consent.DataProcessing.Required)
	assert.Equal(t, consent.LegitimateInterest, c.Reply().Consent.DataProcessing.Basis)
	c.Says("hi").ExpectEvent(engine.EventConsentRecorded)
	var reasons []string
	for _, ev := range c.Reply().Events {
		if ev.Type == engine.EventConsentRecorded {
			reasons = append(reasons, ev.Reason)
		}
	}
	assert.Equal(t, []string{"data_processing: granted"}, reasons, "the event says what was decided")
	c.Says("Ada").Says("ada@example.com")
	recs, err := h.Stores.Consent.ForVisitor(ctx, "c1")
	require.NoError(t, err)
	require.Len(t, recs, 1, "recorded once, on the first message")
	assert.Equal(t, consent.LegitimateInterest, recs[0].Basis)
	assert.Equal(t, consent.DefaultProcessingText, recs[0].Text)
	assert.NotEmpty(t, recs[0].ContactID, "the record names the contact the visitor became")
}

func TestIdentifiedVisitorSkipsCookieBanner(t *testing.T) {
	h, _ := consentHarness(t, explicitFlow)
	ct, err := h.Stores.Contacts.CreateContact(context.Background(), store.Properties{"email": "known@example.com"})
	require.NoError(t, err)
	r := h.StartWith(engine.StartRequest{ConversationID: "c1", ContactID: ct.ID}).Reply()
	assert.Nil(t, r.Consent.Cookies)
	assert.NotNil(t, r.Consent.DataProcessing, "identification does not replace consent to process data")
}

func TestRecordKeepsTheTextOfTheVisitorsVersion(t *testing.T) {
	ctx := context.Background()
	h, _ := consentHarness(t, explicitFlow)
	h.Start("old")
	v2 := strings.Replace(strings.Replace(explicitFlow, `"version":1`, `"version":2`, 1), "We store your answers to help you. OK?", "New wording v2.", 1)
	f2, err := h.Engine.Load([]byte(v2))
	require.NoError(t, err)
	require.NoError(t, h.Engine.Publish(f2))
	h.Start("new")
	for _, id := range []string{"old", "new"} {
		_, err := h.Engine.Consent(ctx, engine.ConsentDecision{ConversationID: id, Kind: consent.DataProcessing, Choice: consent.Granted})
		require.NoError(t, err)
	}
	old, _ := h.Stores.Consent.ForVisitor(ctx, "old")
	nw, _ := h.Stores.Consent.ForVisitor(ctx, "new")
	require.Len(t, old, 1)
	require.Len(t, nw, 1)
	assert.Equal(t, "We store your answers to help you. OK?", old[0].Text)
	assert.Equal(t, 1, old[0].FlowVersion)
	assert.Equal(t, "New wording v2.", nw[0].Text)
}

func TestForgetErasesAcrossStores(t *testing.T) {
	ctx := context.Background()
	h, subs := consentHarness(t, explicitFlow)
	c := h.Start("c1")
	_, err := h.Engine.Consent(ctx, engine.ConsentDecision{ConversationID: "c1", Kind: consent.DataProcessing, Choice: consent.Granted})
	require.NoError(t, err)
	_, err = h.Engine.Consent(ctx, engine.ConsentDecision{ConversationID: "c1", Kind: consent.Communication, Choice: consent.Granted})
	require.NoError(t, err)
	c.Says("hi").Says("ria@example.com")
	s, _ := h.Engine.Session(ctx, "c1")
	contactID := s.ContactID
	require.NotEmpty(t, contactID)

	require.NoError(t, h.Engine.Forget(ctx, engine.ForgetRequest{ContactID: contactID, ConversationIDs: []string{"c1"}}))
	_, err = h.Engine.Session(ctx, "c1")
	assert.ErrorIs(t, err, engine.ErrUnknownConversation)
	_, err = h.Stores.Contacts.Contact(ctx, contactID)
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, err = h.Stores.Contacts.ContactByEmail(ctx, "ria@example.com")
	assert.ErrorIs(t, err, store.ErrNotFound)
	hist, _ := h.Engine.ConsentHistory(ctx, contactID)
	assert.Empty(t, hist)
	byVisitor, _ := h.Stores.Consent.ForVisitor(ctx, "c1")
	assert.Empty(t, byVisitor)
	st, _ := subs.State(ctx, contactID, "newsletter")
	assert.Equal(t, store.NotOptedInOrOut, st)
}

func TestOptedOutIsNeverSilentlyOptedIn(t *testing.T) {
	ctx := context.Background()
	subs := memory.NewSubscriptions()
	require.NoError(t, subs.SetState(ctx, "c", "newsletter", store.OptedOut, true))
	assert.Error(t, subs.SetState(ctx, "c", "newsletter", store.OptedIn, false))
	st, _ := subs.State(ctx, "c", "newsletter")
	assert.Equal(t, store.OptedOut, st)
}

func TestConsentPolicyErrors(t *testing.T) {
	_, err := loadFlow([]byte(`{"id":"f","version":1,"welcome":{"message":["hi"]},
		"consent":{"dataProcessing":{"basis":"vibes"},"communication":{"enabled":true}},
		"actions":[{"name":"a","type":"send_message","settings":{"message":["x"]}}]}`))
	var paths []string
	for _, p := range condition.Problems(err) {
		paths = append(paths, p.Path)
	}
	assert.ElementsMatch(t, []string{"consent.dataProcessing.basis", "consent.communication.subscriptionType"}, paths)
	_, err = loadFlow([]byte(`{"id":"f","version":1,"welcome":{"message":["hi"]},"consent":{"cookie":{}},
		"actions":[{"name":"a","type":"send_message","settings":{"message":["x"]}}]}`))
	assert.ErrorContains(t, err, "consent.cookie")

	// The default policy records consent, so a consent store is required
	// up front rather than at the first Load.
	cfg := withMemory(engine.Config{})
	cfg.Stores.Consent = nil
	_, err = engine.New(cfg)
	assert.ErrorIs(t, err, engine.ErrInvalidConfig)
	assert.ErrorContains(t, err, "Stores.Consent")

	e, err := engine.New(withMemory(engine.Config{}))
	require.NoError(t, err)
	_, err = e.Load([]byte(`{"id":"f","version":1,"welcome":{"message":["hi"]},
		"consent":{"communication":{"enabled":true,"subscriptionType":"news"}},
		"actions":[{"name":"a","type":"send_message","settings":{"message":["x"]}}]}`))
	assert.ErrorIs(t, err, builtin.ErrMissingPort, "consent to communicate needs a subscriptions store")
}
