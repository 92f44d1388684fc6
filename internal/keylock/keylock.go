// Package keylock provides an in-process lock per string key: the lock the
// engine serializes a conversation's turns with when the host gives it none,
// and the implementation behind store/memory's Locker.
package keylock

import (
	"context"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"unsafe"
)

// shardCount is the number of independently locked parts the keys are
// spread over: far more than the cores a host usually has, so two busy keys
// rarely share a lock, and few enough to keep a Locker small.
const shardCount = 32

// cacheLine is the size shards are padded to a multiple of, so that the
// mutexes of neighbouring shards do not share a cache line.
const cacheLine = 64

// seed picks the shard of a key. It is fixed for the life of the process
// and only ever read.
var seed = maphash.MakeSeed()

// Locker gives one caller at a time the use of a key, within one process.
// It has the method set of store.Locker. Hosts that run several processes
// need a distributed lock instead (see package store).
//
// A waiting Lock gives up when its context ends. Waiters are not queued in
// order: when a key is released, any one of its waiters gets it. State is
// kept only for keys that are held or awaited, so memory does not grow with
// the number of keys ever locked.
//
// The zero value is a Locker ready to use, with no key held. Locker is safe
// for concurrent use, and keys are spread over independently locked shards,
// so that Locks of different keys rarely contend. A Locker must not be
// copied after first use.
type Locker struct {
	shards [shardCount]shard
}

// shard holds the lock state of the keys that hash to it.
type shard struct {
	shardData
	_ [cacheLine - unsafe.Sizeof(shardData{})%cacheLine]byte
}

type shardData struct {
	mu sync.Mutex
	m  map[string]*entry
	// free holds a few unused entries for reuse, which saves two
	// allocations per uncontended Lock.
	free []*entry
}

// maxFree bounds a shard's free list.
const maxFree = 4

// entry is the lock of one key. The key is held while token holds a value;
// Lock sends into it and unlock receives from it. refs counts the holder
// and the waiters; the entry leaves the map when it drops to zero.
type entry struct {
	token chan struct{}
	refs  int // guarded by the shard's mu
}

// Lock waits until key is free and takes it, or returns ctx.Err() when ctx
// ends first; a Lock given a context that has already ended fails at once,
// even for a free key. A Lock that gives up leaves the key as it was.
//
// The returned unlock function releases the key. It should be called
// exactly once; further calls do nothing, so a deferred unlock next to an
// explicit one is harmless. Unlock may be called from any goroutine.
func (l *Locker) Lock(ctx context.Context, key string) (unlock func(), err error) {
	held, err := l.LockHeld(ctx, key)
	if err != nil {
		return nil, err
	}
	h := &handle{Held: held}
	return h.unlock, nil
}

// Held is a key taken by LockHeld. Unlike Lock's unlock function it costs
// no allocation, and Unlock must be called exactly once.
type Held struct {
	shard *shard
	key   string
	entry *entry
}

// Unlock releases the key; it must be called exactly once.
func (h Held) Unlock() {
	<-h.entry.token
	h.shard.release(h.key, h.entry)
}

// HeldLocker is a lock that can take a key without allocating: Locker, and
// store/memory's Locker, which the engine uses on its hot path.
type HeldLocker interface {
	LockHeld(ctx context.Context, key string) (Held, error)
}

// LockHeld is Lock without the allocation of an unlock function: it takes
// key when it is free, or returns ctx.Err() when ctx ends first.
func (l *Locker) LockHeld(ctx context.Context, key string) (Held, error) {
	if err := ctx.Err(); err != nil {
		return Held{}, err
	}
	sh := &l.shards[maphash.String(seed, key)%shardCount]
	e := sh.acquire(key)
	select {
	case e.token <- struct{}{}:
	default:
		select {
		case e.token <- struct{}{}:
		case <-ctx.Done():
			sh.release(key, e)
			return Held{}, ctx.Err()
		}
	}
	return Held{shard: sh, key: key, entry: e}, nil
}

// acquire returns key's entry, creating it if needed, with a reference
// taken for the caller.
func (sh *shard) acquire(key string) *entry {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.m[key]
	if e == nil {
		if n := len(sh.free); n > 0 {
			e = sh.free[n-1]
			sh.free[n-1] = nil
			sh.free = sh.free[:n-1]
		} else {
			e = &entry{token: make(chan struct{}, 1)}
		}
		if sh.m == nil {
			sh.m = make(map[string]*entry)
		}
		sh.m[key] = e
	}
	e.refs++
	return e
}

// release drops a reference to key's entry and forgets the entry when no
// holder or waiter is left. The caller holds no token of e.
func (sh *shard) release(key string, e *entry) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e.refs--
	if e.refs > 0 {
		return
	}
	delete(sh.m, key)
	// With no references left nobody can hold the token, so the entry is
	// as good as new.
	if len(sh.free) < maxFree {
		sh.free = append(sh.free, e)
	}
}

// handle is one successful Lock.
type handle struct {
	Held
	unlocked atomic.Bool
}

func (h *handle) unlock() {
	if !h.unlocked.CompareAndSwap(false, true) {
		return
	}
	h.Held.Unlock()
}
