package redis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/chatflow/chatflow/internal/testservers"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/redis"
	"github.com/chatflow/chatflow/store/storetest"
)

func TestMain(m *testing.M) { testservers.Main(m, testservers.NeedRedis) }

// open connects to the test server with a prefix of the test's own.
func open(t *testing.T, cfg redis.Config) *redis.DB {
	t.Helper()
	cfg.URL = testservers.RedisURL(t)
	if cfg.Prefix == "" {
		cfg.Prefix = "test:" + t.Name() + ":"
	}
	db, err := redis.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSessions(t *testing.T) {
	storetest.TestSessions(t, func(t *testing.T) store.Sessions { return open(t, redis.Config{}).Sessions() })
}

func TestIdleSessions(t *testing.T) {
	storetest.TestIdleSessions(t, func(t *testing.T) store.IdleSessions { return open(t, redis.Config{}).Sessions() })
}

func TestLocker(t *testing.T) {
	storetest.TestLocker(t, func(t *testing.T) store.Locker { return open(t, redis.Config{}).Locker() })
}

func TestLockedSessions(t *testing.T) {
	storetest.TestLockedSessions(t, func(t *testing.T) (store.Locker, store.Sessions) {
		db := open(t, redis.Config{})
		return db.Locker(), db.Sessions()
	})
}

// A holder that dies without unlocking blocks others only until its lease
// runs out.
func TestLockOfDeadHolderExpires(t *testing.T) {
	db := open(t, redis.Config{Lease: 300 * time.Millisecond})
	ctx := t.Context()
	// The dead holder: its key, with no process left to renew it.
	if err := db.Client().Set(ctx, "test:"+t.Name()+":lock:{c1}", "dead-token", 300*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	unlock, err := db.Locker().Lock(c, "c1")
	if err != nil {
		t.Fatalf("Lock after the dead holder's lease: %v", err)
	}
	unlock()
}

// A held lock's lease is renewed: a turn longer than the lease keeps it.
func TestLockRenewsLease(t *testing.T) {
	db := open(t, redis.Config{Lease: time.Second})
	ctx := t.Context()
	unlock, err := db.Locker().Lock(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	// Wait for several leases; the key must still be there, ours.
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if n, err := db.Client().Exists(ctx, "test:"+t.Name()+":lock:{c1}").Result(); err != nil || n != 1 {
			t.Fatalf("the lock key went away while held: %d, %v", n, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A holder whose lease was lost cannot release the lock its successor
// took, nor save over its successor's session.
func TestLostLeaseChangesNothing(t *testing.T) {
	db := open(t, redis.Config{})
	ctx := t.Context()
	locks, sessions := db.Locker(), db.Sessions()
	unlockA, err := locks.Lock(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sessions.Save(ctx, "c1", []byte("A1"), 0); err != nil {
		t.Fatal(err)
	}
	// A stalls; its lease is lost (here: the key is removed) and B takes
	// over, loads version 1 and saves version 2.
	key := "test:" + t.Name() + ":lock:{c1}"
	if err := db.Client().Del(ctx, key).Err(); err != nil {
		t.Fatal(err)
	}
	unlockB, err := locks.Lock(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sessions.Save(ctx, "c1", []byte("B2"), 1); err != nil {
		t.Fatal(err)
	}
	// A wakes up: its save at version 1 is refused, its unlock leaves B's
	// lock alone.
	if _, err := sessions.Save(ctx, "c1", []byte("A2"), 1); !errors.Is(err, store.ErrConflict) {
		t.Errorf("late Save = %v, want ErrConflict", err)
	}
	unlockA()
	if n, _ := db.Client().Exists(ctx, key).Result(); n != 1 {
		t.Error("the late holder's unlock released its successor's lock")
	}
	unlockB()
	rec, err := sessions.Load(ctx, "c1")
	if err != nil || string(rec.Data) != "B2" || rec.Version != 2 {
		t.Errorf("Load = %q v%d, %v; want B2 v2", rec.Data, rec.Version, err)
	}
}

// With SessionTTL, an abandoned session expires.
func TestSessionTTL(t *testing.T) {
	db := open(t, redis.Config{SessionTTL: time.Hour})
	ctx := t.Context()
	if _, err := db.Sessions().Save(ctx, "c1", []byte("x"), 0); err != nil {
		t.Fatal(err)
	}
	ttl, err := db.Client().PTTL(ctx, "test:"+t.Name()+":session:{c1}").Result()
	if err != nil || ttl <= 0 || ttl > time.Hour {
		t.Fatalf("session TTL = %v, %v; want about an hour", ttl, err)
	}
}
