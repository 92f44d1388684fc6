package memory

import (
	"context"
	"errors"
	"testing"
	"time"
	"unsafe"

	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/storetest"
)

// collideSessions makes every conversation ID hash alike for the rest of
// the test.
func collideSessions(t *testing.T) {
	old := sessionHash
	sessionHash = func(string) uint64 { return 42 }
	t.Cleanup(func() { sessionHash = old })
}

// With every ID hashing alike, the store still keeps conversations apart:
// the conformance suites pass as they do with a real hash.
func TestSessionsWithCollidingHashes(t *testing.T) {
	collideSessions(t)
	storetest.TestSessions(t, func(*testing.T) store.Sessions { return new(Sessions) })
	storetest.TestIdleSessions(t, func(*testing.T) store.IdleSessions { return new(Sessions) })
}

// The overflow keeps working when the ID holding the shared slot goes.
func TestSessionsCollisionAfterDelete(t *testing.T) {
	collideSessions(t)
	ctx := context.Background()
	var s Sessions
	save := func(id, data string, expected int64) int64 {
		t.Helper()
		v, err := s.SaveIdle(ctx, id, []byte(data), expected, time.Unix(int64(len(data)), 0))
		if err != nil {
			t.Fatalf("save %s at %d: %v", id, expected, err)
		}
		return v
	}
	load := func(id string) (string, int64) {
		t.Helper()
		rec, err := s.Load(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return "", 0
		}
		if err != nil {
			t.Fatalf("load %s: %v", id, err)
		}
		return string(rec.Data), rec.Version
	}
	save("a", "A1", 0)
	save("b", "B1", 0) // same hash as a: to the overflow
	if err := s.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	// b must not start over at version 1 in the freed slot.
	if _, err := s.Save(ctx, "b", []byte("B2"), 0); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("saving b as new after a's delete: %v, want a conflict", err)
	}
	save("b", "B2", 1)
	save("c", "C1", 0)
	if d, v := load("b"); d != "B2" || v != 2 {
		t.Errorf("b = %q v%d, want B2 v2", d, v)
	}
	if d, v := load("c"); d != "C1" || v != 1 {
		t.Errorf("c = %q v%d, want C1 v1", d, v)
	}
	if d, _ := load("a"); d != "" {
		t.Errorf("a = %q after delete", d)
	}
	ids, err := s.Idle(ctx, time.Unix(10, 0), 10)
	if err != nil || len(ids) != 2 {
		t.Fatalf("Idle = %v, %v; want b and c", ids, err)
	}
	for _, id := range []string{"b", "c"} {
		if err := s.Delete(ctx, id); err != nil {
			t.Fatal(err)
		}
		if d, _ := load(id); d != "" {
			t.Errorf("%s = %q after delete", id, d)
		}
	}
}

func TestSessionShardsArePadded(t *testing.T) {
	var s Sessions
	if size := unsafe.Sizeof(s.shards[0]); size%cacheLine != 0 {
		t.Errorf("session shard size %d is not a multiple of %d", size, cacheLine)
	}
}
