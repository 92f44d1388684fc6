package store

import (
	"context"
	"time"
)

// IdleSessions is an optional interface of a Sessions store that can find
// the sessions that have gone idle, so that a conversation the visitor left
// in the middle can be ended as abandoned without the visitor writing again
// (engine.Engine.Sweep). The engine probes its Sessions store for it with a
// type assertion once, when it is built, and then saves every session with
// SaveIdle.
//
// The store does not read the time itself: the caller says, with each
// save, from when the session counts as idle (for the engine, the visitor's
// last message plus the flow's session timeout; the zero time for a session
// that cannot go idle, such as a finished one). So the store needs no
// clock, every adapter agrees with the engine's injected one, and a store
// can index the value.
//
// A wrapper that embeds a store implementing IdleSessions and overrides
// Save (to add faults, metrics or logs) must override SaveIdle too, or the
// engine saves past it; embedding the Sessions interface instead hides
// SaveIdle and Idle, and the engine then cannot sweep.
//
// The index may lag behind the sessions, but only one way: Idle may return
// a conversation whose session is no longer idle, or that the store
// expired on its own (a caller re-checks the session under the
// conversation's lock; saving or deleting it corrects the index), and must
// never leave out one whose last successful save recorded
// an idle time before the one asked about.
type IdleSessions interface {
	Sessions
	// SaveIdle is Save that also records idleAt, the time from which the
	// session counts as idle; the zero time means never. On a version
	// mismatch it stores nothing and returns ErrConflict. Save of the same
	// store records the zero time.
	SaveIdle(ctx context.Context, conversationID string, data []byte, expectedVersion int64, idleAt time.Time) (int64, error)
	// Idle returns the IDs of at most limit conversations whose recorded
	// idle time is not zero and is before before, earliest first (ties in
	// any order). A limit below 1 returns none. Sessions removed with
	// Delete are not returned. The times compare at millisecond precision or finer.
	Idle(ctx context.Context, before time.Time, limit int) ([]string, error)
}
