package store_test

import (
	"testing"

	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/stretchr/testify/assert"
)

func TestStoresOr(t *testing.T) {
	own := memory.NewSessions()
	d := memory.New()
	got := store.Stores{Sessions: own}.Or(d)
	assert.Same(t, own, got.Sessions, "a store the host set is kept")
	assert.Equal(t, d.Contacts, got.Contacts, "a nil one comes from the defaults")
	assert.Equal(t, d.Meetings, got.Meetings)
	assert.Nil(t, store.Stores{}.Or(store.Stores{}).Tickets)
}
