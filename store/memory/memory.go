// Package memory provides in-memory implementations of every store
// interface of package store, and of consent.Records: Contacts (which also
// serves companies), Sessions, Locker, ConsentRecords, Subscriptions, Lists,
// Workflows, Tickets, KnowledgeBase and Meetings. New returns a fresh one of
// each in a store.Stores. Agents, a switch for the AI agent's availability,
// completes what the built-in actions ask of a host.
//
// They let a host or a test run chatflows with no setup, and they are the
// reference the conformance suite in store/storetest is checked against.
// Data lives only as long as the value that holds it.
//
// Every type is safe for concurrent use and copies data in and out: a
// caller can never change stored data through a map or slice it passed in
// or got back. Contacts, Sessions, Locker and ConsentRecords, which every
// conversation uses, spread their records over shards (32, 256 for
// sessions, 16 for consent records), each with its own lock, so that many
// conversations proceed in parallel on many cores without contending for
// one global lock. The Sessions New returns commits a turn's writes to
// the Contacts, ConsentRecords and Subscriptions New made with it in one
// step (store.Committer).
//
// The zero value of each type is an empty store ready to use; the New
// functions are shorthands that return a pointer to one. A value must not be
// copied after first use.
package memory

import (
	"hash/maphash"
	"sync"
	"unsafe"

	"github.com/chatflow/chatflow/store"
)

// New returns a fresh, empty in-memory store for every field of
// store.Stores; one Contacts serves as both Contacts and Companies. Each
// call returns stores that share nothing with those of another call.
//
// To seed data, put a store built by its own constructor in its field
// (NewLists("newsletter"), NewMeetings(links), …), or add to the one in
// place through its concrete type (s.KnowledgeBase.(*KnowledgeBase).Add).
func New() store.Stores {
	contacts, records, subscriptions := NewContacts(), NewConsentRecords(), NewSubscriptions()
	// The session store commits a turn's writes to the others in one step
	// (store.Committer) as long as the engine is given these very stores.
	sessions := &Sessions{with: &siblings{contacts, records, subscriptions}}
	return store.Stores{
		Contacts:      contacts,
		Companies:     contacts,
		Sessions:      sessions,
		Locker:        NewLocker(),
		Consent:       records,
		Subscriptions: subscriptions,
		Lists:         NewLists(),
		Workflows:     NewWorkflows(),
		Tickets:       NewTickets(),
		KnowledgeBase: NewKnowledgeBase(),
		Meetings:      NewMeetings(nil),
	}
}

// shardCount is the number of independently locked parts a store is split
// into. 32 is far more than the cores a host usually has, so two busy keys
// rarely share a lock, and small enough to keep an empty store small.
const shardCount = 32

// hashSeed seeds the hashes the stores key their maps by (conversation
// IDs, email addresses, consent record keys). It is made once per process:
// the maps live only in memory, so their hashes need not be stable across
// runs, and an unpredictable seed keeps chosen keys from piling up under
// one hash.
var hashSeed = maphash.MakeSeed()

// cacheLine is the size padding rounds shards up to, so that the locks of
// neighbouring shards do not share a cache line.
const cacheLine = 64

// shard is one lock-protected part of a map. The map is created on first
// write, which keeps the zero value usable.
type shard[K comparable, V any] struct {
	mu sync.RWMutex
	m  map[K]V
	_  [cacheLine - (unsafe.Sizeof(sync.RWMutex{})+unsafe.Sizeof(map[K]V(nil)))%cacheLine]byte
}

// put stores v under key; the caller holds s.mu for writing.
func (s *shard[K, V]) put(key K, v V) {
	if s.m == nil {
		s.m = make(map[K]V)
	}
	s.m[key] = v
}
