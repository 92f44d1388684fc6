package memory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store"
)

// Sessions is an in-memory session store implementing store.Sessions and
// store.IdleSessions.
//
// Save copies the data it is given, so the caller may reuse its slice.
// Load returns the stored bytes themselves, without a copy: they are
// read-only on both sides (the store.Sessions contract), and the store
// never changes them, a later Save storing a new copy. Versions start at 1
// and increase by one with every successful Save; after Delete, numbering
// starts again at 1.
//
// The zero value is an empty store ready to use. Sessions is safe for
// concurrent use: conversations are spread over independently locked
// shards, and Save's version check and write are one atomic step. The ctx
// arguments are not consulted: no method waits for anything but brief
// internal locks. Idle looks at every session: it is meant for sweeps every
// minute or so, not for every turn.
type Sessions struct {
	shards [sessionShards]sessionShard
	// with are the stores Commit writes to: those New made with this one;
	// nil for a Sessions made alone, which commits nothing.
	with *siblings
}

// siblings are the stores a Sessions made by New commits writes to.
type siblings struct {
	contacts      *Contacts
	consent       *ConsentRecords
	subscriptions *Subscriptions
}

// sessionShards is the number of a Sessions' shards: more than the other
// stores have, as a Sessions is written at every turn, twice at most. Every
// write changes its shard's lock and map header; with few shards, the
// next write to a shard usually comes from another core than the last, and
// those cache lines move between cores on most calls. 256 make that rare
// enough that turns on a shared store cost about what they cost on one
// store per core, for 16 KiB per store.
const sessionShards = 1 << sessionShardBits

// A store holds a session for every live conversation, and the garbage
// collector follows every pointer in it on each cycle. So a session is one
// string, the conversation ID followed by the data, and the shards' maps
// are keyed by a 64-bit hash of the ID rather than by the ID: a session
// costs one heap object and one pointer, where a map keyed by the ID
// costs two of each. Two IDs with the same hash are told apart by the ID
// in the string; the second one goes to the shard's overflow map, keyed by
// the ID itself, which in practice stays empty.

// sessionShard is one lock-protected part of the store. Its maps are made
// on first write, which keeps the zero value usable.
type sessionShard struct {
	mu       sync.RWMutex
	m        map[uint64]sessionEntry
	overflow map[string]sessionEntry // IDs whose hash an other ID in m has
	_        [cacheLine - (unsafe.Sizeof(sync.RWMutex{})+2*unsafe.Sizeof(map[string]int(nil)))%cacheLine]byte
}

// sessionEntry is a stored session: the ID and the data in one string,
// the ID's length, the version and the idle time in Unix nanoseconds (0:
// never idle).
type sessionEntry struct {
	rec     string
	idLen   int
	version int64
	idle    int64
}

// id and data split the entry's string.
func (e *sessionEntry) id() string   { return e.rec[:e.idLen] }
func (e *sessionEntry) data() string { return e.rec[e.idLen:] }

// sessionHash hashes a conversation ID; a variable so that a test can make
// every ID collide.
var sessionHash = func(id string) uint64 { return maphash.String(hashSeed, id) }

// shard returns the shard of the ID with hash h: its top bits, as the
// maps use the low ones.
func (s *Sessions) shard(h uint64) *sessionShard {
	return &s.shards[h>>(64-sessionShardBits)]
}

// sessionShardBits is log2(sessionShards).
const sessionShardBits = 8

// find returns the stored entry of id, whose hash is h; the caller holds
// the lock.
func (sh *sessionShard) find(h uint64, id string) (sessionEntry, bool) {
	if e, ok := sh.m[h]; ok && e.id() == id {
		return e, true
	}
	if len(sh.overflow) > 0 {
		e, ok := sh.overflow[id]
		return e, ok
	}
	return sessionEntry{}, false
}

// put stores e under id; the caller holds the lock for writing.
func (sh *sessionShard) put(h uint64, id string, e sessionEntry) {
	if sh.m == nil {
		sh.m = make(map[uint64]sessionEntry)
	}
	if cur, ok := sh.m[h]; !ok || cur.id() == id {
		// The slot is free or this ID's: but a free slot does not mean
		// the ID has no entry in overflow (the slot's holder may have
		// been deleted since).
		if _, over := sh.overflow[id]; !over {
			sh.m[h] = e
			return
		}
	}
	if sh.overflow == nil {
		sh.overflow = make(map[string]sessionEntry)
	}
	sh.overflow[id] = e
}

// remove deletes id's entry; the caller holds the lock for writing.
func (sh *sessionShard) remove(h uint64, id string) {
	if e, ok := sh.m[h]; ok && e.id() == id {
		delete(sh.m, h)
		return
	}
	delete(sh.overflow, id)
}

var (
	_ store.Sessions     = (*Sessions)(nil)
	_ store.IdleSessions = (*Sessions)(nil)
	_ store.Committer    = (*Sessions)(nil)
)

// errNoSession is Load's not-found error: made once, as every new
// conversation's first Load finds nothing.
var errNoSession = fmt.Errorf("memory: session: %w", store.ErrNotFound)

// NewSessions returns a new, empty session store.
func NewSessions() *Sessions { return new(Sessions) }

// Load returns the conversation's stored session, or an error matching
// store.ErrNotFound. The data is read-only (see Sessions).
func (s *Sessions) Load(_ context.Context, conversationID string) (store.SessionRecord, error) {
	h := sessionHash(conversationID)
	sh := s.shard(h)
	sh.mu.RLock()
	e, ok := sh.find(h, conversationID)
	sh.mu.RUnlock()
	if !ok {
		return store.SessionRecord{}, errNoSession
	}
	// Stored data is never written to after Save (which stores a copy),
	// and callers must not write to what Load returns (the contract), so
	// the stored bytes themselves are handed out: a turn copies its
	// session once, on Save, not twice.
	var data []byte
	if d := e.data(); d != "" {
		data = unsafe.Slice(unsafe.StringData(d), len(d))
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
	return s.save(conversationID, data, expectedVersion, idleAt, nil)
}

// save stores a copy of data under the version fence, as SaveIdle; when
// between is not nil, it runs after the version check with the shard
// locked, and an error from it stores nothing.
func (s *Sessions) save(conversationID string, data []byte, expectedVersion int64, idleAt time.Time, between func() error) (int64, error) {
	e := sessionEntry{rec: joinCopy(conversationID, data), idLen: len(conversationID)}
	if !idleAt.IsZero() {
		e.idle = idleAt.UnixNano()
	}
	h := sessionHash(conversationID)
	sh := s.shard(h)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	cur, _ := sh.find(h, conversationID) // version 0 when missing
	if cur.version != expectedVersion {
		return 0, fmt.Errorf("memory: save session %q at version %d, stored %d: %w",
			conversationID, expectedVersion, cur.version, store.ErrConflict)
	}
	if between != nil {
		if err := between(); err != nil {
			return 0, err
		}
	}
	e.version = cur.version + 1
	sh.put(h, e.id(), e)
	return e.version, nil
}

// Covers reports whether s holds this store and the other stores New made
// with it (see store.Committer): only then does Commit write to the
// stores an engine was given.
func (s *Sessions) Covers(st store.Stores) bool {
	w := s.with
	return w != nil && st.Sessions == store.Sessions(s) &&
		st.Contacts == store.Contacts(w.contacts) && st.Consent == consent.Records(w.consent) &&
		(st.Companies == nil || st.Companies == store.Companies(w.contacts)) &&
		(st.Subscriptions == nil || st.Subscriptions == store.Subscriptions(w.subscriptions))
}

// errNoSiblings is Commit's error on a Sessions not made by New.
var errNoSiblings = errors.New("memory: Commit needs the stores New makes with the session store")

// Commit saves the session and applies the writes in one step (see
// store.Committer), on the stores New made with s. The session's shard
// stays locked from the version check to the save, and the writes are
// applied in between (siblings.apply). Conversations whose sessions share
// the shard wait meanwhile; no store Commit writes to waits for a session
// store.
func (s *Sessions) Commit(ctx context.Context, c store.Commit) (int64, error) {
	w := s.with
	if w == nil {
		return 0, errNoSiblings
	}
	return s.save(c.ConversationID, c.Data, c.ExpectedVersion, c.IdleAt, func() error { return w.apply(ctx, c) })
}

// apply applies c's writes: the contact's first, as they are the only ones
// that can fail (when the contact no longer exists), so that a failure
// leaves everything as it was.
func (w *siblings) apply(ctx context.Context, c store.Commit) error {
	if len(c.Contact) > 0 {
		if err := w.contacts.UpdateContact(ctx, c.ContactID, c.Contact); err != nil {
			return err
		}
	}
	// Beyond this point nothing fails: a missing company is skipped, and
	// the engine's subscription writes are explicit choices.
	if len(c.Company) > 0 {
		_ = w.contacts.UpdateCompany(ctx, c.CompanyID, c.Company)
	}
	for _, sw := range c.Subscriptions {
		_ = w.subscriptions.SetState(ctx, c.ContactID, sw.Type, sw.State, true)
	}
	for _, r := range c.Consent {
		_ = w.consent.Append(ctx, r)
	}
	if c.LinkConsent {
		_ = w.consent.LinkContact(ctx, c.ConversationID, c.ContactID)
	}
	return nil
}

// joinCopy returns id followed by a copy of data, in one new string,
// outside the lock. String concatenation copies into memory it does not
// zero first, unlike make; but it hands back an operand unchanged when the
// other is empty, which for data would keep the caller's slice.
func joinCopy(id string, data []byte) string {
	if id == "" || len(data) == 0 {
		return id + string(data)
	}
	return id + unsafe.String(unsafe.SliceData(data), len(data))
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
	add := func(e *sessionEntry) {
		if e.idle != 0 && e.idle < b {
			// A copy: the ID must not keep the session's data alive.
			found = append(found, idle{strings.Clone(e.id()), e.idle})
		}
	}
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		for _, e := range sh.m {
			add(&e)
		}
		for _, e := range sh.overflow {
			add(&e)
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
	h := sessionHash(conversationID)
	sh := s.shard(h)
	sh.mu.Lock()
	sh.remove(h, conversationID)
	sh.mu.Unlock()
	return nil
}
