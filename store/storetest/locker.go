package storetest

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatflow/chatflow/store"
)

// Timing of the Locker tests. blockedFor is how long a Lock must keep
// waiting to count as blocked; acquireWithin how long a free lock may take.
const (
	blockedFor    = 30 * time.Millisecond
	acquireWithin = 5 * time.Second
)

// TestLocker checks a store.Locker: a key is held by one caller at a time,
// released keys can be taken again, different keys do not block each
// other, a waiting Lock takes the key when it is released, and a waiting
// Lock whose context is cancelled or times out returns an error matching
// the context's and leaves the key usable.
//
// newLocker is called once per subtest. Exclusion is checked with atomic
// counters rather than with memory the Locker is trusted to synchronize, so
// the subtests also suit locks held outside the process.
func TestLocker(t *testing.T, newLocker func(t *testing.T) store.Locker) {
	t.Run("LockUnlock", func(t *testing.T) {
		l := newLocker(t)
		key := uniqueKey(t, "")
		for range 3 {
			unlock := mustLock(t, l, key)
			unlock()
		}
	})

	t.Run("KeysIndependent", func(t *testing.T) {
		l := newLocker(t)
		unlockA := mustLock(t, l, uniqueKey(t, "a"))
		defer unlockA()
		unlockB := mustLock(t, l, uniqueKey(t, "b"))
		unlockB()
	})

	t.Run("WaitsForUnlock", func(t *testing.T) {
		l := newLocker(t)
		key := uniqueKey(t, "")
		unlock := mustLock(t, l, key)
		var acquired atomic.Bool
		done := make(chan error, 1)
		go func() {
			c, cancel := context.WithTimeout(ctx(t), acquireWithin)
			defer cancel()
			u, err := l.Lock(c, key)
			if err == nil {
				acquired.Store(true)
				u()
			}
			done <- err
		}()
		time.Sleep(blockedFor)
		if acquired.Load() {
			t.Fatal("Lock of a held key returned before the key was released")
		}
		unlock()
		if err := <-done; err != nil {
			t.Fatalf("waiting Lock after release: %v", err)
		}
	})

	t.Run("MutualExclusion", func(t *testing.T) {
		l := newLocker(t)
		key := uniqueKey(t, "")
		const workers, rounds = 20, 10
		var inside, total atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range rounds {
					c, cancel := context.WithTimeout(ctx(t), acquireWithin)
					unlock, err := l.Lock(c, key)
					cancel()
					if err != nil {
						t.Errorf("Lock: %v", err)
						return
					}
					if n := inside.Add(1); n != 1 {
						t.Errorf("%d holders of one key at once", n)
					}
					total.Add(1)
					inside.Add(-1)
					unlock()
				}
			})
		}
		wg.Wait()
		if got := total.Load(); got != workers*rounds {
			t.Errorf("%d critical sections ran, want %d", got, workers*rounds)
		}
	})

	t.Run("CancelWhileWaiting", func(t *testing.T) {
		l := newLocker(t)
		key := uniqueKey(t, "")
		unlock := mustLock(t, l, key)
		c, cancel := context.WithCancel(ctx(t))
		time.AfterFunc(blockedFor, cancel)
		start := time.Now()
		u, err := l.Lock(c, key)
		if err == nil {
			u()
			t.Fatal("Lock of a held key succeeded")
		}
		wantErr(t, "Lock cancelled while waiting", err, context.Canceled)
		if waited := time.Since(start); waited > acquireWithin {
			t.Errorf("Lock returned %v after its context was cancelled", waited-blockedFor)
		}
		unlock()
		mustLock(t, l, key)()
	})

	t.Run("TimeoutWhileWaiting", func(t *testing.T) {
		l := newLocker(t)
		key := uniqueKey(t, "")
		unlock := mustLock(t, l, key)
		c, cancel := context.WithTimeout(ctx(t), blockedFor)
		defer cancel()
		u, err := l.Lock(c, key)
		if err == nil {
			u()
			t.Fatal("Lock of a held key succeeded")
		}
		wantErr(t, "Lock timed out while waiting", err, context.DeadlineExceeded)
		unlock()
		mustLock(t, l, key)()
	})

	t.Run("ManyCancelledWaiters", func(t *testing.T) {
		l := newLocker(t)
		key := uniqueKey(t, "")
		unlock := mustLock(t, l, key)
		c, cancel := context.WithCancel(ctx(t))
		const waiters = 10
		var wg sync.WaitGroup
		for range waiters {
			wg.Go(func() {
				u, err := l.Lock(c, key)
				if err == nil {
					u()
					t.Error("Lock of a held key succeeded")
				} else if !errors.Is(err, context.Canceled) {
					t.Errorf("cancelled Lock: error = %v, want one matching context.Canceled", err)
				}
			})
		}
		time.Sleep(blockedFor)
		cancel()
		wg.Wait()
		unlock()
		// The key is free again, for one caller at a time.
		unlock = mustLock(t, l, key)
		short, cancelShort := context.WithTimeout(ctx(t), blockedFor)
		defer cancelShort()
		if u, err := l.Lock(short, key); err == nil {
			u()
			t.Fatal("a second Lock of a held key succeeded")
		}
		unlock()
	})
}

// TestLockedSessions checks that Locker and Sessions together serialize
// turns: many goroutines each lock one conversation, load its counter, and
// save it incremented with the loaded version. Every Save must succeed
// (a lock holder never sees ErrConflict) and no increment may be lost.
//
// newStores is called once per subtest and returns the lock and the
// session store the engine would be given.
func TestLockedSessions(t *testing.T, newStores func(t *testing.T) (store.Locker, store.Sessions)) {
	t.Run("Counter", func(t *testing.T) {
		l, s := newStores(t)
		key := uniqueKey(t, "")
		const workers, increments = 50, 20
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range increments {
					if err := increment(ctx(t), l, s, key); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		expectSession(t, s, key, []byte(strconv.Itoa(workers*increments)), workers*increments)
	})
}

// increment runs one turn: lock, load, save the counter plus one, unlock.
func increment(ctx context.Context, l store.Locker, s store.Sessions, key string) error {
	c, cancel := context.WithTimeout(ctx, acquireWithin)
	defer cancel()
	unlock, err := l.Lock(c, key)
	if err != nil {
		return err
	}
	defer unlock()
	n, version := 0, int64(0)
	rec, err := s.Load(ctx, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	default:
		if n, err = strconv.Atoi(string(rec.Data)); err != nil {
			return errors.New("stored counter is not a number: " + strconv.Quote(string(rec.Data)))
		}
		version = rec.Version
	}
	// The turn's work: let other goroutines run, so that a lock that does
	// not exclude shows up as a conflict or a lost update.
	runtime.Gosched()
	if _, err := s.Save(ctx, key, []byte(strconv.Itoa(n+1)), version); err != nil {
		return err
	}
	return nil
}

// mustLock takes key or stops the test.
func mustLock(t *testing.T, l store.Locker, key string) func() {
	t.Helper()
	c, cancel := context.WithTimeout(ctx(t), acquireWithin)
	defer cancel()
	unlock, err := l.Lock(c, key)
	if err != nil {
		t.Fatalf("Lock(%s): %v", key, err)
	}
	return unlock
}
