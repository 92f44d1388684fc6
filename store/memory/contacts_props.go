package memory

import (
	"maps"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/chatflow/chatflow/store"
)

// Bounds of a nameTable. Property names come from flows and the CRM's
// schema, a few dozen or hundred in all, yet every contact repeats them:
// one shared copy of each saves a string per property per contact. The
// bounds keep names that are not of that kind (unusual, or chosen by
// whoever writes properties) from growing the table without end; such
// names are copied per contact like values.
const (
	maxInternedNames   = 512
	maxInternedNameLen = 64
)

// packedValueMax is the longest value that shares its copy with the other
// strings of the same write. Sharing makes one allocation of all of them,
// but a replaced string stays in memory while a neighbour of its write
// lives on; the bound keeps what can linger that way small.
const packedValueMax = 128

// nameTable interns property names. Readers, which every write is, take
// no lock: the map is never changed once published, and an addition
// publishes a copy. Additions stop at maxInternedNames, so copying costs
// little in all.
type nameTable struct {
	m    atomic.Pointer[map[string]string]
	full atomic.Bool
	mu   sync.Mutex // serializes additions
}

// intern returns the table's copy of name, adding one if there is room,
// or reports false if the name is not interned.
func (t *nameTable) intern(name string) (string, bool) {
	if m := t.m.Load(); m != nil {
		if s, ok := (*m)[name]; ok {
			return s, true
		}
	}
	if len(name) > maxInternedNameLen || t.full.Load() {
		return "", false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var m map[string]string
	if old := t.m.Load(); old != nil {
		if s, ok := (*old)[name]; ok {
			return s, true
		}
		if len(*old) >= maxInternedNames {
			t.full.Store(true)
			return "", false
		}
		m = maps.Clone(*old)
	} else {
		m = make(map[string]string)
	}
	// A copy: the caller's string may share memory it will reuse.
	s := strings.Clone(name)
	m[s] = s
	t.m.Store(&m)
	return s, true
}

// mergeIn applies src to dst, making dst if it is nil and there is
// something to set, and returns dst. A value "" removes the property, any
// other sets it. Names and values are copied, as the caller may reuse
// the memory of its strings; the copies of one call, but for interned
// names and long values, are made in a single allocation.
//
// The cost is that of src alone, whatever dst holds.
func (c *Contacts) mergeIn(dst, src store.Properties) store.Properties {
	type entry struct {
		name, value string
		copyName    bool
	}
	var buf [8]entry
	entries := buf[:0]
	size := 0
	for k, v := range src {
		if v == "" {
			delete(dst, k)
			continue
		}
		if old, ok := dst[k]; ok && old == v {
			// Hosts retry, and flows set what is already set: nothing to
			// copy.
			continue
		}
		name, interned := c.names.intern(k)
		if !interned {
			name = k
			size += len(k)
		}
		if len(v) <= packedValueMax {
			size += len(v)
		}
		entries = append(entries, entry{name, v, !interned})
	}
	if len(entries) == 0 {
		return dst
	}
	if dst == nil {
		dst = make(store.Properties, len(entries))
	}
	var b strings.Builder
	b.Grow(size)
	for _, e := range entries {
		if e.copyName {
			b.WriteString(e.name)
		}
		if len(e.value) <= packedValueMax {
			b.WriteString(e.value)
		}
	}
	packed := b.String()
	for _, e := range entries {
		name, value := e.name, e.value
		if e.copyName {
			name, packed = packed[:len(name)], packed[len(name):]
		}
		if len(value) <= packedValueMax {
			value, packed = packed[:len(value)], packed[len(value):]
		} else {
			value = strings.Clone(value)
		}
		// Assigning to an existing key replaces the stored key too, so
		// the key must be the copy.
		dst[name] = value
	}
	return dst
}
