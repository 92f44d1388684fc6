package postgres

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"

	"github.com/chatflow/chatflow/store"
)

// KnowledgeBase is the knowledge base, table chatflow.articles, searched
// with PostgreSQL's full-text search (see the package documentation for
// the weights and the ranking). The host adds articles with Add.
//
// Get one from DB.KnowledgeBase; the zero value is not usable.
// KnowledgeBase is safe for concurrent use.
type KnowledgeBase struct{ db *DB }

var _ store.KnowledgeBase = (*KnowledgeBase)(nil)

// KnowledgeBase returns the knowledge base.
func (db *DB) KnowledgeBase() *KnowledgeBase { return &KnowledgeBase{db} }

// defaultSearchLimit is how many articles Search returns when
// store.SearchOptions.Limit is 0.
const defaultSearchLimit = 5

// articleColumns are the columns an article is read from, in the order
// scanArticle reads them.
const articleColumns = "id, title, subtitle, body, category, subcategory, tags, url, restricted"

// Add adds articles, replacing any with the same ID, in one transaction.
// Every article needs a non-empty ID. Each is indexed in the DB's
// text-search configuration.
func (kb *KnowledgeBase) Add(ctx context.Context, articles ...store.Article) error {
	for i, a := range articles {
		if a.ID == "" {
			return fmt.Errorf("postgres: knowledge base: article %d (%q) has no ID", i, a.Title)
		}
	}
	err := pgx.BeginFunc(ctx, kb.db.pool, func(tx pgx.Tx) error {
		for _, a := range articles {
			tags := a.Tags
			if tags == nil {
				tags = []string{}
			}
			_, err := tx.Exec(ctx, `
				INSERT INTO chatflow.articles (`+articleColumns+`, language, document)
				VALUES ($1, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text[], $8, $9, $10::regconfig,
					setweight(to_tsvector($10::regconfig, $2::text), 'A') ||
					setweight(to_tsvector($10::regconfig, $3::text || ' ' || array_to_string($7::text[], ' ')), 'B') ||
					setweight(to_tsvector($10::regconfig, $5::text || ' ' || $6::text), 'C') ||
					setweight(to_tsvector($10::regconfig, $4::text), 'D'))
				ON CONFLICT (id) DO UPDATE SET title = excluded.title, subtitle = excluded.subtitle, body = excluded.body,
					category = excluded.category, subcategory = excluded.subcategory, tags = excluded.tags, url = excluded.url,
					restricted = excluded.restricted, language = excluded.language, document = excluded.document`,
				a.ID, a.Title, a.Subtitle, a.Body, a.Category, a.Subcategory, tags, a.URL, a.Restricted, kb.db.textSearch)
			if err != nil {
				return fmt.Errorf("article %q: %w", a.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: adding articles: %w", err)
	}
	return nil
}

// Remove deletes the article with the given ID and reports whether there
// was one.
func (kb *KnowledgeBase) Remove(ctx context.Context, id string) (bool, error) {
	tag, err := kb.db.pool.Exec(ctx, "DELETE FROM chatflow.articles WHERE id = $1", id)
	if err != nil {
		return false, fmt.Errorf("postgres: removing article %q: %w", id, err)
	}
	return tag.RowsAffected() > 0, nil
}

// scanArticle reads the columns of articleColumns.
func scanArticle(row interface{ Scan(...any) error }) (store.Article, error) {
	var a store.Article
	err := row.Scan(&a.ID, &a.Title, &a.Subtitle, &a.Body, &a.Category, &a.Subcategory, &a.Tags, &a.URL, &a.Restricted)
	if len(a.Tags) == 0 {
		a.Tags = nil
	}
	return a, err
}

// Article returns one article, or an error matching store.ErrNotFound.
func (kb *KnowledgeBase) Article(ctx context.Context, id string) (store.Article, error) {
	a, err := scanArticle(kb.db.pool.QueryRow(ctx, "SELECT "+articleColumns+" FROM chatflow.articles WHERE id = $1", id))
	if noRows(err) {
		return a, fmt.Errorf("postgres: article %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("postgres: article %q: %w", id, err)
	}
	return a, nil
}

// Search returns the articles that contain any word of the query, best
// first (equal ranks by ID), restricted ones only when opts allows them.
// Words are runs of letters and digits; a query of stop words only finds
// nothing.
func (kb *KnowledgeBase) Search(ctx context.Context, query string, opts store.SearchOptions) ([]store.Article, error) {
	limit := opts.Limit
	if limit <= 0 {
		limit = defaultSearchLimit
	}
	words := strings.FieldsFunc(query, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.M, r)
	})
	if len(words) == 0 {
		return nil, nil
	}
	// websearch_to_tsquery never fails on user input; "or" between the
	// words asks for articles with any of them.
	rows, err := kb.db.pool.Query(ctx, `
		SELECT `+articleColumns+`
		FROM chatflow.articles, websearch_to_tsquery($1::regconfig, $2) AS q
		WHERE document @@ q AND (NOT restricted OR $3)
		ORDER BY ts_rank('{0.33, 0.5, 0.75, 1}', document, q, 1) DESC, id
		LIMIT $4`, kb.db.textSearch, strings.Join(words, " or "), opts.IncludeRestricted, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: searching articles: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Article, error) { return scanArticle(row) })
	if err != nil {
		return nil, fmt.Errorf("postgres: searching articles: %w", err)
	}
	return out, nil
}
