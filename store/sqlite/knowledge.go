package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/chatflow/chatflow/store"
)

// KnowledgeBase is the knowledge base, table articles with its FTS5 index
// articles_fts (see the package documentation for the ranking). The host
// adds articles with Add.
//
// Get one from DB.KnowledgeBase; the zero value is not usable.
// KnowledgeBase is safe for concurrent use.
type KnowledgeBase struct{ db *DB }

var _ store.KnowledgeBase = (*KnowledgeBase)(nil)

// KnowledgeBase returns the knowledge base.
func (db *DB) KnowledgeBase() *KnowledgeBase { return &KnowledgeBase{db} }

// articleColumns are the columns of an article, as scanArticle reads them.
const articleColumns = "a.id, a.title, a.subtitle, a.body, a.category, a.subcategory, a.tags, a.url, a.restricted"

// Add adds articles, replacing any with the same ID, in one transaction.
// Every article needs a non-empty ID.
func (kb *KnowledgeBase) Add(ctx context.Context, articles ...store.Article) error {
	for i, a := range articles {
		if a.ID == "" {
			return fmt.Errorf("sqlite: knowledge base: article %d (%q) has no ID", i, a.Title)
		}
	}
	err := kb.db.write(ctx, func(tx *sql.Tx) error {
		for _, a := range articles {
			if err := removeArticle(ctx, tx, a.ID); err != nil {
				return err
			}
			tags, err := json.Marshal(a.Tags)
			if err != nil {
				return err
			}
			var rowid int64
			err = tx.QueryRowContext(ctx, `INSERT INTO articles (id, title, subtitle, body, category, subcategory, tags, url, restricted)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING rowid`,
				a.ID, a.Title, a.Subtitle, a.Body, a.Category, a.Subcategory, string(tags), a.URL, a.Restricted).Scan(&rowid)
			if err != nil {
				return fmt.Errorf("article %q: %w", a.ID, err)
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO articles_fts (rowid, title, subtitle, tags, category, subcategory, body)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, rowid, a.Title, a.Subtitle, strings.Join(a.Tags, " "), a.Category, a.Subcategory, a.Body)
			if err != nil {
				return fmt.Errorf("indexing article %q: %w", a.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: adding articles: %w", err)
	}
	return nil
}

// removeArticle deletes an article and its index entry, if there is one.
func removeArticle(ctx context.Context, tx *sql.Tx, id string) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM articles_fts WHERE rowid = (SELECT rowid FROM articles WHERE id = ?)", id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "DELETE FROM articles WHERE id = ?", id)
	return err
}

// Remove deletes the article with the given ID and reports whether there
// was one.
func (kb *KnowledgeBase) Remove(ctx context.Context, id string) (bool, error) {
	var found bool
	err := kb.db.write(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM articles WHERE id = ?)", id).Scan(&found); err != nil {
			return err
		}
		return removeArticle(ctx, tx, id)
	})
	if err != nil {
		return false, fmt.Errorf("sqlite: removing article %q: %w", id, err)
	}
	return found, nil
}

// scanArticle reads the columns of articleColumns.
func scanArticle(row interface{ Scan(...any) error }) (store.Article, error) {
	var (
		a    store.Article
		tags string
	)
	if err := row.Scan(&a.ID, &a.Title, &a.Subtitle, &a.Body, &a.Category, &a.Subcategory, &tags, &a.URL, &a.Restricted); err != nil {
		return a, err
	}
	err := json.Unmarshal([]byte(tags), &a.Tags)
	return a, err
}

// Article returns one article, or an error matching store.ErrNotFound.
func (kb *KnowledgeBase) Article(ctx context.Context, id string) (store.Article, error) {
	a, err := scanArticle(kb.db.r.QueryRowContext(ctx, "SELECT "+articleColumns+" FROM articles AS a WHERE a.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("sqlite: article %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("sqlite: article %q: %w", id, err)
	}
	return a, nil
}

// Search returns the articles that contain any word of the query, best
// first (equal ranks by ID), restricted ones only when opts allows them.
// Words are runs of letters and digits.
func (kb *KnowledgeBase) Search(ctx context.Context, query string, opts store.SearchOptions) ([]store.Article, error) {
	limit := opts.Limit
	if limit <= 0 {
		limit = 5
	}
	words := strings.FieldsFunc(query, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.M, r)
	})
	if len(words) == 0 {
		return nil, nil
	}
	// Each word quoted is a plain term for FTS5: the visitor's text never
	// reaches the query syntax.
	match := `"` + strings.Join(words, `" OR "`) + `"`
	var out []store.Article
	err := kb.db.each(ctx, func(rows *sql.Rows) error {
		a, err := scanArticle(rows)
		out = append(out, a)
		return err
	}, `SELECT `+articleColumns+`
		FROM articles_fts JOIN articles AS a ON a.rowid = articles_fts.rowid
		WHERE articles_fts MATCH ? AND (NOT a.restricted OR ?)
		ORDER BY bm25(articles_fts, 3, 2, 2.5, 1.5, 1.5, 1), a.id
		LIMIT ?`, match, opts.IncludeRestricted, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: searching articles: %w", err)
	}
	return out, nil
}
