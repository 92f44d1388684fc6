package redis

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chatflow/chatflow/store"
)

// Locker is the per-conversation lock: a key set with NX and a lease,
// renewed while held (see the package documentation).
//
// Get one from DB.Locker; the zero value is not usable. Locker is safe for
// concurrent use.
type Locker struct{ db *DB }

var _ store.Locker = (*Locker)(nil)

// Locker returns the conversation lock.
func (db *DB) Locker() *Locker { return &Locker{db} }

// The lock's scripts. Each compares the key's value with the caller's
// token, so a holder whose lease ran out can neither extend nor delete the
// lock another holder took since.
var (
	// acquireScript takes the lock, or confirms that this token has it
	// already: go-redis retries a command whose answer was lost, and the
	// retry must not find its own lock taken.
	acquireScript = goredis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
	return 1
end
return 0
`)
	renewScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`)
	releaseScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)
)

// The pauses between attempts to take a held lock: they start short, for
// turns that take milliseconds, and grow to a bound so that a waiter
// notices a release soon.
const (
	minPause = time.Millisecond
	maxPause = 50 * time.Millisecond
)

// releaseTimeout bounds the release, which runs after the turn's context
// may have ended.
const releaseTimeout = 5 * time.Second

// Lock waits until it holds key or ctx ends; then it returns an error
// matching ctx.Err(). Calls of unlock after the first do nothing; unlock
// stops the lease's renewal before it returns.
func (l *Locker) Lock(ctx context.Context, key string) (unlock func(), err error) {
	k := l.db.lockKey(key)
	token := rand.Text()
	lease := l.db.lease.Milliseconds()
	pause := minPause
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("redis: lock %q: %w", key, err)
		}
		ok, err := acquireScript.Run(ctx, l.db.client, []string{k}, token, lease).Int()
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
				return nil, fmt.Errorf("redis: lock %q: %w (%w)", key, ctxErr, err)
			}
			return nil, fmt.Errorf("redis: lock %q: %w", key, err)
		}
		if ok == 1 {
			return l.held(k, token), nil
		}
		t := time.NewTimer(pause/2 + mrand.N(pause))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("redis: lock %q: %w", key, ctx.Err())
		case <-t.C:
		}
		pause = min(2*pause, maxPause)
	}
}

// held renews the lease of a taken lock until the returned unlock runs.
func (l *Locker) held(key, token string) func() {
	stop := make(chan struct{})
	var done sync.WaitGroup
	done.Go(func() {
		lease := l.db.lease
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(context.Background(), lease/3)
			n, err := renewScript.Run(ctx, l.db.client, []string{key}, token, lease.Milliseconds()).Int()
			cancel()
			if err == nil && n == 0 {
				return // lost: someone else holds it, or it expired
			}
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			close(stop)
			done.Wait()
			ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
			defer cancel()
			// A failed release leaves the key to expire with its lease.
			releaseScript.Run(ctx, l.db.client, []string{key}, token)
		})
	}
}
