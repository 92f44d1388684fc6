package integration_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/internal/testservers"
	"github.com/chatflow/chatflow/store"
)

// faultCase breaks a store in the middle of a turn and, when the turn has
// failed, mends it.
type faultCase struct {
	name  string
	redis bool                           // sessions and lock on Redis
	brk   func(t *testing.T, url string) // runs inside the turn
	mend  func(t *testing.T)             // runs after the failed turn
}

// In the middle of a turn — after the record action computed its writes
// and the ticket was created, before anything is saved — a store goes
// away. The turn must fail and leave the session exactly as it was; a
// retry of the same message must then succeed once: one property write,
// one counter increment, one ticket.
func TestFaultsMidTurn(t *testing.T) {
	for _, fc := range []faultCase{
		{name: "PostgresConnectionsDropped", brk: terminateBackends},
		{name: "PostgresRestart",
			brk: func(t *testing.T, _ string) {
				if err := testservers.GetPostgres(t).Down(); err != nil {
					t.Skip(err)
				}
			},
			mend: func(t *testing.T) {
				if err := testservers.GetPostgres(t).Up(); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "RedisDown", redis: true,
			brk: func(t *testing.T, _ string) {
				if err := testservers.GetRedis(t).Down(); err != nil {
					t.Skip(err)
				}
			},
			mend: func(t *testing.T) {
				if err := testservers.GetRedis(t).Up(); err != nil {
					t.Fatal(err)
				}
			}},
	} {
		t.Run(fc.name, func(t *testing.T) { testFault(t, fc) })
	}
}

func testFault(t *testing.T, fc faultCase) {
	ctx := context.Background()
	url := freshPostgres(t)
	db := openPostgres(t, url)
	stores := storesOn(db, nil)
	if fc.redis {
		stores = storesOn(db, openRedis(t, testservers.RedisURL(t), "fault:"+t.Name()+":"+rand.Text()[:6]+":"))
	}
	var hook atomic.Pointer[func()]
	e := loopEngine(t, stores, &hook)
	contactID := startConversation(t, e, stores.Contacts, "c1")
	send := func(i int) (*engine.Reply, error) {
		c, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		return e.Handle(c, engine.Input{ConversationID: "c1", MessageID: fmt.Sprint("m", i), Text: fmt.Sprintf("p%d=v%d", i, i)})
	}
	if _, err := send(1); err != nil {
		t.Fatal(err)
	}
	before, err := stores.Sessions.Load(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}

	brk := func() {
		hook.Store(nil) // once
		fc.brk(t, url)
	}
	hook.Store(&brk)
	if _, err := send(2); err == nil {
		t.Fatal("the turn succeeded although a store went away in the middle of it")
	}
	if fc.mend != nil {
		fc.mend(t)
	}
	after := loadEventually(t, stores.Sessions)
	if after.Version != before.Version || !bytes.Equal(after.Data, before.Data) {
		t.Fatalf("the failed turn changed the session: version %d → %d", before.Version, after.Version)
	}

	// The host retries the message until the stores answer again.
	var reply *engine.Reply
	for attempt := 1; ; attempt++ {
		if reply, err = send(2); err == nil {
			break
		}
		if attempt == 5 {
			t.Fatalf("retry %d: %v", attempt, err)
		}
		t.Logf("retry %d failed: %v", attempt, err)
	}
	if reply.Outcome != engine.OutcomeProcessed {
		t.Fatalf("the retry's outcome is %q, want processed", reply.Outcome)
	}
	if again, err := send(2); err != nil || again.Outcome != engine.OutcomeDuplicate {
		t.Fatalf("a redelivery after the retry: %v, %+v; want a duplicate", err, again)
	}
	if _, err := send(3); err != nil {
		t.Fatal(err)
	}
	checkConversation(t, stores, contactID, 3)
}

// terminateBackends ends every other connection to the test's database,
// as a network failure or a failover would.
func terminateBackends(t *testing.T, url string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n)
	if err != nil || n == 0 {
		t.Fatalf("terminating connections: %d, %v", n, err)
	}
}

// loadEventually loads the session c1, retrying while the stores recover
// from the fault.
func loadEventually(t *testing.T, s store.Sessions) store.SessionRecord {
	t.Helper()
	var err error
	// A client may hold back its dials for a while after a server came
	// back (go-redis retries a failed dial once a second): keep trying for
	// a few seconds.
	for range 50 {
		var rec store.SessionRecord
		if rec, err = s.Load(context.Background(), "c1"); err == nil {
			return rec
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("loading the session after the fault: %v", err)
	return store.SessionRecord{}
}
