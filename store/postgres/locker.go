package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/chatflow/chatflow/store"
)

// Locker is the per-conversation lock: a session-level advisory lock on a
// connection of the DB's lock pool, held from Lock until unlock. The lock
// key is a 64-bit hash of "chatflow:" and the key (hashtextextended); two
// keys that share a hash merely wait for each other.
//
// When the connection is lost, PostgreSQL releases the lock: another
// process may then take it while the first still runs its turn, and
// Sessions.Save's version check refuses the first one's write. Waiters are
// served in the order PostgreSQL queues them.
//
// Get one from DB.Locker; the zero value is not usable. Locker is safe for
// concurrent use.
type Locker struct{ db *DB }

var _ store.Locker = (*Locker)(nil)

// Locker returns the conversation lock.
func (db *DB) Locker() *Locker { return &Locker{db} }

// unlockTimeout bounds the statement that releases a lock, which runs after
// the turn's context may have ended.
const unlockTimeout = 5 * time.Second

// Lock waits until it holds key or ctx ends; then it returns an error
// matching ctx.Err(). Calls of unlock after the first do nothing.
func (l *Locker) Lock(ctx context.Context, key string) (unlock func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("postgres: lock %q: %w", key, err)
	}
	conn, err := l.db.locks.Acquire(ctx)
	if err != nil {
		return nil, lockErr(ctx, key, err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(hashtextextended('chatflow:' || $1, 0))", key); err != nil {
		// The lock may have been granted just as the wait was cancelled:
		// closing the connection releases it for certain.
		destroy(conn)
		return nil, lockErr(ctx, key, err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			c, cancel := context.WithTimeout(context.Background(), unlockTimeout)
			defer cancel()
			var released bool
			err := conn.QueryRow(c, "SELECT pg_advisory_unlock(hashtextextended('chatflow:' || $1, 0))", key).Scan(&released)
			if err != nil || !released {
				destroy(conn)
				return
			}
			conn.Release()
		})
	}, nil
}

// lockErr wraps an error of Lock, matching ctx.Err() when ctx ended.
func lockErr(ctx context.Context, key string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("postgres: lock %q: %w (%w)", key, ctxErr, err)
	}
	return fmt.Errorf("postgres: lock %q: %w", key, err)
}

// destroy closes a pooled connection instead of returning it to the pool.
func destroy(conn *pgxpool.Conn) {
	c, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn.Conn().Close(c)
	conn.Release() // the pool drops a closed connection
}
