package memory

import (
	"context"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/chatflow/chatflow/store"
)

// Locker is an in-process store.Locker: it gives one caller at a time the
// use of a key, within one process. Hosts that run several processes need a
// distributed lock instead (see package store).
//
// A waiting Lock gives up when its context ends. Waiters are not queued in
// order: when a key is released, any one of its waiters gets it. State is
// kept only for keys that are held or awaited, so memory does not grow with
// the number of keys ever locked.
//
// The zero value is a Locker ready to use. Locker is safe for concurrent
// use, and keys are spread over independently locked shards.
type Locker struct {
	shards [shardCount]lockShard
}

var _ store.Locker = (*Locker)(nil)

// lockShard holds the lock state of the keys that hash to it.
type lockShard struct {
	lockShardData
	_ [cacheLine - unsafe.Sizeof(lockShardData{})%cacheLine]byte
}

type lockShardData struct {
	mu sync.Mutex
	m  map[string]*lockEntry
	// free holds a few unused entries for reuse, which saves two
	// allocations per uncontended Lock.
	free []*lockEntry
}

// maxFree bounds a shard's free list.
const maxFree = 4

// lockEntry is the lock of one key. The key is held while token holds a
// value; Lock sends into it and unlock receives from it. refs counts the
// holder and the waiters; the entry leaves the map when it drops to zero.
type lockEntry struct {
	token chan struct{}
	refs  int // guarded by the shard's mu
}

// NewLocker returns a new Locker with no key held.
func NewLocker() *Locker { return new(Locker) }

// Lock waits until key is free and takes it, or returns ctx.Err() when ctx
// ends first; a Lock given a context that has already ended fails at once,
// even for a free key. A Lock that gives up leaves the key as it was.
//
// The returned unlock function releases the key. It should be called
// exactly once; further calls do nothing, so a deferred unlock next to an
// explicit one is harmless. Unlock may be called from any goroutine.
func (l *Locker) Lock(ctx context.Context, key string) (unlock func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sh := &l.shards[shardOf(key)]
	e := sh.acquire(key)
	select {
	case e.token <- struct{}{}:
	default:
		select {
		case e.token <- struct{}{}:
		case <-ctx.Done():
			sh.release(key, e)
			return nil, ctx.Err()
		}
	}
	h := &lockHandle{shard: sh, key: key, entry: e}
	return h.unlock, nil
}

// acquire returns key's entry, creating it if needed, with a reference
// taken for the caller.
func (sh *lockShard) acquire(key string) *lockEntry {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.m[key]
	if e == nil {
		if n := len(sh.free); n > 0 {
			e = sh.free[n-1]
			sh.free[n-1] = nil
			sh.free = sh.free[:n-1]
		} else {
			e = &lockEntry{token: make(chan struct{}, 1)}
		}
		if sh.m == nil {
			sh.m = make(map[string]*lockEntry)
		}
		sh.m[key] = e
	}
	e.refs++
	return e
}

// release drops a reference to key's entry and forgets the entry when no
// holder or waiter is left. The caller holds no token of e.
func (sh *lockShard) release(key string, e *lockEntry) {
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

// lockHandle is one successful Lock.
type lockHandle struct {
	shard    *lockShard
	key      string
	entry    *lockEntry
	unlocked atomic.Bool
}

func (h *lockHandle) unlock() {
	if !h.unlocked.CompareAndSwap(false, true) {
		return
	}
	<-h.entry.token
	h.shard.release(h.key, h.entry)
}
