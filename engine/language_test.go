package engine_test

import (
	"strings"
	"testing"

	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/action/catalog"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// languageFlow says every kind of built-in text: a validation hint, yes and
// no labels with the privacy text, "no results" and the general error.
func languageFlow(lang, extra string) []byte {
	return []byte(`{"id":"lang","version":1,"language":"` + lang + `",` + extra + `
	  "welcome":{"message":["Hallo!"]},
	  "actions":[
	    {"name":"email","type":"ask_question","settings":{"message":["E-mail?"],"property":"email"}},
	    {"name":"offer","type":"offer_email_subscription","settings":{"message":["Nieuwsbrief?"],"subscriptionTypes":["news"],"showPrivacyText":true}},
	    {"name":"search","type":"knowledge_base","settings":{"prompt":["Vraag?"]}},
	    {"name":"size","type":"ask_question","settings":{"message":["Hoeveel?"],"quickReplies":[{"value":"1"},{"value":"2"}],"disableFreeText":true,"maxAttempts":1}}
	  ]}`)
}

// TestDutchFlowSpeaksDutch reproduces the report: an nl flow showed English
// defaults and Yes/No.
func TestDutchFlowSpeaksDutch(t *testing.T) {
	h := enginetest.New(t, languageFlow("nl", ""))
	c := h.Start("c")
	require.NotNil(t, c.Reply().Consent)
	assert.Equal(t, catalog.Text("nl", catalog.CookieConsent), c.Reply().Consent.Cookies.Text)
	assert.Equal(t, catalog.Text("nl", catalog.ProcessingConsent), c.Reply().Consent.DataProcessing.Text)
	c.Says("hoi").
		Says("ada@").ExpectBot("Dat lijkt geen e-mailadres. Probeer het opnieuw.").
		Says("ada@example.com").
		ExpectBot("Nieuwsbrief?", catalog.Text("nl", catalog.SubscriptionPrivacy))
	assert.Equal(t, []string{"Ja", "Nee"}, labels(c.Reply()))
	c.Says("nee").ExpectBot("Vraag?").
		Says("iets zonder resultaat").ExpectBot("Sorry, ik kon daar geen artikelen over vinden.", "Hoeveel?").
		Says("drie").ExpectBot("Sorry, er ging iets mis. Probeer het later opnieuw.").
		ExpectStatus(engine.StatusEnded)
	assert.Equal(t, "Sorry, er ging iets mis. Probeer het later opnieuw.", h.Flow.Options().GeneralErrorMessage)
}

func labels(r *engine.Reply) []string {
	var out []string
	for _, q := range r.QuickReplies {
		out = append(out, q.Label)
	}
	return out
}

// TestRegionalTagFallsBack: nl-BE falls back to nl, pt-BR to pt, an
// unknown language to English.
func TestRegionalTagFallsBack(t *testing.T) {
	for lang, want := range map[string][]string{
		"nl-BE": {"Ja", "Nee"},
		"pt-BR": {"Sim", "Não"},
		"de-AT": {"Ja", "Nein"},
		"fr-CA": {"Oui", "Non"},
		"es-MX": {"Sí", "No"},
		"sv":    {"Yes", "No"},
		"en":    {"Yes", "No"},
	} {
		h := enginetest.New(t, languageFlow(lang, ""))
		c := h.Start("c").Says("hi").Says("ada@example.com")
		assert.Equal(t, want, labels(c.Reply()), lang)
	}
}

// TestTextsOverriddenPerHostAndPerFlow: the flow's "texts" beat the host's
// catalogue, which beats the built-in one for its language; the host's
// English does not hide the built-in Dutch.
func TestTextsOverriddenPerHostAndPerFlow(t *testing.T) {
	host := catalog.Catalog{
		"nl":    {catalog.Yes: "Graag", catalog.NoResults: "Niets gevonden."},
		"en":    {catalog.No: "Nope"},
		"nl-be": {catalog.No: "Neen"},
	}
	cfg := engine.Config{Texts: host}
	h := enginetest.NewWith(t, cfg, languageFlow("nl", `"texts":{"yes":"Zeker","invalid_email":"Geen geldig adres."},`))
	host["nl"][catalog.NoResults] = "changed after New" // the engine keeps a copy
	c := h.Start("c").Says("hi").Says("x").ExpectBot("Geen geldig adres.").Says("ada@example.com")
	assert.Equal(t, []string{"Zeker", "Nee"}, labels(c.Reply()))
	c.Says("nee").Says("niets").ExpectBot("Niets gevonden.", "Hoeveel?")

	hb := enginetest.NewWith(t, cfg, languageFlow("nl-BE", ""))
	c = hb.Start("c").Says("hi").Says("ada@example.com")
	assert.Equal(t, []string{"Graag", "Neen"}, labels(c.Reply()))

	// A flow's canonical form keeps its texts.
	assert.Equal(t, "Zeker", h.Flow.Definition().Texts[catalog.Yes])
}

// TestSettingsBeatTheCatalogue: texts the flow sets in an action are said
// as written, whatever the language.
func TestSettingsBeatTheCatalogue(t *testing.T) {
	flow := `{"id":"f","version":1,"language":"de","welcome":{"message":["Hallo"]},
	  "options":{"generalErrorMessage":"Kaputt."},
	  "consent":{"cookies":{"text":"Kekse?"}},
	  "actions":[{"name":"a","type":"ask_question","settings":{"message":["E-Mail?"],"property":"email","errorMessage":["Bitte eine E-Mail."],"maxAttempts":2}}]}`
	h := enginetest.New(t, []byte(flow))
	c := h.Start("c")
	assert.Equal(t, "Kekse?", c.Reply().Consent.Cookies.Text)
	assert.Equal(t, catalog.Text("de", catalog.ProcessingConsent), c.Reply().Consent.DataProcessing.Text)
	c.Says("hi").Says("x").ExpectBot("Bitte eine E-Mail.").Says("y").ExpectBot("Kaputt.")
}

// TestValidationHintsByPropertyType: without an error message, a rejected
// answer gets the hint of its property's type in the flow's language.
func TestValidationHintsByPropertyType(t *testing.T) {
	schema := condition.DefaultSchema()
	for _, tc := range []struct {
		lang, property, answer string
		key                    catalog.Key
	}{
		{"fr", "email", "pas une adresse", catalog.InvalidEmail},
		{"de", "phone", "abc", catalog.InvalidPhone},
		{"es", "website", "no es una web", catalog.InvalidURL},
		{"pt", "date_of_birth", "ontem", catalog.InvalidDate},
		{"nl", "", "drie", catalog.InvalidChoice},
	} {
		settings := `"message":["?"]`
		if tc.property != "" {
			settings += `,"property":"` + tc.property + `"`
		} else {
			settings += `,"quickReplies":[{"value":"1"},{"value":"2"}],"disableFreeText":true`
		}
		flow := `{"id":"f","version":1,"language":"` + tc.lang + `","welcome":{"message":["Hi"]},
		  "actions":[{"name":"a","type":"ask_question","settings":{` + settings + `}}]}`
		h := enginetest.NewWith(t, engine.Config{Schema: schema}, []byte(flow))
		h.Start("c").Says("hi").Says(tc.answer).ExpectBot(catalog.Text(tc.lang, tc.key)).ExpectEvent(builtin.EventAnswerRejected)
	}
}

func TestUnknownFlowTextIsALoadError(t *testing.T) {
	_, err := loadFlow(languageFlow("nl", `"texts":{"yse":"Ja"},`))
	require.ErrorIs(t, err, engine.ErrInvalidFlow)
	probs := condition.Problems(err)
	require.Len(t, probs, 1)
	assert.Equal(t, "texts.yse", probs[0].Path)
	assert.True(t, strings.Contains(probs[0].Msg, `unknown text "yse"`), probs[0].Msg)

	// A key the host's catalogue defines is known.
	e, err := engine.New(engine.Config{Stores: memory.New(), Texts: catalog.Catalog{"en": {"greeting": "Hello"}}})
	require.NoError(t, err)
	_, err = e.Load(languageFlow("nl", `"texts":{"greeting":"Hallo"},`))
	assert.NoError(t, err)
}
