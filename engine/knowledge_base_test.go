package engine_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kbArticles is the help center the knowledge-base tests search.
var kbArticles = []store.Article{
	{ID: "reset-password", Title: "Reset your password", Subtitle: "Forgot your password? Choose a new one in two minutes.",
		Category: "Account", Subcategory: "Signing in", Tags: []string{"password", "login"},
		Body: "Click Forgot password on the sign-in page and follow the link we email you.",
		URL:  "https://help.example.com/reset-password"},
	{ID: "two-factor", Title: "Turn on two-factor authentication", Subtitle: "Protect your account with a second step.",
		Category: "Account", Subcategory: "Security", Tags: []string{"security", "login"},
		Body: "After your password, enter the code from your authenticator app.",
		URL:  "https://help.example.com/two-factor"},
	{ID: "invoices", Title: "Download your invoices", Category: "Billing", Tags: []string{"invoice"},
		Body: "Invoices are under Settings, Billing. Each invoice is a PDF.",
		URL:  "https://help.example.com/invoices"},
	{ID: "refunds", Title: "Ask for a refund", Category: "Billing",
		Body: "Refunds go back to the card you paid with within ten days.",
		URL:  "https://help.example.com/refunds"},
	{ID: "partner-pricing", Title: "Partner pricing and discounts", Category: "Billing", Subcategory: "Partners",
		Body: "Partners get a discount on every invoice.", Restricted: true,
		URL: "https://help.example.com/partners/pricing"},
}

// kbSearchFlow searches, offers to search again, and says goodbye. A
// knowledge-base failure leads to "sorry".
const kbSearchFlow = `{"id":"help","version":1,
	"welcome":{"message":["Hi! I can find help articles for you."]},
	"options":{"generalErrorMessage":"Oops."},
	"actions":[
		{"name":"search","type":"knowledge_base","onFailure":"sorry","settings":{
			"prompt":["What are you looking for?"],
			"resultsMessage":["These articles may help:"],
			"noResultsMessage":["Sorry, I found nothing about “{{ answers.search }}”."],
			"limit":2}},
		{"name":"again","type":"ask_question","settings":{
			"message":["Search again?"],
			"quickReplies":[{"value":"yes","label":"Yes","next":"search"},{"value":"no","label":"No"}],
			"disableFreeText":true}},
		{"name":"bye","type":"send_message","settings":{"message":["Bye!"]},"end":true},
		{"name":"sorry","type":"send_message","settings":{"message":["The help center is unavailable right now."]},"end":true}
	]}`

// kbArticleFlow shows one article; an unknown article leads to "missing".
const kbArticleFlow = `{"id":"article","version":1,
	"welcome":{"message":["Hi!"]},
	"actions":[
		{"name":"show","type":"knowledge_base","onFailure":"missing","settings":{
			"articleId":"partner-pricing",
			"resultsMessage":["Here are our partner terms:"],
			"noResultsMessage":["Please log in to see partner pricing."]}},
		{"name":"bye","type":"send_message","settings":{"message":["Anything else?"]},"end":true},
		{"name":"missing","type":"send_message","settings":{"message":["That article is gone."]},"end":true}
	]}`

// kbHarness runs flow with kb as the knowledge-base port.
func kbHarness(t testing.TB, flow string, kb store.KnowledgeBase) *enginetest.Harness {
	t.Helper()
	return enginetest.NewWith(t, (&testPorts{KnowledgeBase: kb}).config(), []byte(flow))
}

// kbHelpCenter returns a memory knowledge base holding kbArticles.
func kbHelpCenter(t testing.TB) *memory.KnowledgeBase {
	t.Helper()
	kb := memory.NewKnowledgeBase()
	require.NoError(t, kb.Add(kbArticles...))
	return kb
}

// kbIdentified starts a conversation for a visitor the host identified.
func kbIdentified(t testing.TB, h *enginetest.Harness, id string) *enginetest.Conversation {
	t.Helper()
	c, err := h.Stores.Contacts.CreateContact(context.Background(), store.Properties{"email": id + "@partner.example"})
	require.NoError(t, err)
	return h.StartWith(engine.StartRequest{ConversationID: id, ContactID: c.ID})
}

// kbURLs returns the URLs of the last reply's messages, "" for none.
func kbURLs(c *enginetest.Conversation) []string {
	var out []string
	for _, m := range c.Reply().Messages {
		out = append(out, m.URL)
	}
	return out
}

func TestKnowledgeBaseSearch(t *testing.T) {
	h := kbHarness(t, kbSearchFlow, kbHelpCenter(t))
	c := h.Start("anon").
		ExpectBot("Hi! I can find help articles for you.").
		Says("hello").
		ExpectBot("What are you looking for?").
		ExpectAwaiting("search").
		ExpectFreeText(true).
		Says("I forgot my password").
		ExpectBot("These articles may help:", "Reset your password", "Turn on two-factor authentication", "Search again?").
		ExpectEvent(builtin.EventAnswerAccepted, "search").
		ExpectEvent(builtin.EventArticlesShown, "search").
		ExpectEvent(engine.EventActionCompleted, "search").
		ExpectQuickReplies("yes", "no")
	assert.Equal(t, []string{"", "https://help.example.com/reset-password", "https://help.example.com/two-factor", ""}, kbURLs(c))
	for _, m := range c.Reply().Messages[1:3] {
		assert.Equal(t, action.TextBubble, m.Type)
	}
	for _, e := range c.Reply().Events {
		if e.Type == builtin.EventArticlesShown {
			assert.Equal(t, "reset-password,two-factor", e.Value)
		}
	}

	c.Clicks("yes").
		ExpectBot("What are you looking for?").
		Says("Where is my invoice?").
		ExpectBot("These articles may help:", "Download your invoices", "Search again?").
		Clicks("yes").
		Says("partner discount").
		ExpectBot("Sorry, I found nothing about “partner discount”.", "Search again?").
		ExpectNoEvent(builtin.EventArticlesShown).
		Clicks("yes").
		Says("how do I").
		ExpectBot("Sorry, I found nothing about “how do I”.", "Search again?").
		Clicks("no").
		ExpectBot("Bye!").
		ExpectStatus(engine.StatusFinished).
		MatchGolden("testdata/knowledge-base.golden")

	s, err := h.Engine.Session(context.Background(), "anon")
	require.NoError(t, err)
	assert.Equal(t, "how do I", s.Answers["search"], "the last query is the action's answer")
}

func TestKnowledgeBaseRestrictedForIdentifiedVisitors(t *testing.T) {
	h := kbHarness(t, kbSearchFlow, kbHelpCenter(t))
	h.Start("anon").Says("hi").Says("partner discount").
		ExpectBot("Sorry, I found nothing about “partner discount”.", "Search again?")
	c := kbIdentified(t, h, "ada").Says("hi").Says("partner discount").
		ExpectBot("These articles may help:", "Partner pricing and discounts", "Search again?")
	assert.Equal(t, "https://help.example.com/partners/pricing", c.Reply().Messages[1].URL)
	// Restricted articles rank with the rest for an identified visitor.
	kbIdentified(t, h, "bo").Says("hi").Says("invoice").
		ExpectBot("These articles may help:", "Download your invoices", "Partner pricing and discounts", "Search again?")
}

func TestKnowledgeBaseSpecificArticle(t *testing.T) {
	h := kbHarness(t, kbArticleFlow, kbHelpCenter(t))
	h.Start("anon").Says("hi").
		ExpectBot("Please log in to see partner pricing.", "Anything else?").
		ExpectEvent(engine.EventActionSkipped, "show").
		ExpectNoEvent(builtin.EventArticlesShown).
		ExpectStatus(engine.StatusFinished)
	c := kbIdentified(t, h, "ada").Says("hi").
		ExpectBot("Here are our partner terms:", "Partner pricing and discounts", "Anything else?").
		ExpectEvent(builtin.EventArticlesShown, "show").
		ExpectEvent(engine.EventActionCompleted, "show").
		ExpectStatus(engine.StatusFinished)
	assert.Equal(t, "https://help.example.com/partners/pricing", c.Reply().Messages[1].URL)

	// The article was deleted from the help center: the failure path.
	kb := kbHelpCenter(t)
	require.True(t, kb.Remove("partner-pricing"))
	h = kbHarness(t, kbArticleFlow, kb)
	kbIdentified(t, h, "ada").Says("hi").
		ExpectBot("That article is gone.").
		ExpectEvent(engine.EventActionFailed, "show").
		ExpectStatus(engine.StatusFinished)
}

// kbFailing is a knowledge base that is down until up is set; it knows no
// article "gone".
type kbFailing struct{ up *atomic.Bool }

var errKBDown = errors.New("help center unreachable")

func (k kbFailing) Article(_ context.Context, id string) (store.Article, error) {
	if k.up == nil || !k.up.Load() {
		return store.Article{}, errKBDown
	}
	if id == "gone" {
		return store.Article{}, store.ErrNotFound
	}
	return store.Article{ID: id, Title: "Article " + id, URL: "https://help.example.com/" + id}, nil
}

func (k kbFailing) Search(context.Context, string, store.SearchOptions) ([]store.Article, error) {
	if k.up == nil || !k.up.Load() {
		return nil, errKBDown
	}
	return nil, nil
}

// A knowledge base that is down is the host's failure: the turn is not
// saved and the message can be retried; an article that does not exist is
// the flow's, and follows the failure path.
func TestKnowledgeBaseErrors(t *testing.T) {
	up := new(atomic.Bool)
	h := kbHarness(t, kbSearchFlow, kbFailing{up})
	c := h.Start("c1").Says("hi")
	c.Says("password")
	require.ErrorIs(t, c.Err(), errKBDown)
	c.Send(engine.Input{MessageID: "c1-m2", Text: "password"})
	require.ErrorIs(t, c.Err(), errKBDown, "still down, still not saved")
	up.Store(true)
	c.Send(engine.Input{MessageID: "c1-m2", Text: "password"}).ExpectOutcome(engine.OutcomeProcessed).
		ExpectEvent(builtin.EventAnswerAccepted, "search")

	noPath := `{"id":"f","version":1,"welcome":{"message":["Hi"]},"options":{"generalErrorMessage":"Oops."},
		"actions":[{"name":"show","type":"knowledge_base","settings":{"articleId":"gone"},"onFailure":"sorry"},
		           {"name":"bye","type":"send_message","settings":{"message":["Bye"]},"end":true},
		           {"name":"sorry","type":"send_message","settings":{"message":["That article is gone."]}}]}`
	h = kbHarness(t, noPath, kbFailing{up})
	h.Start("c2").Says("hi").ExpectBot("That article is gone.").ExpectEvent(engine.EventActionFailed, "show")
}

func TestKnowledgeBaseNeedsPort(t *testing.T) {
	e, err := engine.New(withMemory(engine.Config{}))
	require.NoError(t, err)
	_, err = e.Load([]byte(kbSearchFlow))
	assert.ErrorIs(t, err, builtin.ErrMissingPort)
}

func TestKnowledgeBaseSettingErrors(t *testing.T) {
	e, err := engine.New(withMemory((&testPorts{KnowledgeBase: memory.NewKnowledgeBase()}).config()))
	require.NoError(t, err)
	for settings, path := range map[string]string{
		`{}`:                               "actions[0].settings.prompt",
		`{"articleId":"a","prompt":["?"]}`: "actions[0].settings.articleId",
		`{"prompt":["?"],"limit":50}`:      "actions[0].settings.limit",
		`{"prompt":["?"],"noResultsMessage":[""]}`: "actions[0].settings.noResultsMessage[0]",
	} {
		_, err := e.Load([]byte(`{"id":"f","version":1,"welcome":{"message":["Hi"]},
			"actions":[{"name":"kb","type":"knowledge_base","settings":` + settings + `}]}`))
		var le *condition.Error
		if assert.ErrorAs(t, err, &le, settings) {
			assert.Equal(t, path, le.Path, settings)
		}
	}
}

func TestKnowledgeBaseSearchLoopWaits(t *testing.T) {
	// A search that leads back to itself always waits, so it is no loop.
	h := kbHarness(t, `{"id":"f","version":1,"welcome":{"message":["Hi"]},
		"actions":[{"name":"search","type":"knowledge_base","settings":{"prompt":["Search?"]},"next":"search"}]}`, kbHelpCenter(t))
	h.Start("c").Says("hi").ExpectAwaiting("search").
		Says("refund").ExpectBot("Ask for a refund", "Search?").ExpectAwaiting("search")
}
