package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
	"unsafe"

	"github.com/chatflow/chatflow/store"
)

// Sessions is an in-memory session store implementing store.Sessions and
// store.IdleSessions.
//
// Save copies the data it is given, so the caller may reuse its slice.
// Load returns the stored bytes themselves, without a copy: they are
// read-only on both sides (the store.Sessions contract), and the store
// never changes them, a later Save storing a new copy. Versions start at 1 and increase by one with every successful Save; after
// Delete, numbering starts again at 1.
//
// The zero value is an empty store ready to use. Sessions is safe for
// concurrent use: conversations are spread over independently locked
// shards, and Save's version check and write are one atomic step. The ctx
// arguments are not consulted: no method waits for anything but brief
// internal locks. Idle looks at every session: it is meant for sweeps every
// minute or so, not for every turn.
type Sessions struct {
	shards [shardCount]shard[sessionEntry]
}

// sessionEntry is a stored session, its version and its idle time in
// Unix nanoseconds (0: never idle). The data is held as a string: copying
// into a new string needs no zeroing of the memory first, and nothing can
// change it.
type sessionEntry struct {
	data    string
	version int64
	idle    int64
}

var (
	_ store.Sessions     = (*Sessions)(nil)
	_ store.IdleSessions = (*Sessions)(nil)
)

// errNoSession is Load's not-found error: made once, as every new
// conversation's first Load finds nothing.
var errNoSession = fmt.Errorf("memory: session: %w", store.ErrNotFound)

// NewSessions returns a new, empty session store.
func NewSessions() *Sessions { return new(Sessions) }

// Load returns the conversation's stored session, or an error matching
// store.ErrNotFound. The data is read-only (see Sessions).
func (s *Sessions) Load(_ context.Context, conversationID string) (store.SessionRecord, error) {
	sh := &s.shards[shardOf(conversationID)]
	sh.mu.RLock()
	e, ok := sh.m[conversationID]
	sh.mu.RUnlock()
	if !ok {
		return store.SessionRecord{}, errNoSession
	}
	// Stored data is never written to after Save (which stores a copy),
	// and callers must not write to what Load returns (the contract), so
	// the stored bytes themselves are handed out: a turn copies its
	// session once, on Save, not twice.
	var data []byte
	if e.data != "" {
		data = unsafe.Slice(unsafe.StringData(e.data), len(e.data))
	}
	return store.SessionRecord{Data: data, Version: e.version}, nil
}

// Save stores a copy of data if the stored version equals expectedVersion
// (0 when no session exists) and returns the new version. Otherwise it
// stores nothing and returns an error matching store.ErrConflict.
func (s *Sessions) Save(ctx context.Context, conversationID string, data []byte, expectedVersion int64) (int64, error) {
	return s.SaveIdle(ctx, conversationID, data, expectedVersion, time.Time{})
}

// SaveIdle is Save that also records from when the session counts as idle
// (the zero time: never), for Idle.
func (s *Sessions) SaveIdle(_ context.Context, conversationID string, data []byte, expectedVersion int64, idleAt time.Time) (int64, error) {
	stored := string(data)
	var idle int64
	if !idleAt.IsZero() {
		idle = idleAt.UnixNano()
	}
	sh := &s.shards[shardOf(conversationID)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	cur := sh.m[conversationID] // version 0 when missing
	if cur.version != expectedVersion {
		return 0, fmt.Errorf("memory: save session %q at version %d, stored %d: %w",
			conversationID, expectedVersion, cur.version, store.ErrConflict)
	}
	rec := sessionEntry{data: stored, version: cur.version + 1, idle: idle}
	sh.put(conversationID, rec)
	return rec.version, nil
}

// Idle returns the IDs of at most limit conversations whose idle time is
// set and before before, earliest first. It reads every shard in turn, so
// a session saved while it runs may or may not be seen.
func (s *Sessions) Idle(_ context.Context, before time.Time, limit int) ([]string, error) {
	if limit < 1 {
		return nil, nil
	}
	type idle struct {
		id string
		at int64
	}
	var found []idle
	b := before.UnixNano()
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		for id, e := range sh.m {
			if e.idle != 0 && e.idle < b {
				found = append(found, idle{id, e.idle})
			}
		}
		sh.mu.RUnlock()
	}
	slices.SortFunc(found, func(x, y idle) int { return cmp.Or(cmp.Compare(x.at, y.at), cmp.Compare(x.id, y.id)) })
	out := make([]string, 0, min(limit, len(found)))
	for _, f := range found[:min(limit, len(found))] {
		out = append(out, f.id)
	}
	return out, nil
}

// Delete removes the conversation's session. Deleting a missing session
// does nothing and returns nil.
func (s *Sessions) Delete(_ context.Context, conversationID string) error {
	sh := &s.shards[shardOf(conversationID)]
	sh.mu.Lock()
	delete(sh.m, conversationID)
	sh.mu.Unlock()
	return nil
}
