package storetest

import (
	"crypto/rand"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/chatflow/chatflow/store"
)

// TestKnowledgeBase checks a store.KnowledgeBase: ErrNotFound for an
// unknown article, articles read back as given (restricted ones too),
// searches for a word that find the articles with it in their title and
// leave out restricted articles unless asked, the limit of a search (5 when
// SearchOptions.Limit is 0), and returned articles that share no memory
// with the store. It does not judge the order of results, nor whether other
// articles are found too: relevance is the store's own.
//
// newStore is called once per subtest and must return a store holding the
// given articles (it may hold others). The articles' IDs and the words
// searched for are unique to the run.
func TestKnowledgeBase(t *testing.T, newStore func(t *testing.T, articles []store.Article) store.KnowledgeBase) {
	// article returns an article whose title contains word.
	article := func(t *testing.T, id, word string) store.Article {
		return store.Article{ID: uniqueKey(t, id), Title: "About " + word, Subtitle: "A subtitle",
			Body: "The body of article " + id + ".", Category: "Billing", Subcategory: "Invoices",
			Tags: []string{"tag-a", "tag-b"}, URL: "https://help.example.com/" + id}
	}

	t.Run("ArticleNotFound", func(t *testing.T) {
		s := newStore(t, nil)
		_, err := s.Article(ctx(t), uniqueKey(t, ""))
		wantErr(t, "Article(missing)", err, store.ErrNotFound)
	})

	t.Run("ArticleRoundTrip", func(t *testing.T) {
		word := uniqueWord()
		public, restricted := article(t, "public", word), article(t, "restricted", word)
		restricted.Restricted = true
		s := newStore(t, []store.Article{public, restricted})
		for _, want := range []store.Article{public, restricted} {
			expectArticle(t, s, want)
		}
	})

	t.Run("Search", func(t *testing.T) {
		word, other := uniqueWord(), uniqueWord()
		arts := []store.Article{article(t, "a", word), article(t, "b", word), article(t, "c", word), article(t, "other", other)}
		arts[2].Restricted = true
		s := newStore(t, arts)
		expectSearch(t, s, word, store.SearchOptions{}, arts[:2])
		expectSearch(t, s, word, store.SearchOptions{IncludeRestricted: true}, arts[:3])

		res, err := s.Search(ctx(t), word, store.SearchOptions{Limit: 1, IncludeRestricted: true})
		noErr(t, "Search with limit 1", err)
		if len(res) != 1 || !slices.ContainsFunc(arts[:3], func(a store.Article) bool { return a.ID == res[0].ID }) {
			t.Errorf("Search(%q, limit 1) found %v, want one of the articles with the word", word, articleIDs(res))
		}
	})

	t.Run("SearchDefaultLimit", func(t *testing.T) {
		word := uniqueWord()
		var arts []store.Article
		for i := range 7 {
			arts = append(arts, article(t, fmt.Sprint(i), word))
		}
		s := newStore(t, arts)
		res, err := s.Search(ctx(t), word, store.SearchOptions{})
		noErr(t, "Search", err)
		if len(res) != 5 {
			t.Errorf("Search with Limit 0 found %d of 7 matching articles, want 5", len(res))
		}
	})

	t.Run("ArticleCopies", func(t *testing.T) {
		word := uniqueWord()
		want := article(t, "a", word)
		s := newStore(t, []store.Article{want})
		got, err := s.Article(ctx(t), want.ID)
		noErr(t, "Article", err)
		scribbleTags(got)
		res, err := s.Search(ctx(t), word, store.SearchOptions{})
		noErr(t, "Search", err)
		for _, a := range res {
			scribbleTags(a)
		}
		expectArticle(t, s, want)
	})
}

// uniqueWord returns a word no other run or subtest uses, made of lower-case
// letters and digits, so that any tokenizer keeps it whole.
func uniqueWord() string { return "storetest" + strings.ToLower(rand.Text()[:10]) }

// scribbleTags changes a returned article's tags the way a careless caller
// might.
func scribbleTags(a store.Article) {
	for i := range a.Tags {
		a.Tags[i] = "scribbled"
	}
}

// expectArticle checks that the article with want's ID reads back as want.
func expectArticle(t *testing.T, s store.KnowledgeBase, want store.Article) {
	t.Helper()
	got, err := s.Article(ctx(t), want.ID)
	if err != nil {
		t.Errorf("Article(%s): %v", want.ID, err)
		return
	}
	if !sameArticle(got, want) {
		t.Errorf("Article(%s) = %+v, want %+v", want.ID, got, want)
	}
}

// expectSearch checks that a search finds every wanted article as it is
// stored, and no restricted article unless opts allows them.
func expectSearch(t *testing.T, s store.KnowledgeBase, query string, opts store.SearchOptions, want []store.Article) {
	t.Helper()
	res, err := s.Search(ctx(t), query, opts)
	if err != nil {
		t.Errorf("Search(%q, %+v): %v", query, opts, err)
		return
	}
	for _, w := range want {
		i := slices.IndexFunc(res, func(a store.Article) bool { return a.ID == w.ID })
		if i < 0 {
			t.Errorf("Search(%q, %+v) found %v, not %s", query, opts, articleIDs(res), w.ID)
		} else if !sameArticle(res[i], w) {
			t.Errorf("Search(%q, %+v) found %+v, want %+v", query, opts, res[i], w)
		}
	}
	for _, a := range res {
		if a.Restricted && !opts.IncludeRestricted {
			t.Errorf("Search(%q, %+v) found restricted article %s", query, opts, a.ID)
		}
	}
}

// sameArticle reports whether a and b are equal; nil and empty Tags are
// the same.
func sameArticle(a, b store.Article) bool {
	tagsA, tagsB := a.Tags, b.Tags
	a.Tags, b.Tags = nil, nil
	return reflect.DeepEqual(a, b) && slices.Equal(tagsA, tagsB)
}

// articleIDs returns the IDs of the articles, for messages.
func articleIDs(arts []store.Article) []string {
	ids := make([]string, len(arts))
	for i, a := range arts {
		ids[i] = a.ID
	}
	return ids
}
