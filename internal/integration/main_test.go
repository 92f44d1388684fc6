package integration_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/internal/testservers"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/postgres"
	"github.com/chatflow/chatflow/store/redis"
)

// workerEnv tells a re-executed test binary that it is a fleet worker,
// which uses the parent's servers instead of starting its own.
const workerEnv = "CHATFLOW_FLEET_WORKER"

func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) != "" {
		os.Exit(m.Run())
	}
	code := testservers.Run(m, testservers.NeedPostgres, testservers.NeedRedis)
	for _, c := range benchCleanups {
		c()
	}
	os.Exit(code)
}

// loopFlow loops for ever: ask, record the answer "name=value" as a
// contact property and count the turn (a value derived from a stored one),
// open a ticket named after the answer, give a test the chance to break a
// store (after the ticket, before anything is saved), ask again. Every message thus has
// a property, a counter increment and a ticket that must each happen once.
const loopFlow = `{"id":"loop","version":1,"welcome":{"message":["hi"]},"actions":[
	{"name":"ask","type":"ask_question","settings":{"message":["Next?"]}},
	{"name":"record","type":"record"},
	{"name":"ticket","type":"submit_ticket","settings":{"name":"{{ answers.ask }}","pipeline":"p","status":"new"}},
	{"name":"fault","type":"fault","next":"ask"}]}`

// record is the host action of loopFlow that records an answer.
type record struct{}

func (record) Run(_ context.Context, t action.Turn) (action.Result, error) {
	ans, _ := t.Answer("ask")
	name, value, ok := strings.Cut(ans, "=")
	if !ok {
		return action.Result{Status: action.Done}, nil
	}
	if err := t.SetProperty(action.ContactObject, name, value); err != nil {
		return action.Result{}, err
	}
	n := 0
	if v, ok := t.Property(action.ContactObject, "turns"); ok {
		n, _ = strconv.Atoi(v)
	}
	return action.Result{Status: action.Done}, t.SetProperty(action.ContactObject, "turns", strconv.Itoa(n+1))
}

// fault is the host action of loopFlow that lets a test break a store in
// the middle of a turn: it calls the hook, if any, and goes on.
type fault struct{ hook *atomic.Pointer[func()] }

func (f fault) Run(context.Context, action.Turn) (action.Result, error) {
	if h := f.hook.Load(); h != nil {
		(*h)()
	}
	return action.Result{Status: action.Done}, nil
}

// loopEngine returns an engine on stores with loopFlow published. hook,
// when set, runs in the middle of every turn.
func loopEngine(tb testing.TB, stores store.Stores, hook *atomic.Pointer[func()]) *engine.Engine {
	tb.Helper()
	if hook == nil {
		hook = new(atomic.Pointer[func()])
	}
	e, err := engine.New(engine.Config{Stores: stores, Actions: []action.Type{
		{Name: "record", New: func() action.Action { return record{} }},
		{Name: "fault", New: func() action.Action { return fault{hook} }},
	}})
	if err != nil {
		tb.Fatal(err)
	}
	f, err := e.Load([]byte(loopFlow))
	if err != nil {
		tb.Fatal(err)
	}
	if err := e.Publish(f); err != nil {
		tb.Fatal(err)
	}
	return e
}

// freshPostgres creates a database of the test's own, migrated, and
// returns its URL.
func freshPostgres(tb testing.TB) string {
	tb.Helper()
	name := strings.ToLower(strings.NewReplacer("/", "_", "#", "_").Replace(tb.Name())) + "_" + strings.ToLower(rand.Text()[:6])
	ctx := context.Background()
	url, err := testservers.GetPostgres(tb).CreateDatabase(ctx, name)
	if err != nil {
		tb.Fatal(err)
	}
	db := openPostgres(tb, url)
	if err := db.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return url
}

// openPostgres connects to the database at url for the test.
func openPostgres(tb testing.TB, url string) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), postgres.Config{URL: url})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(db.Close)
	return db
}

// openRedis connects to the Redis server at url, with keys under prefix
// and a short lease, so that a killed lock holder blocks others briefly.
func openRedis(tb testing.TB, url, prefix string) *redis.DB {
	tb.Helper()
	db, err := redis.Open(context.Background(), redis.Config{URL: url, Prefix: prefix, Lease: 2 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// storesOn returns the PostgreSQL stores, with sessions and the lock on
// Redis when rdb is not nil.
func storesOn(db *postgres.DB, rdb *redis.DB) store.Stores {
	s := db.Stores()
	if rdb != nil {
		s.Sessions, s.Locker = rdb.Sessions(), rdb.Locker()
	}
	return s
}

// startConversation creates a contact, starts its conversation on the
// loop flow, identified as that contact, and says hello, so that the bot
// waits for the first answer.
func startConversation(tb testing.TB, e *engine.Engine, contacts store.Contacts, id string) string {
	tb.Helper()
	ctx := context.Background()
	c, err := contacts.CreateContact(ctx, store.Properties{"email": id + "@fleet.example"})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := e.Start(ctx, engine.StartRequest{ConversationID: id, FlowID: "loop", ContactID: c.ID}); err != nil {
		tb.Fatal(err)
	}
	// The first message starts the bot, which asks; each later one answers.
	if _, err := e.Handle(ctx, engine.Input{ConversationID: id, MessageID: "hello", Text: "hello"}); err != nil {
		tb.Fatal(err)
	}
	return c.ID
}

// checkConversation checks what n messages "p1=v1" … "pn=vn" of one
// conversation must have left: each property once, the counter at n, and
// one ticket per message.
func checkConversation(t *testing.T, stores store.Stores, contactID string, n int) {
	t.Helper()
	ctx := context.Background()
	c, err := stores.Contacts.Contact(ctx, contactID)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if got, want := c.Properties[fmt.Sprintf("p%d", i)], fmt.Sprintf("v%d", i); got != want {
			t.Errorf("contact %s: p%d = %q, want %q (a lost update)", contactID, i, got, want)
		}
	}
	if got := c.Properties["turns"]; got != strconv.Itoa(n) {
		t.Errorf("contact %s: turns = %q, want %d (each message counted once)", contactID, got, n)
	}
	tickets, err := stores.Tickets.(store.TicketReader).TicketsOf(ctx, contactID)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, tk := range tickets {
		names[tk.Name]++
	}
	for i := 1; i <= n; i++ {
		if k := names[fmt.Sprintf("p%d=v%d", i, i)]; k != 1 {
			t.Errorf("contact %s: %d tickets for message %d, want 1", contactID, k, i)
		}
	}
	if len(tickets) != n {
		t.Errorf("contact %s: %d tickets, want %d", contactID, len(tickets), n)
	}
}
