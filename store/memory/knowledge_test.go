package memory_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kbIDs searches and returns the IDs of the results in order.
func kbIDs(t testing.TB, kb *memory.KnowledgeBase, query string, opts store.SearchOptions) []string {
	t.Helper()
	res, err := kb.Search(context.Background(), query, opts)
	require.NoError(t, err)
	ids := make([]string, len(res))
	for i, a := range res {
		ids[i] = a.ID
	}
	return ids
}

// kbWith returns a knowledge base holding the articles.
func kbWith(t testing.TB, arts ...store.Article) *memory.KnowledgeBase {
	t.Helper()
	kb := memory.NewKnowledgeBase()
	require.NoError(t, kb.Add(arts...))
	return kb
}

// kbFiller returns n articles about nothing in particular, so that the
// terms under test are rare enough to matter.
func kbFiller(n int) []store.Article {
	out := make([]store.Article, n)
	for i := range out {
		out[i] = store.Article{ID: fmt.Sprintf("filler-%02d", i), Title: "General notice " + strconv.Itoa(i),
			Body: "Opening hours office holidays team news update weekly"}
	}
	return out
}

func TestKnowledgeBaseWholeTermsOnly(t *testing.T) {
	kb := kbWith(t,
		store.Article{ID: "support", Title: "Contact support", Body: "Our support team reports back within a day."},
		store.Article{ID: "port", Title: "Open a port on your router", Body: "Forward port 443."},
	)
	assert.Equal(t, []string{"port"}, kbIDs(t, kb, "port", store.SearchOptions{}), `"port" must not match "support" or "reports"`)
	assert.Empty(t, kbIDs(t, kb, "sup", store.SearchOptions{}), "no prefix matching")
	assert.Equal(t, []string{"support"}, kbIDs(t, kb, "SUPPORT!", store.SearchOptions{}), "case and punctuation do not matter")
	assert.Equal(t, []string{"port"}, kbIDs(t, kb, "443", store.SearchOptions{}), "digits are terms")
}

func TestKnowledgeBaseTermFrequency(t *testing.T) {
	// Same field lengths; only the number of occurrences differs.
	kb := kbWith(t, append(kbFiller(6),
		store.Article{ID: "once", Title: "Payments", Body: "invoice alpha beta gamma delta epsilon"},
		store.Article{ID: "thrice", Title: "Payments", Body: "invoice alpha invoice beta invoice gamma"},
	)...)
	assert.Equal(t, []string{"thrice", "once"}, kbIDs(t, kb, "invoice", store.SearchOptions{}))
}

func TestKnowledgeBaseFieldLengthNormalization(t *testing.T) {
	kb := kbWith(t, append(kbFiller(6),
		store.Article{ID: "long", Title: "Payments", Body: "invoice alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron"},
		store.Article{ID: "short", Title: "Payments", Body: "invoice alpha"},
	)...)
	assert.Equal(t, []string{"short", "long"}, kbIDs(t, kb, "invoice", store.SearchOptions{}),
		"the same single occurrence counts for more in a shorter body")
}

func TestKnowledgeBaseFieldWeights(t *testing.T) {
	base := kbFiller(6)
	kb := kbWith(t, append(base,
		store.Article{ID: "a-body", Title: "Account settings", Body: "How to ask for a refund of an order you placed last week"},
		store.Article{ID: "b-title", Title: "Refund policy", Body: "How to ask for money back on an order you placed last week"},
		store.Article{ID: "c-tags", Title: "Returns", Tags: []string{"refund"}, Body: "How to ask for money back on an order you placed last week"},
		store.Article{ID: "d-category", Title: "Returns", Category: "Refund", Body: "How to ask for money back on an order you placed last week"},
	)...)
	assert.Equal(t, []string{"b-title", "c-tags", "d-category", "a-body"}, kbIDs(t, kb, "refund", store.SearchOptions{}),
		"title 3 > tags 2.5 > category 1.5 > body 1")
}

func TestKnowledgeBaseRareTermsWeighMore(t *testing.T) {
	arts := kbFiller(10)
	// "password" is in many articles, "router" in one.
	for i := range 5 {
		arts[i].Body += " password"
	}
	arts = append(arts,
		store.Article{ID: "a-password", Title: "Sign in", Body: "Change your password here"},
		store.Article{ID: "b-router", Title: "Sign in", Body: "Change your router here"},
	)
	kb := kbWith(t, arts...)
	ids := kbIDs(t, kb, "router password", store.SearchOptions{Limit: 2})
	assert.Equal(t, []string{"b-router", "a-password"}, ids, "the rarer term decides")
}

func TestKnowledgeBaseMoreQueryTermsRankHigher(t *testing.T) {
	kb := kbWith(t, append(kbFiller(8),
		store.Article{ID: "a-one", Title: "Reset", Body: "reset reset reset things"},
		store.Article{ID: "b-both", Title: "Reset", Body: "reset your password now"},
		store.Article{ID: "c-other", Title: "Password", Body: "choose a strong one"},
	)...)
	ids := kbIDs(t, kb, "reset password", store.SearchOptions{})
	require.Len(t, ids, 3)
	assert.Equal(t, "b-both", ids[0], "an article with both terms beats ones with one, however often")
}

func TestKnowledgeBaseRepeatedQueryTermCountsOnce(t *testing.T) {
	kb := kbWith(t, append(kbFiller(8),
		store.Article{ID: "a", Title: "Billing", Body: "billing"},
		store.Article{ID: "b", Title: "Shipping", Body: "shipping"},
	)...)
	one, err := kb.Search(context.Background(), "billing shipping", store.SearchOptions{})
	require.NoError(t, err)
	many, err := kb.Search(context.Background(), "billing billing billing shipping", store.SearchOptions{})
	require.NoError(t, err)
	assert.Equal(t, one, many)
}

func TestKnowledgeBaseTiesByID(t *testing.T) {
	var arts []store.Article
	for _, id := range []string{"m", "c", "x", "a", "q"} {
		arts = append(arts, store.Article{ID: id, Title: "Same title", Body: "same body"})
	}
	kb := kbWith(t, arts...)
	for range 3 {
		assert.Equal(t, []string{"a", "c", "m", "q", "x"}, kbIDs(t, kb, "title", store.SearchOptions{}))
	}
	assert.Equal(t, []string{"a", "c"}, kbIDs(t, kb, "title", store.SearchOptions{Limit: 2}))
}

func TestKnowledgeBaseRestricted(t *testing.T) {
	kb := kbWith(t,
		store.Article{ID: "public", Title: "Invoices", Body: "Where to find invoices"},
		store.Article{ID: "secret", Title: "Invoices for partners", Body: "invoices invoices", Restricted: true},
	)
	assert.Equal(t, []string{"public"}, kbIDs(t, kb, "invoices", store.SearchOptions{}))
	assert.ElementsMatch(t, []string{"public", "secret"}, kbIDs(t, kb, "invoices", store.SearchOptions{IncludeRestricted: true}))
	assert.Empty(t, kbIDs(t, kb, "partners", store.SearchOptions{}))

	// A restricted article does not take a place in the limit.
	assert.Equal(t, []string{"public"}, kbIDs(t, kb, "invoices", store.SearchOptions{Limit: 1}))

	// Article returns restricted articles: the caller decides.
	a, err := kb.Article(context.Background(), "secret")
	require.NoError(t, err)
	assert.True(t, a.Restricted)
}

func TestKnowledgeBaseLimit(t *testing.T) {
	var arts []store.Article
	for i := range 12 {
		arts = append(arts, store.Article{ID: fmt.Sprintf("a%02d", i), Title: "Widget " + strings.Repeat("widget ", i)})
	}
	kb := kbWith(t, arts...)
	ids := kbIDs(t, kb, "widget", store.SearchOptions{})
	assert.Len(t, ids, memory.DefaultSearchLimit, "0 means the default limit")
	assert.Len(t, kbIDs(t, kb, "widget", store.SearchOptions{Limit: 2}), 2)
	assert.Len(t, kbIDs(t, kb, "widget", store.SearchOptions{Limit: 100}), 12)
	assert.Equal(t, ids[:2], kbIDs(t, kb, "widget", store.SearchOptions{Limit: 2}), "a smaller limit keeps the best")
	_, err := kb.Search(context.Background(), "widget", store.SearchOptions{Limit: -1})
	assert.Error(t, err)
}

func TestKnowledgeBaseEmptyQueries(t *testing.T) {
	kb := kbWith(t, store.Article{ID: "a", Title: "How to reset your password", Body: "The reset link is on the sign-in page."})
	for _, q := range []string{"", "   ", "?!", "the", "how to", "hoe kan ik het", "unknownterm"} {
		res, err := kb.Search(context.Background(), q, store.SearchOptions{})
		assert.NoError(t, err, "%q", q)
		assert.Empty(t, res, "%q", q)
	}
	assert.Equal(t, []string{"a"}, kbIDs(t, kb, "how to reset", store.SearchOptions{}), "stop words are ignored, other terms count")

	var zero memory.KnowledgeBase
	res, err := zero.Search(context.Background(), "reset", store.SearchOptions{})
	assert.NoError(t, err)
	assert.Empty(t, res)
}

func TestKnowledgeBaseUnicode(t *testing.T) {
	kb := kbWith(t,
		store.Article{ID: "nl", Title: "Wachtwoord vergeten?", Subtitle: "Zo stel je een nieuw wachtwoord in", Category: "Inloggen"},
		store.Article{ID: "cafe", Title: "Café opening hours"},
		store.Article{ID: "de", Title: "Größe ändern"},
	)
	assert.Equal(t, []string{"nl"}, kbIDs(t, kb, "WACHTWOORD", store.SearchOptions{}))
	assert.Equal(t, []string{"nl"}, kbIDs(t, kb, "ik ben mijn wachtwoord vergeten", store.SearchOptions{}))
	assert.Equal(t, []string{"cafe"}, kbIDs(t, kb, "CAFÉ", store.SearchOptions{}))
	assert.Empty(t, kbIDs(t, kb, "cafe", store.SearchOptions{}), "no accent folding")
	assert.Equal(t, []string{"de"}, kbIDs(t, kb, "ÄNDERN", store.SearchOptions{}), "upper-case umlaut")
}

func TestKnowledgeBaseReplaceAndRemove(t *testing.T) {
	ctx := context.Background()
	kb := kbWith(t,
		store.Article{ID: "a", Title: "Shipping costs"},
		store.Article{ID: "b", Title: "Shipping times"},
	)
	require.NoError(t, kb.Add(store.Article{ID: "a", Title: "Return costs"}))
	assert.Equal(t, 2, kb.Len())
	assert.Equal(t, []string{"b"}, kbIDs(t, kb, "shipping", store.SearchOptions{}), "the old version is gone from the index")
	assert.Equal(t, []string{"a"}, kbIDs(t, kb, "return", store.SearchOptions{}))
	a, err := kb.Article(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, "Return costs", a.Title)

	// The last of several with one ID wins.
	require.NoError(t, kb.Add(store.Article{ID: "c", Title: "first"}, store.Article{ID: "c", Title: "second"}))
	assert.Equal(t, 3, kb.Len())
	assert.Empty(t, kbIDs(t, kb, "first", store.SearchOptions{}))

	assert.True(t, kb.Remove("a"))
	assert.False(t, kb.Remove("a"))
	assert.Equal(t, 2, kb.Len())
	assert.Empty(t, kbIDs(t, kb, "return", store.SearchOptions{}))
	_, err = kb.Article(ctx, "a")
	assert.ErrorIs(t, err, store.ErrNotFound)

	// A freed slot is reused without confusion.
	require.NoError(t, kb.Add(store.Article{ID: "d", Title: "Shipping abroad"}))
	assert.ElementsMatch(t, []string{"b", "d"}, kbIDs(t, kb, "shipping", store.SearchOptions{}))
	assert.Equal(t, 3, kb.Len())
}

func TestKnowledgeBaseAddValidates(t *testing.T) {
	kb := memory.NewKnowledgeBase()
	err := kb.Add(store.Article{ID: "ok", Title: "fine"}, store.Article{Title: "no id"})
	assert.Error(t, err)
	assert.Zero(t, kb.Len(), "nothing is added when one article is bad")
}

func TestKnowledgeBaseCopies(t *testing.T) {
	ctx := context.Background()
	tags := []string{"billing"}
	kb := kbWith(t, store.Article{ID: "a", Title: "Invoices", Tags: tags})
	tags[0] = "changed"
	a, err := kb.Article(ctx, "a")
	require.NoError(t, err)
	assert.Equal(t, []string{"billing"}, a.Tags)
	a.Tags[0] = "changed"
	res, err := kb.Search(ctx, "billing", store.SearchOptions{})
	require.NoError(t, err)
	require.Len(t, res, 1)
	assert.Equal(t, []string{"billing"}, res[0].Tags)
}

func TestKnowledgeBaseErrors(t *testing.T) {
	kb := kbWith(t, store.Article{ID: "a", Title: "x"})
	_, err := kb.Article(context.Background(), "nope")
	assert.ErrorIs(t, err, store.ErrNotFound)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = kb.Search(ctx, "x", store.SearchOptions{})
	assert.True(t, errors.Is(err, context.Canceled))
	_, err = kb.Article(ctx, "a")
	assert.True(t, errors.Is(err, context.Canceled))
}

func TestKnowledgeBaseConcurrent(t *testing.T) {
	ctx := context.Background()
	kb := memory.NewKnowledgeBase()
	arts := kbGenerate(rand.New(rand.NewPCG(1, 2)), 300)
	require.NoError(t, kb.Add(arts[:100]...))
	queries := []string{"w1 w2", "w10 w3 w7", "w5", "w40 w41", "w2 w9 w30"}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				res, err := kb.Search(ctx, queries[(g+i)%len(queries)], store.SearchOptions{Limit: 3, IncludeRestricted: i%2 == 0})
				if !assert.NoError(t, err) || !assert.LessOrEqual(t, len(res), 3) {
					return
				}
				for _, a := range res {
					if i%2 != 0 && !assert.False(t, a.Restricted) {
						return
					}
				}
				if _, err := kb.Article(ctx, arts[i%100].ID); !assert.NoError(t, err) {
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := 100; i < 300; i++ {
			assert.NoError(t, kb.Add(arts[i]))
			if i%3 == 0 {
				kb.Remove(arts[i-1].ID)
			}
			if i%7 == 0 {
				// Replace an article that searches keep finding.
				a := arts[i%100]
				a.Body += " extra"
				assert.NoError(t, kb.Add(a))
			}
		}
	})
	wg.Wait()
	assert.Equal(t, 100+200-66, kb.Len())
}

// kbGenerate returns n articles over a vocabulary "w0", "w1", … whose term
// frequencies follow a Zipf distribution, as natural text does.
func kbGenerate(r *rand.Rand, n int) []store.Article {
	zipf := rand.NewZipf(r, 1.1, 2, 4999)
	words := func(k int) string {
		var b strings.Builder
		for i := range k {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString("w")
			b.WriteString(strconv.FormatUint(zipf.Uint64(), 10))
		}
		return b.String()
	}
	out := make([]store.Article, n)
	for i := range out {
		out[i] = store.Article{
			ID:          fmt.Sprintf("article-%05d", i),
			Title:       words(4 + r.IntN(5)),
			Subtitle:    words(8 + r.IntN(5)),
			Body:        words(80 + r.IntN(120)),
			Category:    "c" + strconv.Itoa(r.IntN(10)),
			Subcategory: "s" + strconv.Itoa(r.IntN(40)),
			Tags:        []string{words(1), words(1), words(1)},
			URL:         fmt.Sprintf("https://help.example.com/articles/%d", i),
			Restricted:  r.IntN(10) == 0,
		}
	}
	return out
}

// BenchmarkSearch10k searches 10,000 articles (about 140 terms each) with
// queries of two to three terms of common to rare frequency.
func BenchmarkSearch10k(b *testing.B) {
	r := rand.New(rand.NewPCG(10, 10000))
	kb := memory.NewKnowledgeBase()
	require.NoError(b, kb.Add(kbGenerate(r, 10000)...))
	queries := []string{"w3 w120", "w15 w40 w900", "w7 w2000", "how to w60 w61", "w250 w333 w1"}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		res, err := kb.Search(ctx, queries[i%len(queries)], store.SearchOptions{Limit: 3})
		if err != nil || len(res) == 0 {
			b.Fatalf("search %d: %v, %d results", i, err, len(res))
		}
	}
}

// BenchmarkAdd10k indexes 10,000 articles.
func BenchmarkAdd10k(b *testing.B) {
	arts := kbGenerate(rand.New(rand.NewPCG(10, 10000)), 10000)
	b.ReportAllocs()
	for b.Loop() {
		kb := memory.NewKnowledgeBase()
		if err := kb.Add(arts...); err != nil {
			b.Fatal(err)
		}
	}
}
