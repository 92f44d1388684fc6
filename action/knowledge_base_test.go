package action

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/chatflow/chatflow/condition"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kbTestTurn is the part of a Turn the knowledge-base action uses; any other
// method panics (through the nil embedded interface).
type kbTestTurn struct {
	Turn
	ports      *Ports
	identified bool
	said       []Bubble
	prompted   bool
	freeText   bool
	answer     *string
	events     []Event
}

func (t *kbTestTurn) Say(m Messages)     { t.said = append(t.said, m...) }
func (t *kbTestTurn) SetState([]byte)    {}
func (t *kbTestTurn) Ports() *Ports      { return t.ports }
func (t *kbTestTurn) Identified() bool   { return t.identified }
func (t *kbTestTurn) Emit(e Event)       { t.events = append(t.events, e) }
func (t *kbTestTurn) SetAnswer(v string) { t.answer = &v }
func (t *kbTestTurn) Prompt(qrs []QuickReply, freeText bool) {
	t.prompted, t.freeText = true, freeText
}

// texts returns what was said; bubbles with a URL as "text <url>".
func (t *kbTestTurn) texts() []string {
	out := make([]string, len(t.said))
	for i, b := range t.said {
		out[i] = b.Text
		if b.URL != "" {
			out[i] += " <" + b.URL + ">"
		}
	}
	return out
}

// kbStubPort is a knowledge base that returns fixed answers and records
// the search options it was given.
type kbStubPort struct {
	articles map[string]Article
	results  []Article
	err      error
	opts     *SearchOptions
	query    string
}

func (s *kbStubPort) Article(_ context.Context, id string) (Article, error) {
	if s.err != nil {
		return Article{}, s.err
	}
	a, ok := s.articles[id]
	if !ok {
		return Article{}, errors.New("not found")
	}
	return a, nil
}

func (s *kbStubPort) Search(_ context.Context, q string, opts SearchOptions) ([]Article, error) {
	s.query, s.opts = q, &opts
	return s.results, s.err
}

// kbProvisioned decodes settings like the loader and provisions them.
func kbProvisioned(t *testing.T, settings string) (*KnowledgeBase, error) {
	t.Helper()
	env, err := condition.NewEnv()
	require.NoError(t, err)
	dec := json.NewDecoder(strings.NewReader(settings))
	dec.DisallowUnknownFields()
	a := new(KnowledgeBase)
	require.NoError(t, dec.Decode(a))
	return a, a.Provision(&Provision{Env: env, ActionName: "kb", Language: "en"})
}

func TestKnowledgeBaseProvision(t *testing.T) {
	for _, tc := range []struct {
		settings, path string
	}{
		{`{}`, "prompt"},
		{`{"articleId":"a","prompt":["?"]}`, "articleId"},
		{`{"articleId":" a"}`, "articleId"},
		{`{"articleId":"a","limit":2}`, "limit"},
		{`{"prompt":["?"],"limit":11}`, "limit"},
		{`{"prompt":["?"],"limit":-1}`, "limit"},
		{`{"prompt":[""]}`, "prompt[0]"},
		{`{"prompt":["?"],"resultsMessage":["{{ nope("]}`, "resultsMessage[0]"},
		{`{"prompt":["?"],"noResultsMessage":[{"type":"image"}]}`, "noResultsMessage[0].url"},
	} {
		_, err := kbProvisioned(t, tc.settings)
		var se *SettingError
		if assert.ErrorAs(t, err, &se, tc.settings) {
			assert.Equal(t, tc.path, se.Path, tc.settings)
		}
	}
	for _, ok := range []string{
		`{"prompt":["What are you looking for?"]}`,
		`{"prompt":["?"],"limit":10,"resultsMessage":["Try these:"],"noResultsMessage":["Nothing."]}`,
		`{"articleId":"a","resultsMessage":["See:"],"noResultsMessage":["Log in to read it."]}`,
	} {
		_, err := kbProvisioned(t, ok)
		assert.NoError(t, err, ok)
	}
}

func TestKnowledgeBaseModes(t *testing.T) {
	search, err := kbProvisioned(t, `{"prompt":["?"]}`)
	require.NoError(t, err)
	article, err := kbProvisioned(t, `{"articleId":"a"}`)
	require.NoError(t, err)
	assert.True(t, search.AlwaysWaits())
	assert.False(t, article.AlwaysWaits())
	assert.Equal(t, []Port{PortKnowledgeBase}, search.Ports())
	assert.Equal(t, []Port{PortKnowledgeBase}, article.Ports())
	assert.Equal(t, DefaultArticleLimit, search.limit())

	// Settings survive the loader's canonical re-encoding.
	b, err := json.Marshal(search)
	require.NoError(t, err)
	assert.JSONEq(t, `{"prompt":["?"]}`, string(b))
}

func TestKnowledgeBaseSearchFiltersDefensively(t *testing.T) {
	a, err := kbProvisioned(t, `{"prompt":["Search?"],"limit":2}`)
	require.NoError(t, err)
	// A port that ignores IncludeRestricted and the limit.
	port := &kbStubPort{results: []Article{
		{ID: "r", Title: "Secret", URL: "https://kb.example/r", Restricted: true},
		{ID: "p1", Title: "Public one", URL: "https://kb.example/p1"},
		{ID: "p2", Title: "Public two", URL: "https://kb.example/p2"},
		{ID: "p3", Title: "Public three", URL: "https://kb.example/p3"},
	}}
	tt := &kbTestTurn{ports: &Ports{KnowledgeBase: port}}
	res, err := a.Run(context.Background(), tt)
	require.NoError(t, err)
	assert.Equal(t, Wait, res.Status)
	assert.True(t, tt.prompted && tt.freeText)
	assert.Equal(t, []string{"Search?"}, tt.texts())

	tt.said = nil
	res, err = a.Answer(context.Background(), tt, Input{Text: "  public  "})
	require.NoError(t, err)
	assert.Equal(t, Done, res.Status)
	assert.Equal(t, "public", port.query)
	assert.Equal(t, SearchOptions{Limit: 2, IncludeRestricted: false}, *port.opts)
	assert.Equal(t, []string{"Public one <https://kb.example/p1>", "Public two <https://kb.example/p2>"}, tt.texts())
	require.NotNil(t, tt.answer)
	assert.Equal(t, "public", *tt.answer)
	require.Len(t, tt.events, 2)
	assert.Equal(t, EventAnswerAccepted, tt.events[0].Type)
	assert.Equal(t, Event{Type: EventArticlesShown, Value: "p1,p2"}, tt.events[1])

	// An identified visitor asks for restricted articles and sees them.
	tt = &kbTestTurn{ports: &Ports{KnowledgeBase: port}, identified: true}
	_, err = a.Answer(context.Background(), tt, Input{Text: "public"})
	require.NoError(t, err)
	assert.True(t, port.opts.IncludeRestricted)
	assert.Equal(t, []string{"Secret <https://kb.example/r>", "Public one <https://kb.example/p1>"}, tt.texts())
}

func TestKnowledgeBaseTitlesAreNotTemplates(t *testing.T) {
	a, err := kbProvisioned(t, `{"prompt":["?"]}`)
	require.NoError(t, err)
	port := &kbStubPort{results: []Article{{ID: "x", Title: "Use {{ contact.email }} here", URL: "https://kb.example/x"}}}
	tt := &kbTestTurn{ports: &Ports{KnowledgeBase: port}}
	_, err = a.Answer(context.Background(), tt, Input{Text: "email"})
	require.NoError(t, err)
	require.Len(t, tt.said, 1)
	assert.Nil(t, tt.said[0].Template(), "an article title must not be rendered as a template")
	assert.Equal(t, TextBubble, tt.said[0].Type)
}

func TestKnowledgeBaseNoResults(t *testing.T) {
	custom, err := kbProvisioned(t, `{"prompt":["?"],"resultsMessage":["Try:"],"noResultsMessage":["Nothing found."]}`)
	require.NoError(t, err)
	plain, err := kbProvisioned(t, `{"prompt":["?"]}`)
	require.NoError(t, err)
	port := &kbStubPort{results: []Article{{ID: "r", Title: "Secret", Restricted: true}}}

	tt := &kbTestTurn{ports: &Ports{KnowledgeBase: port}}
	res, err := custom.Answer(context.Background(), tt, Input{Text: "secret"})
	require.NoError(t, err)
	assert.Equal(t, Done, res.Status)
	assert.Equal(t, []string{"Nothing found."}, tt.texts(), "a restricted-only result is no result for an anonymous visitor")

	tt = &kbTestTurn{ports: &Ports{KnowledgeBase: port}}
	_, err = plain.Answer(context.Background(), tt, Input{Text: "secret"})
	require.NoError(t, err)
	assert.Equal(t, []string{defaultNoResultsMessage[0].Text}, tt.texts())

	// An empty answer finds nothing without asking the port.
	port.query = "untouched"
	tt = &kbTestTurn{ports: &Ports{KnowledgeBase: port}}
	_, err = custom.Answer(context.Background(), tt, Input{Text: "   "})
	require.NoError(t, err)
	assert.Equal(t, "untouched", port.query)
	assert.Equal(t, []string{"Nothing found."}, tt.texts())
}

func TestKnowledgeBaseErrorsFail(t *testing.T) {
	search, err := kbProvisioned(t, `{"prompt":["?"],"noResultsMessage":["Nothing."]}`)
	require.NoError(t, err)
	article, err := kbProvisioned(t, `{"articleId":"a","resultsMessage":["See:"]}`)
	require.NoError(t, err)
	port := &kbStubPort{err: errors.New("kb down")}
	ctx := context.Background()

	tt := &kbTestTurn{ports: &Ports{KnowledgeBase: port}}
	res, err := search.Answer(ctx, tt, Input{Text: "help"})
	require.NoError(t, err)
	assert.Equal(t, Fail, res.Status)
	assert.Contains(t, res.Reason, "kb down")
	assert.Empty(t, tt.said)
	assert.Empty(t, tt.events)

	tt = &kbTestTurn{ports: &Ports{KnowledgeBase: port}}
	res, err = article.Run(ctx, tt)
	require.NoError(t, err)
	assert.Equal(t, Fail, res.Status)
	assert.Contains(t, res.Reason, "kb down")
	assert.Empty(t, tt.said)
	assert.Empty(t, tt.events)

	// No port at all (the engine refuses such flows, but never panic).
	for _, p := range []*Ports{nil, {}} {
		tt = &kbTestTurn{ports: p}
		res, err = search.Answer(ctx, tt, Input{Text: "help"})
		require.NoError(t, err)
		assert.Equal(t, Fail, res.Status)
		res, err = article.Run(ctx, tt)
		require.NoError(t, err)
		assert.Equal(t, Fail, res.Status)
	}

	// A specific-article action never takes an answer.
	res, err = article.Answer(ctx, &kbTestTurn{}, Input{Text: "x"})
	require.NoError(t, err)
	assert.Equal(t, Fail, res.Status)
}

func TestKnowledgeBaseSpecificArticle(t *testing.T) {
	a, err := kbProvisioned(t, `{"articleId":"a","resultsMessage":["See:"],"noResultsMessage":["Log in to read it."]}`)
	require.NoError(t, err)
	bare, err := kbProvisioned(t, `{"articleId":"a"}`)
	require.NoError(t, err)
	port := &kbStubPort{articles: map[string]Article{"a": {ID: "a", Title: "Partner pricing", URL: "https://kb.example/a", Restricted: true}}}
	ctx := context.Background()

	tt := &kbTestTurn{ports: &Ports{KnowledgeBase: port}}
	res, err := a.Run(ctx, tt)
	require.NoError(t, err)
	assert.Equal(t, Skip, res.Status)
	assert.Contains(t, res.Reason, "restricted")
	assert.Equal(t, []string{"Log in to read it."}, tt.texts())
	assert.Empty(t, tt.events)

	tt = &kbTestTurn{ports: &Ports{KnowledgeBase: port}}
	res, err = bare.Run(ctx, tt)
	require.NoError(t, err)
	assert.Equal(t, Skip, res.Status)
	assert.Empty(t, tt.said)

	tt = &kbTestTurn{ports: &Ports{KnowledgeBase: port}, identified: true}
	res, err = a.Run(ctx, tt)
	require.NoError(t, err)
	assert.Equal(t, Done, res.Status)
	assert.Equal(t, []string{"See:", "Partner pricing <https://kb.example/a>"}, tt.texts())
	assert.Equal(t, []Event{{Type: EventArticlesShown, Value: "a"}}, tt.events)
	assert.Nil(t, tt.answer, "nothing was asked")
}
