package memory

import (
	"bytes"
	"context"
	"fmt"

	"github.com/chatflow/chatflow/store"
)

// Sessions is an in-memory session store implementing store.Sessions.
//
// Save copies the data it is given and Load returns a fresh copy, so
// neither the caller's slice nor the returned one aliases stored memory.
// Versions start at 1 and increase by one with every successful Save; after
// Delete, numbering starts again at 1.
//
// The zero value is an empty store ready to use. Sessions is safe for
// concurrent use: conversations are spread over independently locked
// shards, and Save's version check and write are one atomic step. The ctx
// arguments are not consulted: no method waits for anything but brief
// internal locks.
type Sessions struct {
	shards [shardCount]shard[store.SessionRecord]
}

var _ store.Sessions = (*Sessions)(nil)

// NewSessions returns a new, empty session store.
func NewSessions() *Sessions { return new(Sessions) }

// Load returns a copy of the conversation's stored session, or an error
// matching store.ErrNotFound.
func (s *Sessions) Load(_ context.Context, conversationID string) (store.SessionRecord, error) {
	sh := &s.shards[shardOf(conversationID)]
	sh.mu.RLock()
	rec, ok := sh.m[conversationID]
	sh.mu.RUnlock()
	if !ok {
		return store.SessionRecord{}, fmt.Errorf("memory: session %q: %w", conversationID, store.ErrNotFound)
	}
	// Stored data is never written to after Save, so it can be copied
	// outside the lock.
	rec.Data = bytes.Clone(rec.Data)
	return rec, nil
}

// Save stores a copy of data if the stored version equals expectedVersion
// (0 when no session exists) and returns the new version. Otherwise it
// stores nothing and returns an error matching store.ErrConflict.
func (s *Sessions) Save(_ context.Context, conversationID string, data []byte, expectedVersion int64) (int64, error) {
	data = bytes.Clone(data)
	sh := &s.shards[shardOf(conversationID)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	cur := sh.m[conversationID] // Version 0 when missing
	if cur.Version != expectedVersion {
		return 0, fmt.Errorf("memory: save session %q at version %d, stored %d: %w",
			conversationID, expectedVersion, cur.Version, store.ErrConflict)
	}
	rec := store.SessionRecord{Data: data, Version: cur.Version + 1}
	sh.put(conversationID, rec)
	return rec.Version, nil
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
