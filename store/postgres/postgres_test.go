package postgres_test

import (
	"context"
	"crypto/rand"
	"strings"
	"sync"
	"testing"

	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/internal/testservers"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/postgres"
	"github.com/chatflow/chatflow/store/storetest"
)

func TestMain(m *testing.M) { testservers.Main(m, testservers.NeedPostgres) }

// shared is the database the conformance suites share: they use unique
// keys, so one migrated database serves them all.
var shared struct {
	once sync.Once
	db   *postgres.DB
	err  error
}

// sharedDB returns the shared, migrated database.
func sharedDB(t *testing.T) *postgres.DB {
	t.Helper()
	url := testservers.PostgresURL(t)
	shared.once.Do(func() {
		ctx := context.Background()
		url, err := testservers.GetPostgres(t).CreateDatabase(ctx, "conformance_"+strings.ToLower(rand.Text()[:6]))
		if err != nil {
			shared.err = err
			return
		}
		shared.db, shared.err = postgres.Open(ctx, postgres.Config{URL: url})
		if shared.err == nil {
			shared.err = shared.db.Migrate(ctx)
		}
	})
	_ = url
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.db
}

// freshDB returns a new, migrated database of the test's own.
func freshDB(t *testing.T) *postgres.DB {
	t.Helper()
	db := openFresh(t)
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

// openFresh returns a connection to a new, empty database.
func openFresh(t *testing.T) *postgres.DB {
	t.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "_", "#", "_").Replace(t.Name())) + "_" + strings.ToLower(rand.Text()[:6])
	url, err := testservers.GetPostgres(t).CreateDatabase(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(t.Context(), postgres.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

func TestContacts(t *testing.T) {
	storetest.TestContacts(t, func(t *testing.T) store.Contacts { return sharedDB(t).Contacts() })
}

func TestCompanies(t *testing.T) {
	storetest.TestCompanies(t, func(t *testing.T) (store.Companies, storetest.CreateCompanyFunc) {
		c := sharedDB(t).Contacts()
		return c, c.CreateCompany
	})
}

func TestSessions(t *testing.T) {
	storetest.TestSessions(t, func(t *testing.T) store.Sessions { return sharedDB(t).Sessions() })
}

func TestIdleSessions(t *testing.T) {
	storetest.TestIdleSessions(t, func(t *testing.T) store.IdleSessions { return sharedDB(t).Sessions() })
}

func TestLocker(t *testing.T) {
	storetest.TestLocker(t, func(t *testing.T) store.Locker { return sharedDB(t).Locker() })
}

func TestLockedSessions(t *testing.T) {
	storetest.TestLockedSessions(t, func(t *testing.T) (store.Locker, store.Sessions) {
		db := sharedDB(t)
		return db.Locker(), db.Sessions()
	})
}

func TestCommitter(t *testing.T) {
	storetest.TestCommitter(t, func(t *testing.T) store.Stores { return sharedDB(t).Stores() })
}

func TestConsentRecords(t *testing.T) {
	storetest.TestConsentRecords(t, func(t *testing.T) consent.Records { return sharedDB(t).ConsentRecords() })
}

func TestSubscriptions(t *testing.T) {
	storetest.TestSubscriptions(t, func(t *testing.T) store.Subscriptions { return sharedDB(t).Subscriptions() })
}

func TestLists(t *testing.T) {
	storetest.TestLists(t, func(t *testing.T) (store.Lists, string) {
		l := sharedDB(t).Lists()
		if err := l.CreateList(t.Context(), "newsletter"); err != nil {
			t.Fatal(err)
		}
		return l, "newsletter"
	})
}

func TestWorkflows(t *testing.T) {
	storetest.TestWorkflows(t, func(t *testing.T) (store.Workflows, string) {
		w := sharedDB(t).Workflows()
		if err := w.CreateWorkflow(t.Context(), "onboarding", true); err != nil {
			t.Fatal(err)
		}
		return w, "onboarding"
	})
}

func TestTickets(t *testing.T) {
	storetest.TestTickets(t, func(t *testing.T) store.Tickets { return sharedDB(t).Tickets() })
}

func TestKnowledgeBase(t *testing.T) {
	storetest.TestKnowledgeBase(t, func(t *testing.T, arts []store.Article) store.KnowledgeBase {
		kb := sharedDB(t).KnowledgeBase()
		if err := kb.Add(t.Context(), arts...); err != nil {
			t.Fatal(err)
		}
		return kb
	})
}

func TestMeetings(t *testing.T) {
	storetest.TestMeetings(t, func(t *testing.T, links map[string]store.MeetingLink) store.Meetings {
		m := sharedDB(t).Meetings()
		for id, l := range links {
			if err := m.SetLink(t.Context(), id, l); err != nil {
				t.Fatal(err)
			}
		}
		return m
	})
}
