package sqlite_test

import (
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/chatflow/chatflow/store/sqlite"
	"github.com/chatflow/chatflow/store/storetest"
)

// open returns a new, migrated database in a temporary file.
func open(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "chat.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestConformance(t *testing.T) {
	t.Run("Contacts", func(t *testing.T) {
		storetest.TestContacts(t, func(t *testing.T) store.Contacts { return open(t).Contacts() })
	})
	t.Run("Companies", func(t *testing.T) {
		storetest.TestCompanies(t, func(t *testing.T) (store.Companies, storetest.CreateCompanyFunc) {
			c := open(t).Contacts()
			return c, c.CreateCompany
		})
	})
	t.Run("Sessions", func(t *testing.T) {
		storetest.TestSessions(t, func(t *testing.T) store.Sessions { return open(t).Sessions() })
	})
	t.Run("IdleSessions", func(t *testing.T) {
		storetest.TestIdleSessions(t, func(t *testing.T) store.IdleSessions { return open(t).Sessions() })
	})
	t.Run("Locker", func(t *testing.T) {
		storetest.TestLocker(t, func(t *testing.T) store.Locker { return open(t).Locker() })
	})
	t.Run("LockedSessions", func(t *testing.T) {
		storetest.TestLockedSessions(t, func(t *testing.T) (store.Locker, store.Sessions) {
			db := open(t)
			return db.Locker(), db.Sessions()
		})
	})
	t.Run("Committer", func(t *testing.T) {
		storetest.TestCommitter(t, func(t *testing.T) store.Stores { return open(t).Stores() })
	})
	t.Run("ConsentRecords", func(t *testing.T) {
		storetest.TestConsentRecords(t, func(t *testing.T) consent.Records { return open(t).ConsentRecords() })
	})
	t.Run("Subscriptions", func(t *testing.T) {
		storetest.TestSubscriptions(t, func(t *testing.T) store.Subscriptions { return open(t).Subscriptions() })
	})
	t.Run("Lists", func(t *testing.T) {
		storetest.TestLists(t, func(t *testing.T) (store.Lists, string) {
			l := open(t).Lists()
			if err := l.CreateList(t.Context(), "newsletter"); err != nil {
				t.Fatal(err)
			}
			return l, "newsletter"
		})
	})
	t.Run("Workflows", func(t *testing.T) {
		storetest.TestWorkflows(t, func(t *testing.T) (store.Workflows, string) {
			w := open(t).Workflows()
			if err := w.CreateWorkflow(t.Context(), "onboarding", true); err != nil {
				t.Fatal(err)
			}
			return w, "onboarding"
		})
	})
	t.Run("Tickets", func(t *testing.T) {
		storetest.TestTickets(t, func(t *testing.T) store.Tickets { return open(t).Tickets() })
	})
	t.Run("KnowledgeBase", func(t *testing.T) {
		storetest.TestKnowledgeBase(t, func(t *testing.T, arts []store.Article) store.KnowledgeBase {
			kb := open(t).KnowledgeBase()
			if err := kb.Add(t.Context(), arts...); err != nil {
				t.Fatal(err)
			}
			return kb
		})
	})
	t.Run("Meetings", func(t *testing.T) {
		storetest.TestMeetings(t, func(t *testing.T, links map[string]store.MeetingLink) store.Meetings {
			m := open(t).Meetings()
			for id, l := range links {
				if err := m.SetLink(t.Context(), id, l); err != nil {
					t.Fatal(err)
				}
			}
			return m
		})
	})
}

// Open changes nothing; Migrate is idempotent; the data survives closing
// and opening the file again.
func TestMigrateAndReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "chat.db")
	db, err := sqlite.Open(ctx, sqlite.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := db.SchemaVersion(ctx); err != nil || v != 0 {
		t.Fatalf("before Migrate: version %d, %v", v, err)
	}
	for range 2 {
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Sessions().Save(ctx, "c1", []byte("kept"), 0); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = sqlite.Open(ctx, sqlite.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.SchemaVersion(ctx); err != nil || v < 1 {
		t.Fatalf("after reopening: version %d, %v", v, err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	rec, err := db.Sessions().Load(ctx, "c1")
	if err != nil || string(rec.Data) != "kept" || rec.Version != 1 {
		t.Fatalf("after reopening: %q v%d, %v", rec.Data, rec.Version, err)
	}
}

// Many goroutines writing at once never see SQLITE_BUSY.
func TestConcurrentWriters(t *testing.T) {
	db := open(t)
	ctx := t.Context()
	contacts := db.Contacts()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for j := range 20 {
				c, err := contacts.CreateContact(ctx, store.Properties{"n": "x"})
				if err == nil {
					err = contacts.UpdateContact(ctx, c.ID, store.Properties{"m": "y"})
				}
				if err == nil {
					_, err = db.Tickets().CreateTicket(ctx, "", store.Ticket{Name: "t", ContactID: c.ID})
				}
				if err != nil {
					t.Errorf("writer %d, round %d: %v", i, j, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Triggers keep consent records as written outside an erasure.
func TestConsentRecordsAppendOnly(t *testing.T) {
	db := open(t)
	ctx := t.Context()
	recs := db.ConsentRecords()
	at := time.Date(1600, 1, 2, 3, 4, 5, 6, time.UTC) // outside what UnixNano holds
	if err := recs.Append(ctx, consent.Record{ID: "r1", VisitorID: "v", Kind: consent.Cookies, Text: "OK?", Choice: consent.Granted, Time: at}); err != nil {
		t.Fatal(err)
	}
	raw, err := sqlite.SQLDB(t, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"UPDATE consent_records SET choice = 'refused' WHERE id = 'r1'",
		"UPDATE consent_records SET contact_id = 'c', text = 'x' WHERE id = 'r1'",
		"DELETE FROM consent_records WHERE id = 'r1'",
	} {
		if _, err := raw.ExecContext(ctx, q); err == nil {
			t.Errorf("%s succeeded", q)
		}
	}
	if err := recs.LinkContact(ctx, "v", "c"); err != nil {
		t.Fatal(err)
	}
	got, err := recs.ForContact(ctx, "c")
	if err != nil || len(got) != 1 || !got[0].Time.Equal(at) || got[0].Choice != consent.Granted {
		t.Fatalf("ForContact = %+v, %v", got, err)
	}
	if err := recs.Erase(ctx, "v", ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := recs.ForContact(ctx, "c"); len(got) != 0 {
		t.Errorf("after Erase: %+v", got)
	}
	// The erasure is over: deleting is refused again.
	if err := recs.Append(ctx, consent.Record{ID: "r2", VisitorID: "v", Kind: consent.Cookies, Choice: consent.Granted}); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, "DELETE FROM consent_records"); err == nil {
		t.Error("DELETE after an erasure succeeded")
	}
}

// Search ranks by field weight, stems, and keeps restricted articles out.
func TestKnowledgeBaseRanking(t *testing.T) {
	kb := open(t).KnowledgeBase()
	ctx := t.Context()
	err := kb.Add(ctx,
		store.Article{ID: "body", Title: "Account settings", Body: "You can download every invoice here.", URL: "u"},
		store.Article{ID: "title", Title: "Download your invoices", Body: "Under Settings.", URL: "u"},
		store.Article{ID: "secret", Title: "Invoice discounts for partners", URL: "u", Restricted: true},
	)
	if err != nil {
		t.Fatal(err)
	}
	res, err := kb.Search(ctx, "invoice?", store.SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range res {
		ids = append(ids, a.ID)
	}
	if !slices.Equal(ids, []string{"title", "body"}) {
		t.Errorf("Search = %v, want title before body, no restricted article", ids)
	}
	for _, q := range []string{"", `" OR * NEAR(`, "?!"} {
		if res, err := kb.Search(ctx, q, store.SearchOptions{}); err != nil || len(res) != 0 {
			t.Errorf("Search(%q) = %v, %v", q, res, err)
		}
	}
	if ok, err := kb.Remove(ctx, "title"); !ok || err != nil {
		t.Fatalf("Remove = %v, %v", ok, err)
	}
	if _, err := kb.Article(ctx, "title"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Article after Remove: %v", err)
	}
}

// The session store commits in one transaction only the writes of stores
// in its own database file.
func TestCommitterCoversOnlyItsDatabase(t *testing.T) {
	db, other := open(t), open(t)
	st := db.Stores()
	if !db.Sessions().Covers(st) {
		t.Fatal("Covers is false for the database's own stores")
	}
	if !db.Sessions().Covers(store.Stores{Sessions: db.Sessions(), Contacts: db.Contacts(), Consent: db.ConsentRecords()}) {
		t.Error("Covers is false without companies and subscriptions, which it may do without")
	}
	for name, change := range map[string]func(*store.Stores){
		"contacts":      func(s *store.Stores) { s.Contacts = other.Contacts() },
		"companies":     func(s *store.Stores) { s.Companies = other.Contacts() },
		"consent":       func(s *store.Stores) { s.Consent = other.ConsentRecords() },
		"subscriptions": func(s *store.Stores) { s.Subscriptions = other.Subscriptions() },
		"sessions":      func(s *store.Stores) { s.Sessions = other.Sessions() },
		"memory":        func(s *store.Stores) { s.Consent = memory.NewConsentRecords() },
	} {
		changed := st
		change(&changed)
		if db.Sessions().Covers(changed) {
			t.Errorf("Covers is true with another database's %s", name)
		}
	}
}
