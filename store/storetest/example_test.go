package storetest_test

import (
	"context"
	"testing"

	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/chatflow/chatflow/store/storetest"
)

// tenantSessions is a host's own session adapter: it keeps the sessions of
// many tenants in one shared store, apart by a prefix on the conversation
// ID.
type tenantSessions struct {
	tenant string
	shared store.Sessions
}

func (s tenantSessions) key(conversationID string) string { return s.tenant + "/" + conversationID }

func (s tenantSessions) Load(ctx context.Context, conversationID string) (store.SessionRecord, error) {
	return s.shared.Load(ctx, s.key(conversationID))
}

func (s tenantSessions) Save(ctx context.Context, conversationID string, data []byte, expectedVersion int64) (int64, error) {
	return s.shared.Save(ctx, s.key(conversationID), data, expectedVersion)
}

func (s tenantSessions) Delete(ctx context.Context, conversationID string) error {
	return s.shared.Delete(ctx, s.key(conversationID))
}

// testTenantSessions is the body of the adapter's own test,
// TestTenantSessions(t *testing.T): it runs the suites of the interface the
// adapter implements, and of the Locker it is used with.
func testTenantSessions(t *testing.T) {
	shared := memory.NewSessions()
	newSessions := func(*testing.T) store.Sessions { return tenantSessions{tenant: "acme", shared: shared} }
	storetest.TestSessions(t, newSessions)
	storetest.TestLockedSessions(t, func(t *testing.T) (store.Locker, store.Sessions) {
		return memory.NewLocker(), newSessions(t)
	})
}

// A host checks its own adapter, here tenantSessions, by running the suites
// from a Test function, as testTenantSessions does.
func Example() {
	var t *testing.T // the *testing.T of the host's Test function
	testTenantSessions(t)
}
