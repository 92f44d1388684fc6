package store

import "context"

// Article is a knowledge-base article. The zero value is an empty article
// with no ID.
type Article struct {
	// ID identifies the article in the knowledge base.
	ID string `json:"id"`
	// Title, Subtitle and Body are the article's text.
	Title    string `json:"title"`
	Subtitle string `json:"subtitle,omitempty"`
	Body     string `json:"body,omitempty"`
	// Category, Subcategory and Tags classify the article.
	Category    string   `json:"category,omitempty"`
	Subcategory string   `json:"subcategory,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	// URL is where the article is published.
	URL string `json:"url"`
	// Restricted articles are shown only to identified visitors.
	Restricted bool `json:"restricted,omitempty"`
}

// SearchOptions narrow a knowledge-base search. The zero value asks for
// the 5 best public articles.
type SearchOptions struct {
	// Limit is the most results to return; 0 means 5.
	Limit int
	// IncludeRestricted allows restricted articles (identified visitors only).
	IncludeRestricted bool
}

// KnowledgeBase finds articles.
type KnowledgeBase interface {
	// Article returns one article, or ErrNotFound.
	Article(ctx context.Context, id string) (Article, error)
	// Search returns the articles most relevant to the query, best first.
	Search(ctx context.Context, query string, opts SearchOptions) ([]Article, error)
}
