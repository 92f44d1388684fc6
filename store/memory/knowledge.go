package memory

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/chatflow/chatflow/store"
)

// The fields of an article that searches look at, in the order of
// kbFieldWeights.
const (
	kbTitle = iota
	kbSubtitle
	kbTags
	kbCategory
	kbSubcategory
	kbBody
	kbFields // the number of fields
)

// kbFieldWeights is how much one occurrence of a term in each field counts
// compared with one in the body.
var kbFieldWeights = [kbFields]float64{
	kbTitle:       3,
	kbSubtitle:    2,
	kbTags:        2.5,
	kbCategory:    1.5,
	kbSubcategory: 1.5,
	kbBody:        1,
}

// The BM25 parameters: k1 bounds how much repeating a term adds (term
// frequency saturation), b how much a long field is penalized.
const (
	kbK1 = 1.2
	kbB  = 0.75
)

// DefaultSearchLimit is how many articles Search returns when
// store.SearchOptions.Limit is 0.
const DefaultSearchLimit = 5

// KnowledgeBase is an in-memory knowledge base that implements
// store.KnowledgeBase with ranked full-text search.
//
// Search ranks articles with BM25F, the field-weighted form of the Okapi
// BM25 model. The query and every field are split into terms (see below).
// For a query term t and an article d, the occurrences of t in d's fields
// are combined into one weighted frequency
//
//	tf(t, d) = Σ_f w_f · n(t, f, d) / (1 − b + b · len(f, d) / avglen(f))
//
// where n is the number of occurrences, len(f, d) the number of terms in the
// field, avglen(f) the field's average length over the articles in which it
// is not empty (so that a field most articles leave empty, such as tags, is
// not judged too long where it is used), b = 0.75, and the field weights w_f
// are: title 3, tags 2.5, subtitle 2, category and subcategory 1.5, body 1.
// The article's score is
//
//	Σ_t idf(t) · tf(t, d) · (k1 + 1) / (k1 + tf(t, d)),   k1 = 1.2
//	idf(t) = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))
//
// with N the number of articles and df(t) the number that contain t in any
// field. So a term counts for more in a short field than in a long one, in
// the title than in the body, and when it is rare than when it is common;
// repeating it helps less and less; and every query term an article
// contains adds to its score. A query term that occurs twice counts once.
// Only whole terms match: "port" does not find "support". Results are sorted
// by score, best first; equal scores are ordered by article ID.
//
// A term is a maximal run of Unicode letters, digits and combining marks,
// lower-cased. Very common English and Dutch words ("the", "how", "de",
// "het", …) are not indexed and are ignored in queries, so a query made of
// them only finds nothing. There is no stemming ("invoice" does not find
// "invoices") and no Unicode normalization or accent folding ("cafe" does not
// find "café").
//
// Add builds an inverted index as articles arrive; adding an article whose
// ID is already present replaces it. The zero value is an empty knowledge
// base ready to use; a KnowledgeBase must not be copied after first use. It
// is safe for concurrent use: searches run in parallel with each other, and
// Add and Remove wait for running searches. The first search after a change
// recomputes every article's length normalization (linear in the number of
// articles) while holding the write lock; later ones only read. Articles are
// copied in and out. Article and Search return ctx.Err() when ctx is
// already done, and do not otherwise consult ctx.
type KnowledgeBase struct {
	mu      sync.RWMutex
	ids     map[string]int32    // article ID → slot in docs
	docs    []kbDoc             // by slot; a free slot holds the zero kbDoc
	stats   []kbStats           // by slot
	norms   [][kbFields]float32 // by slot: w_f / norm_f, valid when normsOK
	normsOK bool
	free    []int32            // free slots
	terms   map[string]*kbTerm // the inverted index
	total   [kbFields]uint64   // sum of field lengths over live articles
	has     [kbFields]int      // live articles whose field is not empty
	n       int                // live articles

	scratch sync.Pool // of *kbScratch
}

// kbDoc is one article and the terms it was indexed under.
type kbDoc struct {
	art   store.Article
	terms []*kbTerm
}

// kbStats is what scoring needs to know about an article besides its
// postings, kept apart from the article for locality.
type kbStats struct {
	lens       [kbFields]uint32 // field lengths in terms
	restricted bool
}

// kbTerm is one term's postings: the articles that contain it, in no
// particular order.
type kbTerm struct {
	word     string
	postings []kbPosting
}

// kbPosting records how often a term occurs in each field of an article.
type kbPosting struct {
	doc int32
	tf  [kbFields]uint16 // saturates at 65535
}

// kbHit is a scored article during a search.
type kbHit struct {
	doc   int32
	score float64
}

// kbScratch is a search's working memory, reused through a pool.
type kbScratch struct {
	scores  []float64 // by slot; all zero between searches
	touched []int32   // slots with a non-zero score
	heap    []kbHit
	query   []*kbTerm
	buf     []byte
}

// Compile-time check that KnowledgeBase implements the port.
var _ store.KnowledgeBase = (*KnowledgeBase)(nil)

// NewKnowledgeBase returns an empty knowledge base.
func NewKnowledgeBase() *KnowledgeBase { return new(KnowledgeBase) }

// Add adds articles, replacing any with the same ID (of several with one ID
// in a call, the last wins). Every article needs a non-empty ID; otherwise
// Add adds none of them and returns an error.
func (kb *KnowledgeBase) Add(articles ...store.Article) error {
	for i, a := range articles {
		if a.ID == "" {
			return fmt.Errorf("memory: knowledge base: article %d (%q) has no ID", i, a.Title)
		}
	}
	kb.mu.Lock()
	defer kb.mu.Unlock()
	if kb.ids == nil {
		kb.ids = make(map[string]int32, len(articles))
		kb.terms = make(map[string]*kbTerm)
	}
	ix := &kbIndexer{slot: make(map[*kbTerm]int)}
	for i := range articles {
		a := cloneArticle(articles[i])
		slot, ok := kb.ids[a.ID]
		if ok {
			kb.unindex(slot)
		} else {
			slot = kb.allocSlot()
		}
		kb.index(slot, a, ix)
	}
	return nil
}

// Remove removes the article with the given ID and reports whether there
// was one.
func (kb *KnowledgeBase) Remove(id string) bool {
	kb.mu.Lock()
	defer kb.mu.Unlock()
	slot, ok := kb.ids[id]
	if !ok {
		return false
	}
	kb.unindex(slot)
	delete(kb.ids, id)
	kb.free = append(kb.free, slot)
	return true
}

// Len returns the number of articles.
func (kb *KnowledgeBase) Len() int {
	kb.mu.RLock()
	defer kb.mu.RUnlock()
	return kb.n
}

// Article returns the article with the given ID, or an error matching
// store.ErrNotFound. Restricted articles are returned too: whether the
// visitor may see one is the caller's decision.
func (kb *KnowledgeBase) Article(ctx context.Context, id string) (store.Article, error) {
	if err := ctx.Err(); err != nil {
		return store.Article{}, err
	}
	kb.mu.RLock()
	defer kb.mu.RUnlock()
	slot, ok := kb.ids[id]
	if !ok {
		return store.Article{}, fmt.Errorf("memory: knowledge base article %q: %w", id, store.ErrNotFound)
	}
	return cloneArticle(kb.docs[slot].art), nil
}

// Search returns up to opts.Limit articles (DefaultSearchLimit when 0)
// that contain at least one of the query's terms, best first, ranked as the
// type's documentation describes. Restricted articles are left out unless
// opts.IncludeRestricted is set. A query with no known terms finds nothing,
// which is not an error.
func (kb *KnowledgeBase) Search(ctx context.Context, query string, opts store.SearchOptions) ([]store.Article, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opts.Limit < 0 {
		return nil, errors.New("memory: knowledge base: negative search limit")
	}
	limit := opts.Limit
	if limit == 0 {
		limit = DefaultSearchLimit
	}

	kb.mu.RLock()
	if kb.normsOK {
		defer kb.mu.RUnlock()
	} else {
		// The first search after a change brings the cached field
		// normalizations up to date, and runs under the write lock.
		kb.mu.RUnlock()
		kb.mu.Lock()
		defer kb.mu.Unlock()
		kb.updateNorms()
	}
	if kb.n == 0 {
		return nil, nil
	}
	sc := kb.getScratch()
	defer kb.scratch.Put(sc)

	// The query's distinct known terms.
	sc.query = sc.query[:0]
	sc.buf = eachTerm(query, sc.buf, func(w []byte) {
		t, ok := kb.terms[string(w)]
		if ok && !slices.Contains(sc.query, t) {
			sc.query = append(sc.query, t)
		}
	})
	if len(sc.query) == 0 {
		return nil, nil
	}

	// Accumulate the BM25F score of every article that has a query term.
	n := float64(kb.n)
	scores := sc.scores
	for _, t := range sc.query {
		df := float64(len(t.postings))
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		for i := range t.postings {
			p := &t.postings[i]
			w := &kb.norms[p.doc]
			tf := 0.0
			for f := range kbFields {
				tf += float64(p.tf[f]) * float64(w[f])
			}
			s := idf * tf * (kbK1 + 1) / (kbK1 + tf)
			if scores[p.doc] == 0 {
				sc.touched = append(sc.touched, p.doc)
			}
			scores[p.doc] += s
		}
	}

	// Keep the best limit in a heap whose root is the worst kept, and
	// leave the scores zeroed for the next search.
	h := sc.heap[:0]
	for _, d := range sc.touched {
		hit := kbHit{doc: d, score: scores[d]}
		scores[d] = 0
		if !opts.IncludeRestricted && kb.stats[d].restricted {
			continue
		}
		switch {
		case len(h) < limit:
			h = append(h, hit)
			kb.siftUp(h, len(h)-1)
		case kb.better(hit, h[0]):
			h[0] = hit
			kb.siftDown(h, 0)
		}
	}
	sc.touched = sc.touched[:0]
	sc.heap = h

	out := make([]store.Article, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		out[i] = cloneArticle(kb.docs[h[0].doc].art)
		h[0] = h[i]
		h = h[:i]
		kb.siftDown(h, 0)
	}
	return out, nil
}

// better reports whether a ranks before b: a higher score, or an equal
// score and a smaller ID.
func (kb *KnowledgeBase) better(a, b kbHit) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return kb.docs[a.doc].art.ID < kb.docs[b.doc].art.ID
}

// siftUp restores the heap order (worst at the root) after h[i] changed.
func (kb *KnowledgeBase) siftUp(h []kbHit, i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !kb.better(h[parent], h[i]) {
			return
		}
		h[parent], h[i] = h[i], h[parent]
		i = parent
	}
}

// siftDown restores the heap order (worst at the root) after h[i] changed.
func (kb *KnowledgeBase) siftDown(h []kbHit, i int) {
	for {
		worst := i
		for _, c := range [2]int{2*i + 1, 2*i + 2} {
			if c < len(h) && kb.better(h[worst], h[c]) {
				worst = c
			}
		}
		if worst == i {
			return
		}
		h[i], h[worst] = h[worst], h[i]
		i = worst
	}
}

// updateNorms computes, for every article and field, the field's weight
// divided by its BM25 length normalization, 1 − b + b · len / avglen, or 0
// for an empty field. The caller holds kb.mu for writing.
func (kb *KnowledgeBase) updateNorms() {
	if kb.normsOK {
		return
	}
	var invAvg [kbFields]float64
	for f := range invAvg {
		if kb.total[f] > 0 {
			invAvg[f] = float64(kb.has[f]) / float64(kb.total[f])
		}
	}
	for slot := range kb.stats {
		st := &kb.stats[slot]
		w := &kb.norms[slot]
		for f, l := range st.lens {
			if l == 0 {
				w[f] = 0
				continue
			}
			w[f] = float32(kbFieldWeights[f] / (1 - kbB + kbB*float64(l)*invAvg[f]))
		}
	}
	kb.normsOK = true
}

// getScratch returns working memory with room for every slot; the caller
// holds kb.mu for reading.
func (kb *KnowledgeBase) getScratch() *kbScratch {
	sc, _ := kb.scratch.Get().(*kbScratch)
	if sc == nil {
		sc = new(kbScratch)
	}
	if len(sc.scores) < len(kb.docs) {
		sc.scores = make([]float64, len(kb.docs))
	}
	return sc
}

// allocSlot returns a free slot for a new article; the caller holds kb.mu.
func (kb *KnowledgeBase) allocSlot() int32 {
	if n := len(kb.free); n > 0 {
		slot := kb.free[n-1]
		kb.free = kb.free[:n-1]
		return slot
	}
	if len(kb.docs) == math.MaxInt32 {
		panic("memory: knowledge base is full")
	}
	kb.docs = append(kb.docs, kbDoc{})
	kb.stats = append(kb.stats, kbStats{})
	kb.norms = append(kb.norms, [kbFields]float32{})
	return int32(len(kb.docs) - 1)
}

// kbIndexer is Add's working memory for indexing one article after
// another.
type kbIndexer struct {
	slot  map[*kbTerm]int    // term → index in tfs and terms
	tfs   [][kbFields]uint16 // occurrences by field, per distinct term
	terms []*kbTerm          // distinct terms in order of appearance
	buf   []byte
}

// index indexes a under slot. The caller holds kb.mu for writing.
func (kb *KnowledgeBase) index(slot int32, a store.Article, ix *kbIndexer) {
	var lens [kbFields]uint32
	add := func(f int) func([]byte) {
		return func(w []byte) {
			t := kb.terms[string(w)]
			if t == nil {
				t = &kbTerm{word: string(w)}
				kb.terms[t.word] = t
			}
			j, ok := ix.slot[t]
			if !ok {
				j = len(ix.terms)
				ix.slot[t] = j
				ix.terms = append(ix.terms, t)
				ix.tfs = append(ix.tfs, [kbFields]uint16{})
			}
			if ix.tfs[j][f] < math.MaxUint16 {
				ix.tfs[j][f]++
			}
			lens[f]++
		}
	}
	ix.buf = eachTerm(a.Title, ix.buf, add(kbTitle))
	ix.buf = eachTerm(a.Subtitle, ix.buf, add(kbSubtitle))
	for _, tag := range a.Tags {
		ix.buf = eachTerm(tag, ix.buf, add(kbTags))
	}
	ix.buf = eachTerm(a.Category, ix.buf, add(kbCategory))
	ix.buf = eachTerm(a.Subcategory, ix.buf, add(kbSubcategory))
	ix.buf = eachTerm(a.Body, ix.buf, add(kbBody))

	for j, t := range ix.terms {
		t.postings = append(t.postings, kbPosting{doc: slot, tf: ix.tfs[j]})
	}
	kb.docs[slot] = kbDoc{art: a, terms: slices.Clone(ix.terms)}
	clear(ix.slot)
	ix.tfs, ix.terms = ix.tfs[:0], ix.terms[:0]

	kb.stats[slot] = kbStats{lens: lens, restricted: a.Restricted}
	kb.normsOK = false
	for f, l := range lens {
		kb.total[f] += uint64(l)
		if l > 0 {
			kb.has[f]++
		}
	}
	kb.ids[a.ID] = slot
	kb.n++
}

// unindex removes the article in slot from the index, leaving the slot
// empty but still mapped from its ID. The caller holds kb.mu.
func (kb *KnowledgeBase) unindex(slot int32) {
	d := &kb.docs[slot]
	for _, t := range d.terms {
		for i := range t.postings {
			if t.postings[i].doc == slot {
				last := len(t.postings) - 1
				t.postings[i] = t.postings[last]
				t.postings = t.postings[:last]
				break
			}
		}
		if len(t.postings) == 0 {
			delete(kb.terms, t.word)
		}
	}
	for f, l := range kb.stats[slot].lens {
		kb.total[f] -= uint64(l)
		if l > 0 {
			kb.has[f]--
		}
	}
	kb.docs[slot] = kbDoc{}
	kb.stats[slot] = kbStats{}
	kb.normsOK = false
	kb.n--
}

// cloneArticle returns a copy of a that shares no memory with it.
func cloneArticle(a store.Article) store.Article {
	a.Tags = slices.Clone(a.Tags)
	return a
}

// eachTerm calls fn with each term of s that is not a stop word: a maximal
// run of letters, digits and combining marks, lower-cased. The slice passed
// to fn is only valid during the call. buf is scratch space, returned for
// reuse.
func eachTerm(s string, buf []byte, fn func(term []byte)) []byte {
	emit := func() {
		if len(buf) > 0 {
			if _, stop := kbStopWords[string(buf)]; !stop {
				fn(buf)
			}
			buf = buf[:0]
		}
	}
	buf = buf[:0]
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
				buf = append(buf, c)
			case 'A' <= c && c <= 'Z':
				buf = append(buf, c+('a'-'A'))
			default:
				emit()
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
		} else {
			emit()
		}
	}
	emit()
	return buf
}

// kbStopWords are words too common in English and Dutch questions to tell
// articles apart. Words that are common in one language but meaningful in
// the other (Dutch "door", English "door") are not in the list. "s" and "t"
// are what is left of "it's", "don't" and "auto's".
var kbStopWords = func() map[string]struct{} {
	const words = `
a an and are as at be but by can could do does for from had has have how i if in
into is it its me my no not of on or our should so than that the their them then
there these they this those to was we were what when where which who why will
with would you your s t
aan al als bij dat de den der deze die dit een en er heb hebben heeft het hij hoe
ik je jij kan kun kunnen maar met mijn naar niet nog om onder ons ook op over te
tot u uit uw van voor wat wij wil worden wordt zijn ze zich zo`
	m := make(map[string]struct{})
	for _, w := range strings.Fields(words) {
		m[w] = struct{}{}
	}
	return m
}()
