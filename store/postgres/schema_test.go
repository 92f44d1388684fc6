package postgres_test

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store"
)

// Open changes nothing; Migrate creates the schema once, however often and
// from however many processes it is called.
func TestMigrateExplicitIdempotentConcurrent(t *testing.T) {
	db := openFresh(t)
	ctx := t.Context()
	v, err := db.SchemaVersion(ctx)
	if err != nil || v != 0 {
		t.Fatalf("before Migrate: schema version %d, %v; want 0", v, err)
	}
	if _, err := db.Sessions().Load(ctx, "c"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Load before Migrate = %v, want a failure (no table)", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = db.Migrate(ctx) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent Migrate: %v", err)
		}
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	var applied int
	if err := db.Pool().QueryRow(ctx, "SELECT count(*) FROM chatflow.schema_migrations").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	v, err = db.SchemaVersion(ctx)
	if err != nil || v < 1 || applied != v {
		t.Fatalf("after Migrate: schema version %d, %d migrations recorded, %v", v, applied, err)
	}
}

// The table guard keeps consent records as they were written: outside an
// erasure no statement may change or remove one, only link a contact to
// a record that has none.
func TestConsentRecordsAppendOnly(t *testing.T) {
	db := sharedDB(t)
	ctx := t.Context()
	recs := db.ConsentRecords()
	id := "guard-" + time.Now().Format("150405.000000000")
	r := consent.Record{ID: id, VisitorID: id + "-v", Kind: consent.DataProcessing, Basis: consent.ExplicitConsent,
		Text: "OK?", TextHash: consent.Hash("OK?"), Choice: consent.Granted, Time: time.Unix(1, 0)}
	if err := recs.Append(ctx, r); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		"UPDATE chatflow.consent_records SET choice = 'refused' WHERE id = $1",
		"UPDATE chatflow.consent_records SET contact_id = 'x', text = 'changed' WHERE id = $1",
		"DELETE FROM chatflow.consent_records WHERE id = $1",
	} {
		_, err := db.Pool().Exec(ctx, sql, id)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s: error = %v, want the guard's insufficient_privilege", sql, err)
		}
	}
	if _, err := db.Pool().Exec(ctx, "TRUNCATE chatflow.consent_records"); err == nil {
		t.Error("TRUNCATE of consent records succeeded")
	}
	// Linking fills in the contact once; it cannot be changed afterwards.
	if err := recs.LinkContact(ctx, id+"-v", id+"-c"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, "UPDATE chatflow.consent_records SET contact_id = 'other' WHERE id = $1", id); err == nil {
		t.Error("changing a linked contact succeeded")
	}
	got, err := recs.ForContact(ctx, id+"-c")
	if err != nil || len(got) != 1 || got[0].Choice != consent.Granted || got[0].Text != "OK?" {
		t.Fatalf("ForContact = %+v, %v", got, err)
	}
	if err := recs.Erase(ctx, "", id+"-c"); err != nil {
		t.Fatalf("Erase: %v", err)
	}
	if got, _ := recs.ForVisitor(ctx, id+"-v"); len(got) != 0 {
		t.Errorf("after Erase: %+v", got)
	}
}

// Search ranks by where a word occurs (title over body), stems words in
// the configured language, and keeps restricted articles out in SQL.
func TestKnowledgeBaseRanking(t *testing.T) {
	db := freshDB(t)
	kb := db.KnowledgeBase()
	ctx := t.Context()
	err := kb.Add(ctx,
		store.Article{ID: "body", Title: "Account settings", Body: "You can download every invoice here.", URL: "u"},
		store.Article{ID: "title", Title: "Download your invoices", Body: "Under Settings.", URL: "u"},
		store.Article{ID: "tags", Title: "Billing questions", Tags: []string{"invoice"}, URL: "u"},
		store.Article{ID: "secret", Title: "Invoice discounts for partners", URL: "u", Restricted: true},
		store.Article{ID: "other", Title: "Reset your password", URL: "u"},
	)
	if err != nil {
		t.Fatal(err)
	}
	search := func(q string, opts store.SearchOptions) []string {
		res, err := kb.Search(ctx, q, opts)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range res {
			ids = append(ids, a.ID)
		}
		return ids
	}
	if got := search("invoice", store.SearchOptions{}); !slices.Equal(got, []string{"title", "tags", "body"}) {
		t.Errorf("Search(invoice) = %v, want title, tags, body (stemmed, by field weight, no restricted)", got)
	}
	if got := search("invoice", store.SearchOptions{IncludeRestricted: true}); !slices.Contains(got, "secret") {
		t.Errorf("Search(invoice, restricted) = %v, want the restricted article too", got)
	}
	if got := search("how do I reset my password?", store.SearchOptions{}); !slices.Equal(got, []string{"other"}) {
		t.Errorf("Search(a question) = %v, want the article with any of its words", got)
	}
	for _, q := range []string{"", "the of and", "!!! ???", `" & | ! ( ) : *`} {
		if got := search(q, store.SearchOptions{}); len(got) != 0 {
			t.Errorf("Search(%q) = %v, want nothing", q, got)
		}
	}
	if ok, err := kb.Remove(ctx, "title"); !ok || err != nil {
		t.Fatalf("Remove = %v, %v", ok, err)
	}
	if _, err := kb.Article(ctx, "title"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Article after Remove: %v", err)
	}
}
