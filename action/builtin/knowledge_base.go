package builtin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/catalog"
	"github.com/chatflow/chatflow/store"
)

// KnowledgeBaseType is the type name of KnowledgeBase in flow JSON.
const KnowledgeBaseType = "knowledge_base"

// The limits of KnowledgeBase.Limit.
const (
	// DefaultArticleLimit is how many search results are shown when the
	// settings do not say.
	DefaultArticleLimit = 3
	// MaxArticleLimit is the most search results an action may show.
	MaxArticleLimit = 10
)

// EventArticlesShown reports the knowledge-base articles a Knowledge base
// lookup showed; Value holds their IDs in the order shown, comma-separated.
const EventArticlesShown action.EventType = "articles_shown"

// KnowledgeBase is the Knowledge base lookup action (SPEC §3.8). It needs
// the knowledge-base store (Stores.KnowledgeBase) and works in one of two
// modes.
//
// Search: the action asks the visitor the Prompt question, waits, and
// searches the knowledge base with the answer. It shows ResultsMessage (if
// set) followed by up to Limit articles, best first, or NoResultsMessage when
// nothing matches; either way the action is then done. The visitor's query
// is recorded as the action's answer (answers.<action name>) and reported
// with an answer_accepted event; an empty answer finds nothing.
//
//	{"type": "knowledge_base", "settings": {
//	  "prompt": ["What can we help you with? Describe it in a few words."],
//	  "resultsMessage": ["These articles may help:"],
//	  "noResultsMessage": ["Sorry, I couldn't find an article about that."],
//	  "limit": 3}}
//
// Specific article: the action shows one article without asking anything.
// ResultsMessage, if set, introduces it.
//
//	{"type": "knowledge_base", "settings": {
//	  "articleId": "reset-password",
//	  "resultsMessage": ["This article explains how:"]}}
//
// Each article is sent as one text message whose Text is the article's
// title and whose URL is the article's address; a text message with a URL
// is a link, which hosts show as the title linked to the URL (a plain-text
// channel may append the URL to the title). The articles shown are
// reported with an EventArticlesShown event.
//
// Restricted articles are shown only to visitors the host identified
// (Session.Identified): searches ask the port to include them only for such
// visitors, and restricted results that come back anyway are dropped. In
// specific-article mode a restricted article and an anonymous visitor make
// the action skip (the reason says why) after saying NoResultsMessage, if
// the settings have one; the flow then goes on as usual.
//
// An unknown articleId (store.ErrNotFound) fails the action without saying
// anything, so the engine follows its failure path or shows the general
// error message. Any other knowledge-base error is returned: the engine
// saves nothing and the host retries the message.
type KnowledgeBase struct {
	// ArticleID selects specific-article mode: the ID of the article to show.
	ArticleID string `json:"articleId,omitempty"`
	// Prompt selects search mode: the question that asks the visitor what
	// to search for.
	Prompt action.Messages `json:"prompt,omitempty"`
	// ResultsMessage is said before the articles, if set.
	ResultsMessage action.Messages `json:"resultsMessage,omitempty"`
	// NoResultsMessage is said when a search finds nothing (search mode;
	// default the catalogue's "no results" text in the flow's language,
	// "Sorry, I couldn't find any articles about that."), or when
	// the article is restricted and the visitor is not identified
	// (specific-article mode; default nothing).
	NoResultsMessage action.Messages `json:"noResultsMessage,omitempty"`
	// Limit is the most articles a search shows, 1 to MaxArticleLimit; 0
	// means DefaultArticleLimit. Search mode only.
	Limit int `json:"limit,omitempty"`

	svc       *services
	noResults action.Messages // the catalogue's text, when NoResultsMessage is not set
}

// Provision checks that exactly one mode is selected. In search mode the
// action always waits for the visitor's question.
func (a *KnowledgeBase) Provision(p action.Provision) error {
	if err := require(p, a.svc.stores.KnowledgeBase != nil, "a knowledge base (Stores.KnowledgeBase)"); err != nil {
		return err
	}
	switch {
	case a.ArticleID != "" && len(a.Prompt) > 0:
		return p.Errorf("articleId", "set articleId (show one article) or prompt (search), not both")
	case a.ArticleID == "" && len(a.Prompt) == 0:
		return p.Errorf("prompt", "set prompt to search the knowledge base, or articleId to show one article")
	case a.ArticleID != "" && strings.TrimSpace(a.ArticleID) != a.ArticleID:
		return p.Errorf("articleId", "article ID %q has leading or trailing space", a.ArticleID)
	case a.ArticleID != "" && a.Limit != 0:
		return p.Errorf("limit", "limit applies to searches only, not to a specific article")
	case a.Limit < 0 || a.Limit > MaxArticleLimit:
		return p.Errorf("limit", "must be between 1 and %d, got %d", MaxArticleLimit, a.Limit)
	}
	if a.search() {
		p.Waits()
	}
	a.noResults = action.Messages{{Text: p.Text(catalog.NoResults)}}
	return nil
}

// search reports whether the action is in search mode.
func (a *KnowledgeBase) search() bool { return a.ArticleID == "" }

// limit returns the number of search results to show.
func (a *KnowledgeBase) limit() int {
	if a.Limit <= 0 {
		return DefaultArticleLimit
	}
	return min(a.Limit, MaxArticleLimit)
}

// Run asks the search question, or shows the specific article.
func (a *KnowledgeBase) Run(ctx context.Context, t action.Turn) (action.Result, error) {
	if a.search() {
		t.SetState(nil)
		t.Say(a.Prompt)
		t.Prompt(nil, true)
		return action.Result{Status: action.Wait}, nil
	}
	art, err := a.svc.stores.KnowledgeBase.Article(ctx, a.ArticleID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return action.Result{Status: action.Fail, Reason: fmt.Sprintf("knowledge base: no article %q", a.ArticleID), Err: err}, nil
		}
		return action.Result{}, fmt.Errorf("knowledge base: article %q: %w", a.ArticleID, err)
	}
	if art.Restricted && !t.Session().Identified {
		t.Say(a.NoResultsMessage)
		return action.Result{Status: action.Skip, Reason: fmt.Sprintf("article %q is restricted to identified visitors", a.ArticleID)}, nil
	}
	a.show(t, []store.Article{art})
	return action.Result{Status: action.Done}, nil
}

// Answer searches the knowledge base with the visitor's answer and shows
// the results.
func (a *KnowledgeBase) Answer(ctx context.Context, t action.Turn, in action.Input) (action.Result, error) {
	if !a.search() {
		// Specific-article mode never waits; an answer here means the flow
		// changed under a waiting session.
		return action.Result{Status: action.Fail, Reason: "a specific-article lookup takes no answer"}, nil
	}
	query := strings.TrimSpace(in.Value())
	t.SetAnswer(query)
	var found []store.Article
	if query != "" {
		identified := t.Session().Identified
		res, err := a.svc.stores.KnowledgeBase.Search(ctx, query, store.SearchOptions{Limit: a.limit(), IncludeRestricted: identified})
		if err != nil {
			return action.Result{}, fmt.Errorf("knowledge base: search: %w", err)
		}
		found = visibleArticles(res, identified, a.limit())
	}
	t.Emit(action.Event{Type: EventAnswerAccepted, Value: query})
	if len(found) == 0 {
		if len(a.NoResultsMessage) > 0 {
			t.Say(a.NoResultsMessage)
		} else {
			t.Say(a.noResults)
		}
		return action.Result{Status: action.Done}, nil
	}
	a.show(t, found)
	return action.Result{Status: action.Done}, nil
}

// show says the results message and the articles, and reports them.
func (a *KnowledgeBase) show(t action.Turn, arts []store.Article) {
	t.Say(a.ResultsMessage)
	msgs := make(action.Messages, len(arts))
	ids := make([]string, len(arts))
	for i, art := range arts {
		title := strings.TrimSpace(art.Title)
		if title == "" {
			title = cmp.Or(art.URL, art.ID)
		}
		// Built without a template: titles are shown as written, never
		// rendered.
		msgs[i] = action.Bubble{Type: action.TextBubble, Text: title, URL: art.URL}
		ids[i] = art.ID
	}
	t.Say(msgs)
	t.Emit(action.Event{Type: EventArticlesShown, Value: strings.Join(ids, ",")})
}

// visibleArticles drops the restricted articles an anonymous visitor must
// not see, whatever the port returned, and keeps at most limit.
func visibleArticles(arts []store.Article, identified bool, limit int) []store.Article {
	out := make([]store.Article, 0, min(len(arts), limit))
	for _, art := range arts {
		if len(out) == limit {
			break
		}
		if art.Restricted && !identified {
			continue
		}
		out = append(out, art)
	}
	return out
}
