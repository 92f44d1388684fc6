package keylock_test

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/internal/keylock"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/storetest"
)

// The engine uses a Locker where the host gives no store.Locker.
var _ store.Locker = (*keylock.Locker)(nil)

func TestConformance(t *testing.T) {
	storetest.TestLocker(t, func(*testing.T) store.Locker { return new(keylock.Locker) })
}

func TestUnlockTwiceIsNoOp(t *testing.T) {
	ctx := t.Context()
	var l keylock.Locker
	unlock, err := l.Lock(ctx, "k")
	require.NoError(t, err)
	unlock()
	second, err := l.Lock(ctx, "k")
	require.NoError(t, err)
	unlock() // must not release the second holder's lock

	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err = l.Lock(short, "k")
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the second holder must still hold the key")
	second()
	second()
	third, err := l.Lock(ctx, "k")
	require.NoError(t, err)
	third()
}

func TestLockCancelledContext(t *testing.T) {
	var l keylock.Locker
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := l.Lock(ctx, "free")
	assert.ErrorIs(t, err, context.Canceled, "an ended context fails even for a free key")
	unlock, err := l.Lock(t.Context(), "free")
	require.NoError(t, err, "a failed Lock leaves the key free")
	unlock()
}

// BenchmarkLock locks and unlocks one key per goroutine, as turns of many
// conversations do.
func BenchmarkLock(b *testing.B) {
	var (
		l    keylock.Locker
		next atomic.Int64
	)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		key := "conversation-" + strconv.FormatInt(next.Add(1), 10)
		for pb.Next() {
			unlock, err := l.Lock(ctx, key)
			if err != nil {
				b.Fatal(err)
			}
			unlock()
		}
	})
}

// LockHeld excludes like Lock, shares its keys with Lock, gives up when
// the context ends, and allocates nothing.
func TestLockHeld(t *testing.T) {
	var l keylock.Locker
	ctx := context.Background()
	held, err := l.LockHeld(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := l.Lock(short, "k"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock of a key held by LockHeld: %v, want the context's error", err)
	}
	short2, cancel2 := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel2()
	if _, err := l.LockHeld(short2, "k"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("LockHeld of a held key: %v, want the context's error", err)
	}
	held.Unlock()
	unlock, err := l.Lock(ctx, "k")
	if err != nil {
		t.Fatalf("Lock after Unlock: %v", err)
	}
	unlock()
	if n := testing.AllocsPerRun(100, func() {
		h, err := l.LockHeld(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		h.Unlock()
	}); n != 0 {
		t.Errorf("LockHeld and Unlock allocate %v times, want 0", n)
	}
}
