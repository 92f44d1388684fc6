package memory

import "unsafe"

// heldKeys returns the number of keys the Locker keeps state for.
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

// sizeOf returns the size of the value p points to.
func sizeOf[T any](p *T) uintptr { return unsafe.Sizeof(*p) }
