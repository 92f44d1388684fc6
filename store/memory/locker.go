package memory

import (
	"context"

	"github.com/chatflow/chatflow/internal/keylock"
	"github.com/chatflow/chatflow/store"
)

// Locker is an in-process store.Locker, the same lock an engine uses when
// its Stores has no Locker. It excludes only within one process: hosts that
// run several processes need a distributed lock (see package store). Waiters
// are served in no particular order, and a key that nobody holds or awaits
// costs no memory.
//
// The zero value is a Locker ready to use. Locker is safe for concurrent
// use and must not be copied after first use.
type Locker struct {
	l keylock.Locker
}

var _ store.Locker = (*Locker)(nil)

// NewLocker returns a new Locker with no key held.
func NewLocker() *Locker { return new(Locker) }

// Lock implements store.Locker: it takes key once it is free, or fails
// with ctx.Err() as soon as ctx ends (at once for an ended ctx, even when
// the key is free). Calls of unlock after the first do nothing, and unlock
// may be called from any goroutine.
func (l *Locker) Lock(ctx context.Context, key string) (unlock func(), err error) {
	return l.l.Lock(ctx, key)
}

// LockHeld is Lock for the engine's hot path: it takes key without
// allocating an unlock function, and the caller releases it exactly once.
// Hosts use Lock.
func (l *Locker) LockHeld(ctx context.Context, key string) (keylock.Held, error) {
	return l.l.LockHeld(ctx, key)
}
