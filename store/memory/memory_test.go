package memory_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/chatflow/chatflow/store/storetest"
)

func TestContactsConformance(t *testing.T) {
	storetest.TestContacts(t, func(*testing.T) store.Contacts { return memory.NewContacts() })
}

func TestCompaniesConformance(t *testing.T) {
	storetest.TestCompanies(t, func(*testing.T) (store.Companies, storetest.CreateCompanyFunc) {
		c := memory.NewContacts()
		return c, c.CreateCompany
	})
}

func TestSessionsConformance(t *testing.T) {
	storetest.TestSessions(t, func(*testing.T) store.Sessions { return memory.NewSessions() })
}

func TestIdleSessionsConformance(t *testing.T) {
	storetest.TestIdleSessions(t, func(*testing.T) store.IdleSessions { return memory.NewSessions() })
}

func TestLockerConformance(t *testing.T) {
	storetest.TestLocker(t, func(*testing.T) store.Locker { return memory.NewLocker() })
}

func TestLockedSessionsConformance(t *testing.T) {
	storetest.TestLockedSessions(t, func(*testing.T) (store.Locker, store.Sessions) {
		return memory.NewLocker(), memory.NewSessions()
	})
}

// The zero values are ready to use.
func TestZeroValues(t *testing.T) {
	storetest.TestContacts(t, func(*testing.T) store.Contacts { return new(memory.Contacts) })
	storetest.TestSessions(t, func(*testing.T) store.Sessions { return new(memory.Sessions) })
	storetest.TestIdleSessions(t, func(*testing.T) store.IdleSessions { return new(memory.Sessions) })
	storetest.TestLocker(t, func(*testing.T) store.Locker { return new(memory.Locker) })
}

func TestDeterministicIDs(t *testing.T) {
	ctx := t.Context()
	c := memory.NewContacts()
	for i := 1; i <= 3; i++ {
		ct, err := c.CreateContact(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, "contact-"+strconv.Itoa(i), ct.ID)
		co, err := c.CreateCompany(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, "company-"+strconv.Itoa(i), co.ID)
	}
}

func TestEmptyValuesNotStored(t *testing.T) {
	ctx := t.Context()
	c := memory.NewContacts()
	ct, err := c.CreateContact(ctx, store.Properties{"a": "1", "b": ""})
	require.NoError(t, err)
	assert.Equal(t, store.Properties{"a": "1"}, ct.Properties)
	require.NoError(t, c.UpdateContact(ctx, ct.ID, store.Properties{"a": ""}))
	got, err := c.Contact(ctx, ct.ID)
	require.NoError(t, err)
	assert.NotNil(t, got.Properties, "returned Properties must be writable")
	assert.Empty(t, got.Properties)
}

func TestAssociateCompany(t *testing.T) {
	ctx := t.Context()
	c := memory.NewContacts()
	ct, err := c.CreateContact(ctx, store.Properties{"email": "ann@example.com"})
	require.NoError(t, err)
	co, err := c.CreateCompany(ctx, store.Properties{"name": "Acme"})
	require.NoError(t, err)

	require.NoError(t, c.AssociateCompany(ctx, ct.ID, co.ID))
	got, err := c.Contact(ctx, ct.ID)
	require.NoError(t, err)
	assert.Equal(t, co.ID, got.CompanyID)
	got, err = c.ContactByEmail(ctx, "ANN@example.com")
	require.NoError(t, err)
	assert.Equal(t, co.ID, got.CompanyID)

	assert.ErrorIs(t, c.AssociateCompany(ctx, "contact-99", co.ID), store.ErrNotFound)
	assert.ErrorIs(t, c.AssociateCompany(ctx, ct.ID, "company-99"), store.ErrNotFound)
	got, err = c.Contact(ctx, ct.ID)
	require.NoError(t, err)
	assert.Equal(t, co.ID, got.CompanyID, "a failed association changes nothing")

	require.NoError(t, c.AssociateCompany(ctx, ct.ID, ""))
	got, err = c.Contact(ctx, ct.ID)
	require.NoError(t, err)
	assert.Empty(t, got.CompanyID)
}

func TestAllContactsAndCompanies(t *testing.T) {
	ctx := t.Context()
	c := memory.NewContacts()
	assert.Empty(t, c.AllContacts(ctx))
	assert.Empty(t, c.AllCompanies(ctx))
	for i := range 40 { // more than one per shard
		_, err := c.CreateContact(ctx, store.Properties{"n": strconv.Itoa(i)})
		require.NoError(t, err)
		_, err = c.CreateCompany(ctx, store.Properties{"n": strconv.Itoa(i)})
		require.NoError(t, err)
	}
	all := c.AllContacts(ctx)
	require.Len(t, all, 40)
	for i, ct := range all {
		assert.Equal(t, "contact-"+strconv.Itoa(i+1), ct.ID)
		assert.Equal(t, strconv.Itoa(i), ct.Properties["n"])
	}
	all[0].Properties["n"] = "changed"
	got, err := c.Contact(ctx, all[0].ID)
	require.NoError(t, err)
	assert.Equal(t, "0", got.Properties["n"])

	companies := c.AllCompanies(ctx)
	require.Len(t, companies, 40)
	assert.Equal(t, "company-40", companies[39].ID)
}

func TestDuplicateEmailsFindOldest(t *testing.T) {
	ctx := t.Context()
	c := memory.NewContacts()
	first, err := c.CreateContact(ctx, store.Properties{"email": "Same@example.com"})
	require.NoError(t, err)
	second, err := c.CreateContact(ctx, store.Properties{"email": "same@EXAMPLE.com"})
	require.NoError(t, err)

	got, err := c.ContactByEmail(ctx, "same@example.com")
	require.NoError(t, err)
	assert.Equal(t, first.ID, got.ID)

	require.NoError(t, c.UpdateContact(ctx, first.ID, store.Properties{"email": "other@example.com"}))
	got, err = c.ContactByEmail(ctx, "same@example.com")
	require.NoError(t, err)
	assert.Equal(t, second.ID, got.ID)

	// Returning to the address puts the first contact in front again.
	require.NoError(t, c.UpdateContact(ctx, first.ID, store.Properties{"email": "SAME@example.com"}))
	got, err = c.ContactByEmail(ctx, "same@example.com")
	require.NoError(t, err)
	assert.Equal(t, first.ID, got.ID)

	// A change of case only keeps the index entry.
	require.NoError(t, c.UpdateContact(ctx, first.ID, store.Properties{"email": "same@example.com"}))
	got, err = c.ContactByEmail(ctx, "SAME@EXAMPLE.COM")
	require.NoError(t, err)
	assert.Equal(t, first.ID, got.ID)
	assert.Equal(t, "same@example.com", got.Properties["email"])
}

func TestEmailUnicodeFolding(t *testing.T) {
	ctx := t.Context()
	c := memory.NewContacts()
	ct, err := c.CreateContact(ctx, store.Properties{"email": "Jörg.Straße@Example.com"})
	require.NoError(t, err)
	for _, e := range []string{"jÖrg.straße@example.com", "JÖRG.STRAßE@EXAMPLE.COM", "jörg.straße@example.com"} {
		got, err := c.ContactByEmail(ctx, e)
		require.NoError(t, err, e)
		assert.Equal(t, ct.ID, got.ID)
	}
	// The Kelvin sign folds to k, as in strings.EqualFold.
	ct2, err := c.CreateContact(ctx, store.Properties{"email": "kim@example.com"})
	require.NoError(t, err)
	got, err := c.ContactByEmail(ctx, "\u212aim@example.com")
	require.NoError(t, err)
	assert.Equal(t, ct2.ID, got.ID)
	_, err = c.ContactByEmail(ctx, " kim@example.com")
	assert.ErrorIs(t, err, store.ErrNotFound, "spaces are not trimmed")
}

// BenchmarkTurn measures the store side of one conversation turn (lock,
// load, save, unlock) with many conversations in parallel.
func BenchmarkTurn(b *testing.B) {
	var (
		l    memory.Locker
		s    memory.Sessions
		next atomic.Int64
		data = make([]byte, 512)
	)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		key := "conversation-" + strconv.FormatInt(next.Add(1), 10)
		var version int64
		for pb.Next() {
			unlock, err := l.Lock(ctx, key)
			if err != nil {
				b.Fatal(err)
			}
			if version > 0 {
				rec, err := s.Load(ctx, key)
				if err != nil {
					b.Fatal(err)
				}
				version = rec.Version
			}
			if version, err = s.Save(ctx, key, data, version); err != nil {
				b.Fatal(err)
			}
			unlock()
		}
	})
}

func BenchmarkUpdateContact(b *testing.B) {
	ctx := context.Background()
	var c memory.Contacts
	ct, err := c.CreateContact(ctx, store.Properties{"email": "ann@example.com", "firstname": "Ann"})
	if err != nil {
		b.Fatal(err)
	}
	props := store.Properties{"company_size": "11-50"}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.UpdateContact(ctx, ct.ID, props); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkContactByEmail(b *testing.B) {
	ctx := context.Background()
	var c memory.Contacts
	if _, err := c.CreateContact(ctx, store.Properties{"email": "ann@example.com", "firstname": "Ann"}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ContactByEmail(ctx, "Ann@Example.com"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestNew(t *testing.T) {
	ctx := t.Context()
	a, b := memory.New(), memory.New()
	for name, s := range map[string]store.Stores{"a": a, "b": b} {
		assert.NotNil(t, s.Contacts, name)
		assert.NotNil(t, s.Companies, name)
		assert.NotNil(t, s.Sessions, name)
		assert.NotNil(t, s.Locker, name)
		assert.NotNil(t, s.Consent, name)
		assert.NotNil(t, s.Subscriptions, name)
		assert.NotNil(t, s.Lists, name)
		assert.NotNil(t, s.Workflows, name)
		assert.NotNil(t, s.Tickets, name)
		assert.NotNil(t, s.KnowledgeBase, name)
		assert.NotNil(t, s.Meetings, name)
	}

	// One Contacts serves companies too.
	contacts, ok := a.Contacts.(*memory.Contacts)
	require.True(t, ok)
	assert.Same(t, contacts, a.Companies)
	co, err := contacts.CreateCompany(ctx, store.Properties{"name": "Acme"})
	require.NoError(t, err)
	_, err = a.Companies.Company(ctx, co.ID)
	assert.NoError(t, err)

	// Two calls share nothing.
	_, err = a.Contacts.CreateContact(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, b.Contacts.(*memory.Contacts).AllContacts(ctx))
	_, err = b.Companies.Company(ctx, co.ID)
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func TestCommitter(t *testing.T) {
	storetest.TestCommitter(t, func(*testing.T) store.Stores { return memory.New() })
}

// Commit writes only to the stores New made with the session store: a
// host that replaces one of them gets no Committer, and a session store
// made alone commits nothing.
func TestCommitterCoversOnlyItsOwnStores(t *testing.T) {
	st := memory.New()
	c := st.Sessions.(store.Committer)
	assert.True(t, c.Covers(st))
	without := st
	without.Companies, without.Subscriptions = nil, nil
	assert.True(t, c.Covers(without), "stores it does not need may be left out")
	for name, change := range map[string]func(*store.Stores){
		"contacts":      func(s *store.Stores) { s.Contacts = memory.NewContacts() },
		"companies":     func(s *store.Stores) { s.Companies = memory.NewContacts() },
		"consent":       func(s *store.Stores) { s.Consent = memory.NewConsentRecords() },
		"subscriptions": func(s *store.Stores) { s.Subscriptions = memory.NewSubscriptions() },
		"sessions":      func(s *store.Stores) { s.Sessions = memory.New().Sessions },
	} {
		other := st
		change(&other)
		assert.False(t, c.Covers(other), "with other %s", name)
	}
	alone := memory.NewSessions()
	assert.False(t, alone.Covers(store.Stores{Sessions: alone, Contacts: st.Contacts, Consent: st.Consent}))
	_, err := alone.Commit(context.Background(), store.Commit{ConversationID: "c", Data: []byte("x")})
	assert.Error(t, err)
	_, err = alone.Load(context.Background(), "c")
	assert.ErrorIs(t, err, store.ErrNotFound, "a failed Commit saves nothing")
}
