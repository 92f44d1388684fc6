package memory

import (
	"testing"
	"unsafe"
)

func TestShardsArePadded(t *testing.T) {
	var s Sessions
	var c Contacts
	for name, size := range map[string]uintptr{
		"sessions":  unsafe.Sizeof(s.shards[0]),
		"contacts":  unsafe.Sizeof(c.contacts[0]),
		"emails":    unsafe.Sizeof(c.emails[0]),
		"companies": unsafe.Sizeof(c.companies[0]),
	} {
		if size%cacheLine != 0 {
			t.Errorf("%s shard size %d is not a multiple of %d", name, size, cacheLine)
		}
	}
}
