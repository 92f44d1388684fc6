package action

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
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
const EventArticlesShown EventType = "articles_shown"

// KnowledgeBase is the Knowledge base lookup action (SPEC §3.8). It needs
// the knowledge-base port (Ports.KnowledgeBase) and works in one of two
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
// (Turn.Identified): searches ask the port to include them only for such
// visitors, and restricted results that come back anyway are dropped. In
// specific-article mode a restricted article and an anonymous visitor make
// the action skip (the reason says why) after saying NoResultsMessage, if
// the settings have one; the flow then goes on as usual.
//
// When the knowledge base returns an error — including store.ErrNotFound
// for an unknown articleId — the action fails without saying anything, so
// the engine follows its failure path or shows the general error message.
type KnowledgeBase struct {
	// ArticleID selects specific-article mode: the ID of the article to show.
	ArticleID string `json:"articleId,omitempty"`
	// Prompt selects search mode: the question that asks the visitor what
	// to search for.
	Prompt Messages `json:"prompt,omitempty"`
	// ResultsMessage is said before the articles, if set.
	ResultsMessage Messages `json:"resultsMessage,omitempty"`
	// NoResultsMessage is said when a search finds nothing (search mode;
	// default "Sorry, I couldn't find any articles about that."), or when
	// the article is restricted and the visitor is not identified
	// (specific-article mode; default nothing).
	NoResultsMessage Messages `json:"noResultsMessage,omitempty"`
	// Limit is the most articles a search shows, 1 to MaxArticleLimit; 0
	// means DefaultArticleLimit. Search mode only.
	Limit int `json:"limit,omitempty"`
}

// defaultNoResultsMessage is said when a search finds nothing and the flow
// sets no message.
var defaultNoResultsMessage = Messages{{Text: "Sorry, I couldn't find any articles about that."}}

// Provision checks that exactly one mode is selected and compiles the
// messages.
func (a *KnowledgeBase) Provision(p *Provision) error {
	switch {
	case a.ArticleID != "" && len(a.Prompt) > 0:
		return &SettingError{Path: "articleId", Err: errors.New("set articleId (show one article) or prompt (search), not both")}
	case a.ArticleID == "" && len(a.Prompt) == 0:
		return &SettingError{Path: "prompt", Err: errors.New("set prompt to search the knowledge base, or articleId to show one article")}
	case a.ArticleID != "" && strings.TrimSpace(a.ArticleID) != a.ArticleID:
		return &SettingError{Path: "articleId", Err: fmt.Errorf("article ID %q has leading or trailing space", a.ArticleID)}
	case a.ArticleID != "" && a.Limit != 0:
		return &SettingError{Path: "limit", Err: errors.New("limit applies to searches only, not to a specific article")}
	case a.Limit < 0 || a.Limit > MaxArticleLimit:
		return &SettingError{Path: "limit", Err: fmt.Errorf("must be between 1 and %d, got %d", MaxArticleLimit, a.Limit)}
	}
	if err := a.Prompt.Provision(p, "prompt"); err != nil {
		return err
	}
	if err := a.ResultsMessage.Provision(p, "resultsMessage"); err != nil {
		return err
	}
	return a.NoResultsMessage.Provision(p, "noResultsMessage")
}

// Ports returns the knowledge-base port.
func (a *KnowledgeBase) Ports() []Port { return []Port{PortKnowledgeBase} }

// AlwaysWaits reports whether the action always waits for the visitor: in
// search mode it does.
func (a *KnowledgeBase) AlwaysWaits() bool { return a.search() }

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
func (a *KnowledgeBase) Run(ctx context.Context, t Turn) (Result, error) {
	if a.search() {
		t.SetState(nil)
		t.Say(a.Prompt)
		t.Prompt(nil, true)
		return Result{Status: Wait}, nil
	}
	kb := knowledgeBasePort(t)
	if kb == nil {
		return Result{Status: Fail, Reason: "no knowledge base port"}, nil
	}
	art, err := kb.Article(ctx, a.ArticleID)
	if err != nil {
		return Result{Status: Fail, Reason: fmt.Sprintf("knowledge base: article %q: %v", a.ArticleID, err)}, nil
	}
	if art.Restricted && !t.Identified() {
		t.Say(a.NoResultsMessage)
		return Result{Status: Skip, Reason: fmt.Sprintf("article %q is restricted to identified visitors", a.ArticleID)}, nil
	}
	a.show(t, []Article{art})
	return Result{Status: Done}, nil
}

// Answer searches the knowledge base with the visitor's answer and shows
// the results.
func (a *KnowledgeBase) Answer(ctx context.Context, t Turn, in Input) (Result, error) {
	if !a.search() {
		// Specific-article mode never waits; an answer here means the flow
		// changed under a waiting session.
		return Result{Status: Fail, Reason: "a specific-article lookup takes no answer"}, nil
	}
	query := strings.TrimSpace(in.Value())
	t.SetAnswer(query)
	var found []Article
	if query != "" {
		kb := knowledgeBasePort(t)
		if kb == nil {
			return Result{Status: Fail, Reason: "no knowledge base port"}, nil
		}
		identified := t.Identified()
		res, err := kb.Search(ctx, query, SearchOptions{Limit: a.limit(), IncludeRestricted: identified})
		if err != nil {
			return Result{Status: Fail, Reason: "knowledge base: search: " + err.Error()}, nil
		}
		found = visibleArticles(res, identified, a.limit())
	}
	t.Emit(Event{Type: EventAnswerAccepted, Value: query})
	if len(found) == 0 {
		if len(a.NoResultsMessage) > 0 {
			t.Say(a.NoResultsMessage)
		} else {
			t.Say(defaultNoResultsMessage)
		}
		return Result{Status: Done}, nil
	}
	a.show(t, found)
	return Result{Status: Done}, nil
}

// show says the results message and the articles, and reports them.
func (a *KnowledgeBase) show(t Turn, arts []Article) {
	t.Say(a.ResultsMessage)
	msgs := make(Messages, len(arts))
	ids := make([]string, len(arts))
	for i, art := range arts {
		title := strings.TrimSpace(art.Title)
		if title == "" {
			title = cmp.Or(art.URL, art.ID)
		}
		// Built without a template: titles are shown as written, never
		// rendered.
		msgs[i] = Bubble{Type: TextBubble, Text: title, URL: art.URL}
		ids[i] = art.ID
	}
	t.Say(msgs)
	t.Emit(Event{Type: EventArticlesShown, Value: strings.Join(ids, ",")})
}

// visibleArticles drops the restricted articles an anonymous visitor must
// not see, whatever the port returned, and keeps at most limit.
func visibleArticles(arts []Article, identified bool, limit int) []Article {
	out := make([]Article, 0, min(len(arts), limit))
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

// knowledgeBasePort returns the host's knowledge base, or nil.
func knowledgeBasePort(t Turn) KnowledgeBaseService {
	p := t.Ports()
	if p == nil {
		return nil
	}
	return p.KnowledgeBase
}
