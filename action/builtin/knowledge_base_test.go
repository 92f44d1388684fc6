package builtin

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/store"
	"github.com/stretchr/testify/assert"
	must "github.com/stretchr/testify/require"
)

// kbStub is a knowledge base that returns fixed answers and records the
// search it was asked for.
type kbStub struct {
	articles map[string]store.Article
	results  []store.Article
	err      error
	searches int
	query    string
	opts     store.SearchOptions
}

func (s *kbStub) Article(_ context.Context, id string) (store.Article, error) {
	if s.err != nil {
		return store.Article{}, s.err
	}
	a, ok := s.articles[id]
	if !ok {
		return store.Article{}, store.ErrNotFound
	}
	return a, nil
}

func (s *kbStub) Search(_ context.Context, q string, opts store.SearchOptions) ([]store.Article, error) {
	s.searches++
	s.query, s.opts = q, opts
	return s.results, s.err
}

// loadKB loads a knowledge-base action backed by kb.
func loadKB(t *testing.T, settings string, kb store.KnowledgeBase) (*KnowledgeBase, *fakeProvision) {
	t.Helper()
	return mustLoad[*KnowledgeBase](t, KnowledgeBaseType, settings, store.Stores{KnowledgeBase: kb}, Ports{})
}

// anonymous and identified return turns of a known contact whom the host
// did not, or did, identify.
func anonymous() *fakeTurn { return newFakeTurn() }

func identified() *fakeTurn {
	t := newFakeTurn()
	t.session.Identified = true
	return t
}

func TestKnowledgeBaseProvision(t *testing.T) {
	kb := store.Stores{KnowledgeBase: &kbStub{}}
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
		_, _, err := load(t, KnowledgeBaseType, tc.settings, kb, Ports{})
		assert.Equal(t, tc.path, problem(t, err).Path, "%s: %v", tc.settings, err)
	}
	for _, ok := range []string{
		`{"prompt":["What are you looking for?"]}`,
		`{"prompt":["?"],"limit":10,"resultsMessage":["Try these:"],"noResultsMessage":["Nothing."]}`,
		`{"prompt":["?"],"limit":1}`,
		`{"articleId":"a","resultsMessage":["See:"],"noResultsMessage":["Log in to read it."]}`,
	} {
		_, _, err := load(t, KnowledgeBaseType, ok, kb, Ports{})
		assert.NoError(t, err, ok)
	}

	// Without a knowledge base the flow does not load, in either mode.
	for _, settings := range []string{`{"prompt":["?"]}`, `{"articleId":"a"}`} {
		_, _, err := load(t, KnowledgeBaseType, settings, store.Stores{}, Ports{})
		assert.ErrorIs(t, err, ErrMissingPort, settings)
		assert.Equal(t, "", problem(t, err).Path)
		assert.Contains(t, err.Error(), "Stores.KnowledgeBase")
	}
}

func TestKnowledgeBaseModes(t *testing.T) {
	search, sp := loadKB(t, `{"prompt":["?"]}`, &kbStub{})
	_, ap := loadKB(t, `{"articleId":"a"}`, &kbStub{})
	assert.True(t, sp.waits, "a search always waits for the question")
	assert.False(t, ap.waits, "a specific article is shown without asking")
	assert.False(t, sp.choosesNext)
	assert.Empty(t, sp.refs)
	assert.Equal(t, DefaultArticleLimit, search.limit())

	// Settings survive the loader's canonical re-encoding.
	b, err := json.Marshal(search)
	must.NoError(t, err)
	assert.JSONEq(t, `{"prompt":["?"]}`, string(b))
}

func TestKnowledgeBaseSearchFiltersDefensively(t *testing.T) {
	// A knowledge base that ignores IncludeRestricted and the limit.
	kb := &kbStub{results: []store.Article{
		{ID: "r", Title: "Secret", URL: "https://kb.example/r", Restricted: true},
		{ID: "p1", Title: "Public one", URL: "https://kb.example/p1"},
		{ID: "p2", Title: "Public two", URL: "https://kb.example/p2"},
		{ID: "p3", Title: "Public three", URL: "https://kb.example/p3"},
	}}
	a, _ := loadKB(t, `{"prompt":["Search, {{ contact.firstname }}?"],"limit":2}`, kb)
	tt := anonymous()
	tt.state = []byte("stale")
	res, err := a.Run(context.Background(), tt)
	must.NoError(t, err)
	assert.Equal(t, action.Wait, res.Status)
	assert.Equal(t, 1, tt.prompts)
	assert.True(t, tt.freeText)
	assert.Empty(t, tt.quick)
	assert.Equal(t, []string{"Search, Ada?"}, tt.texts())
	assert.Nil(t, tt.state, "a new question starts afresh")
	assert.Zero(t, kb.searches, "nothing is searched before the visitor asks")

	tt.clearOutput()
	res, err = a.Answer(context.Background(), tt, action.Input{Text: "  public  "})
	must.NoError(t, err)
	assert.Equal(t, action.Done, res.Status)
	assert.Equal(t, "public", kb.query)
	assert.Equal(t, store.SearchOptions{Limit: 2, IncludeRestricted: false}, kb.opts)
	assert.Equal(t, []string{"Public one <https://kb.example/p1>", "Public two <https://kb.example/p2>"}, tt.texts())
	must.NotNil(t, tt.answer)
	assert.Equal(t, "public", *tt.answer)
	assert.Equal(t, []action.Event{
		{Type: EventAnswerAccepted, Value: "public"},
		{Type: EventArticlesShown, Value: "p1,p2"},
	}, tt.events)

	// An identified visitor asks for restricted articles and sees them.
	tt = identified()
	_, err = a.Answer(context.Background(), tt, action.Input{Text: "public"})
	must.NoError(t, err)
	assert.True(t, kb.opts.IncludeRestricted)
	assert.Equal(t, []string{"Secret <https://kb.example/r>", "Public one <https://kb.example/p1>"}, tt.texts())

	// A clicked quick reply is a query too.
	tt = anonymous()
	_, err = a.Answer(context.Background(), tt, action.Input{QuickReply: "billing"})
	must.NoError(t, err)
	assert.Equal(t, "billing", kb.query)
}

func TestKnowledgeBaseDefaultLimit(t *testing.T) {
	var arts []store.Article
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		arts = append(arts, store.Article{ID: id, Title: "Article " + id, URL: "https://kb.example/" + id})
	}
	kb := &kbStub{results: arts}
	a, _ := loadKB(t, `{"prompt":["?"],"resultsMessage":["These may help:"]}`, kb)
	tt := anonymous()
	_, err := a.Answer(context.Background(), tt, action.Input{Text: "article"})
	must.NoError(t, err)
	assert.Equal(t, DefaultArticleLimit, kb.opts.Limit)
	assert.Equal(t, []string{"These may help:", "Article a <https://kb.example/a>", "Article b <https://kb.example/b>", "Article c <https://kb.example/c>"}, tt.texts())
}

func TestKnowledgeBaseTitlesAreNotTemplates(t *testing.T) {
	kb := &kbStub{results: []store.Article{
		{ID: "x", Title: "Use {{ contact.email }} here", URL: "https://kb.example/x"},
		{ID: "y", Title: "  ", URL: "https://kb.example/y"},
	}}
	a, _ := loadKB(t, `{"prompt":["?"]}`, kb)
	tt := anonymous()
	_, err := a.Answer(context.Background(), tt, action.Input{Text: "email"})
	must.NoError(t, err)
	must.Len(t, tt.bubbles, 2)
	assert.Nil(t, tt.bubbles[0].Template(), "an article title must not be rendered as a template")
	assert.Equal(t, action.TextBubble, tt.bubbles[0].Type)
	assert.Equal(t, []string{"Use {{ contact.email }} here <https://kb.example/x>", "https://kb.example/y <https://kb.example/y>"}, tt.texts(),
		"a title is shown as written; a blank one gives way to the URL")
}

func TestKnowledgeBaseNoResults(t *testing.T) {
	kb := &kbStub{results: []store.Article{{ID: "r", Title: "Secret", Restricted: true}}}
	custom, _ := loadKB(t, `{"prompt":["?"],"resultsMessage":["Try:"],"noResultsMessage":["Nothing found, {{ contact.firstname }}."]}`, kb)
	plain, _ := loadKB(t, `{"prompt":["?"]}`, kb)

	tt := anonymous()
	res, err := custom.Answer(context.Background(), tt, action.Input{Text: "secret"})
	must.NoError(t, err)
	assert.Equal(t, action.Done, res.Status)
	assert.Equal(t, []string{"Nothing found, Ada."}, tt.texts(), "a restricted-only result is no result for an anonymous visitor")
	assert.Equal(t, []action.Event{{Type: EventAnswerAccepted, Value: "secret"}}, tt.events, "no articles shown")

	tt = anonymous()
	_, err = plain.Answer(context.Background(), tt, action.Input{Text: "secret"})
	must.NoError(t, err)
	assert.Equal(t, []string{"Sorry, I couldn't find any articles about that."}, tt.texts())

	// An empty answer finds nothing without asking the knowledge base.
	searches := kb.searches
	tt = anonymous()
	res, err = custom.Answer(context.Background(), tt, action.Input{Text: "   "})
	must.NoError(t, err)
	assert.Equal(t, action.Done, res.Status)
	assert.Equal(t, searches, kb.searches)
	assert.Equal(t, []string{"Nothing found, Ada."}, tt.texts())
	must.NotNil(t, tt.answer)
	assert.Equal(t, "", *tt.answer)
}

// A knowledge base that is down is the host's failure (an error, for the
// host to retry); an article that does not exist is the flow's (Fail).
func TestKnowledgeBaseErrors(t *testing.T) {
	down := errors.New("kb down")
	kb := &kbStub{err: down}
	search, _ := loadKB(t, `{"prompt":["?"],"noResultsMessage":["Nothing."]}`, kb)
	article, _ := loadKB(t, `{"articleId":"a","resultsMessage":["See:"]}`, kb)
	ctx := context.Background()

	tt := anonymous()
	_, err := search.Answer(ctx, tt, action.Input{Text: "help"})
	assert.ErrorIs(t, err, down)
	assert.Empty(t, tt.said)

	tt = anonymous()
	_, err = article.Run(ctx, tt)
	assert.ErrorIs(t, err, down)
	assert.Empty(t, tt.said)
	assert.Empty(t, tt.events)
	var res action.Result

	// An unknown article fails the same way.
	missing, _ := loadKB(t, `{"articleId":"gone","resultsMessage":["See:"]}`, &kbStub{})
	tt = identified()
	res, err = missing.Run(ctx, tt)
	must.NoError(t, err)
	assert.Equal(t, action.Fail, res.Status)
	assert.Contains(t, res.Reason, `"gone"`)
	assert.ErrorIs(t, res.Err, store.ErrNotFound)
	assert.Empty(t, tt.said)

	// A specific-article action never takes an answer.
	tt = anonymous()
	res, err = article.Answer(ctx, tt, action.Input{Text: "x"})
	must.NoError(t, err)
	assert.Equal(t, action.Fail, res.Status)
	assert.Empty(t, tt.said)
}

func TestKnowledgeBaseSpecificArticle(t *testing.T) {
	kb := &kbStub{articles: map[string]store.Article{
		"a":   {ID: "a", Title: "Partner pricing", URL: "https://kb.example/a", Restricted: true},
		"pub": {ID: "pub", Title: "Opening hours", URL: "https://kb.example/pub"},
	}}
	a, _ := loadKB(t, `{"articleId":"a","resultsMessage":["See:"],"noResultsMessage":["Log in to read it."]}`, kb)
	bare, _ := loadKB(t, `{"articleId":"a"}`, kb)
	public, _ := loadKB(t, `{"articleId":"pub"}`, kb)
	ctx := context.Background()

	tt := anonymous()
	res, err := a.Run(ctx, tt)
	must.NoError(t, err)
	assert.Equal(t, action.Skip, res.Status)
	assert.Contains(t, res.Reason, "restricted")
	assert.Equal(t, []string{"Log in to read it."}, tt.texts())
	assert.Empty(t, tt.events)

	tt = anonymous()
	res, err = bare.Run(ctx, tt)
	must.NoError(t, err)
	assert.Equal(t, action.Skip, res.Status)
	assert.Empty(t, tt.said)

	tt = identified()
	res, err = a.Run(ctx, tt)
	must.NoError(t, err)
	assert.Equal(t, action.Done, res.Status)
	assert.Equal(t, []string{"See:", "Partner pricing <https://kb.example/a>"}, tt.texts())
	assert.Equal(t, []action.Event{{Type: EventArticlesShown, Value: "a"}}, tt.events)
	assert.Nil(t, tt.answer, "nothing was asked")
	assert.Zero(t, tt.prompts)
	assert.Zero(t, kb.searches)

	// A public article needs no identification.
	tt = anonymous()
	res, err = public.Run(ctx, tt)
	must.NoError(t, err)
	assert.Equal(t, action.Done, res.Status)
	assert.Equal(t, []string{"Opening hours <https://kb.example/pub>"}, tt.texts())
}
