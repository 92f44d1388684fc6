package memory

import (
	"hash/maphash"
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// emailShard is one part of the email index. It maps a hash of an address
// to the numbers of the contacts holding it rather than the address to
// their IDs: the maps then hold no pointers at all, so the collector never
// looks inside them, and a lookup checks each candidate's record anyway.
//
// A hash held by one contact, the usual case, is in one; a hash held by
// several is in many instead, with their numbers ascending so that of
// several contacts with the same email the oldest is found first.
type emailShard struct {
	mu   sync.RWMutex
	one  map[uint64]uint64
	many map[uint64][]uint64 // a slice is replaced, never changed in place
	_    [cacheLine - (unsafe.Sizeof(sync.RWMutex{})+2*unsafe.Sizeof(map[uint64]uint64(nil)))%cacheLine]byte
}

// emailHash is foldHash; tests replace it to force collisions.
var emailHash = foldHash

// foldHash hashes fold.Key(s) without building the key, as every
// identified visitor's email is looked up, mostly in vain: the folded
// bytes go into a buffer on the stack. The bytes are fold.Key's exactly,
// so addresses equal under strings.EqualFold hash alike.
func foldHash(s string) uint64 {
	var buf [128]byte
	b := buf[:0]
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			// The smallest rune of an ASCII letter's orbit is its capital.
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b = utf8.AppendRune(b, least)
		i += size
	}
	return maphash.Bytes(hashSeed, b)
}

// emailCandidates returns the numbers of the contacts indexed under hash
// h, oldest first, using one for a single number.
func (c *Contacts) emailCandidates(h uint64, one *[1]uint64) []uint64 {
	ix := &c.emails[h%shardCount]
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if seq, ok := ix.one[h]; ok {
		one[0] = seq
		return one[:]
	}
	return ix.many[h]
}

// indexMove moves contact seq from the index entry of oldEmail to that of
// newEmail ("" for none); the caller holds the contact's shard lock.
func (c *Contacts) indexMove(oldEmail, newEmail string, seq uint64) {
	var oldHash, newHash uint64
	if oldEmail != "" {
		oldHash = emailHash(oldEmail)
	}
	if newEmail != "" {
		newHash = emailHash(newEmail)
	}
	if oldEmail != "" && newEmail != "" && oldHash == newHash {
		// A change of case, or a collision: the entry serves both.
		return
	}
	if oldEmail != "" {
		c.indexRemove(oldHash, seq)
	}
	if newEmail != "" {
		c.indexAdd(newHash, seq)
	}
}

// indexAdd adds contact seq under hash h.
func (c *Contacts) indexAdd(h, seq uint64) {
	ix := &c.emails[h%shardCount]
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if first, ok := ix.one[h]; ok {
		delete(ix.one, h)
		if ix.many == nil {
			ix.many = make(map[uint64][]uint64)
		}
		ix.many[h] = []uint64{min(first, seq), max(first, seq)}
		return
	}
	if old, ok := ix.many[h]; ok {
		i, _ := slices.BinarySearch(old, seq)
		// A new slice: readers may still hold the old one.
		seqs := make([]uint64, 0, len(old)+1)
		ix.many[h] = append(append(append(seqs, old[:i]...), seq), old[i:]...)
		return
	}
	ix.putOne(h, seq)
}

// indexRemove removes contact seq from hash h.
func (c *Contacts) indexRemove(h, seq uint64) {
	ix := &c.emails[h%shardCount]
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if first, ok := ix.one[h]; ok {
		if first == seq {
			delete(ix.one, h)
		}
		return
	}
	old := ix.many[h]
	i, found := slices.BinarySearch(old, seq)
	switch {
	case !found:
	case len(old) == 2:
		delete(ix.many, h)
		ix.putOne(h, old[1-i])
	default:
		// A new slice, as in indexAdd.
		ix.many[h] = append(append(make([]uint64, 0, len(old)-1), old[:i]...), old[i+1:]...)
	}
}

// putOne indexes a hash held by one contact; the caller holds ix.mu for
// writing. The map is made on first write so that the zero value is usable.
func (ix *emailShard) putOne(h, seq uint64) {
	if ix.one == nil {
		ix.one = make(map[uint64]uint64)
	}
	ix.one[h] = seq
}
