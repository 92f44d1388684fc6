package keylock

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// heldKeys returns the number of keys l keeps state for.
func (l *Locker) heldKeys() int {
	n := 0
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}

// Keys that are neither held nor awaited leave no state behind.
func TestForgetsFreeKeys(t *testing.T) {
	var l Locker
	ctx := t.Context()
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			key := strconv.Itoa(i % 10)
			unlock, err := l.Lock(ctx, key)
			if err != nil {
				t.Error(err)
				return
			}
			unlock()
		})
	}
	wg.Wait()
	if n := l.heldKeys(); n != 0 {
		t.Fatalf("%d keys remembered after all were released", n)
	}

	// Cancelled waiters leave nothing behind either.
	unlock, err := l.Lock(ctx, "held")
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := l.Lock(short, "held"); err == nil {
		t.Fatal("second Lock of a held key succeeded")
	}
	if n := l.heldKeys(); n != 1 {
		t.Fatalf("%d keys remembered while one is held", n)
	}
	unlock()
	unlock()
	if n := l.heldKeys(); n != 0 {
		t.Fatalf("%d keys remembered after all were released", n)
	}
}

func TestShardsArePadded(t *testing.T) {
	var l Locker
	if size := unsafe.Sizeof(l.shards[0]); size%cacheLine != 0 {
		t.Errorf("shard size %d is not a multiple of %d", size, cacheLine)
	}
}
