package memory_test

import (
	"context"
	"strings"
	"testing"
	"unsafe"

	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// IDs name records by number, but only in the spelling the store issues:
// any other names nothing, even where the number exists.
func TestMalformedIDsAreNotFound(t *testing.T) {
	ctx := t.Context()
	c := memory.NewContacts()
	ct, err := c.CreateContact(ctx, store.Properties{"firstname": "Ann", "email": "ann@example.com"})
	require.NoError(t, err)
	require.Equal(t, "contact-1", ct.ID)
	co, err := c.CreateCompany(ctx, store.Properties{"name": "Acme"})
	require.NoError(t, err)
	require.Equal(t, "company-1", co.ID)

	malformed := []string{
		"", "contact-", "contact-x", "contact-1x", "contact-01", "contact-001", "contact-0",
		"contact--1", "contact-+1", "contact- 1", "contact-1 ", " contact-1", "Contact-1",
		"contact_1", "contact1", "1", "company-1", "contact-\x00", "contact-١",
		"contact-18446744073709551616", "contact-99999999999999999999999999",
		"contact-184467440737095516150",
	}
	for _, id := range malformed {
		_, err := c.Contact(ctx, id)
		assert.ErrorIs(t, err, store.ErrNotFound, "Contact(%q)", id)
		_, _, err = c.ContactProperty(ctx, id, "firstname")
		assert.ErrorIs(t, err, store.ErrNotFound, "ContactProperty(%q)", id)
		err = c.UpdateContact(ctx, id, store.Properties{"firstname": "Bo"})
		assert.ErrorIs(t, err, store.ErrNotFound, "UpdateContact(%q)", id)
		assert.NoError(t, c.DeleteContact(ctx, id), "DeleteContact(%q)", id)
		if id != "" {
			err = c.AssociateCompany(ctx, id, co.ID)
			assert.ErrorIs(t, err, store.ErrNotFound, "AssociateCompany(%q, company)", id)
		}

		companyID := strings.Replace(id, "contact", "company", 1)
		if id == "company-1" {
			companyID = "contact-1"
		}
		_, err = c.Company(ctx, companyID)
		assert.ErrorIs(t, err, store.ErrNotFound, "Company(%q)", companyID)
		err = c.UpdateCompany(ctx, companyID, store.Properties{"name": "Evil"})
		assert.ErrorIs(t, err, store.ErrNotFound, "UpdateCompany(%q)", companyID)
		if companyID != "" {
			err = c.AssociateCompany(ctx, ct.ID, companyID)
			assert.ErrorIs(t, err, store.ErrNotFound, "AssociateCompany(contact, %q)", companyID)
		}
	}

	// Nothing above reached the records.
	got, err := c.Contact(ctx, "contact-1")
	require.NoError(t, err)
	assert.Equal(t, store.Properties{"firstname": "Ann", "email": "ann@example.com"}, got.Properties)
	assert.Empty(t, got.CompanyID)
	company, err := c.Company(ctx, "company-1")
	require.NoError(t, err)
	assert.Equal(t, store.Properties{"name": "Acme"}, company.Properties)

	// The largest number is a well-formed ID of a contact that does not
	// exist.
	_, err = c.Contact(ctx, "contact-18446744073709551615")
	assert.ErrorIs(t, err, store.ErrNotFound)
}

// Of several contacts with one address the oldest is found, as contacts
// with it come and go and change their address.
func TestDuplicateEmailsOldestOfMany(t *testing.T) {
	ctx := t.Context()
	c := memory.NewContacts()
	var ids []string
	for _, e := range []string{"dup@example.com", "DUP@example.com", "dup@EXAMPLE.com", "Dup@Example.Com"} {
		ct, err := c.CreateContact(ctx, store.Properties{"email": e})
		require.NoError(t, err)
		ids = append(ids, ct.ID)
	}
	expect := func(want string) {
		t.Helper()
		got, err := c.ContactByEmail(ctx, "dup@example.com")
		if want == "" {
			assert.ErrorIs(t, err, store.ErrNotFound)
			return
		}
		require.NoError(t, err)
		assert.Equal(t, want, got.ID)
	}
	expect(ids[0])
	require.NoError(t, c.DeleteContact(ctx, ids[1]))
	expect(ids[0])
	require.NoError(t, c.UpdateContact(ctx, ids[0], store.Properties{"email": ""}))
	expect(ids[2])
	require.NoError(t, c.DeleteContact(ctx, ids[2]))
	expect(ids[3])
	require.NoError(t, c.UpdateContact(ctx, ids[0], store.Properties{"email": "DUP@EXAMPLE.COM"}))
	expect(ids[0])
	require.NoError(t, c.DeleteContact(ctx, ids[0]))
	expect(ids[3])
	require.NoError(t, c.DeleteContact(ctx, ids[3]))
	expect("")
}

// A contact created without properties gets them, and is found by email,
// after an update; likewise a company.
func TestPropertiesAddedLater(t *testing.T) {
	ctx := t.Context()
	c := memory.NewContacts()
	ct, err := c.CreateContact(ctx, store.Properties{"email": ""})
	require.NoError(t, err)
	assert.NotNil(t, ct.Properties)
	require.NoError(t, c.UpdateContact(ctx, ct.ID, store.Properties{"email": "late@example.com", "x": ""}))
	got, err := c.ContactByEmail(ctx, "Late@example.com")
	require.NoError(t, err)
	assert.Equal(t, ct.ID, got.ID)
	assert.Equal(t, store.Properties{"email": "late@example.com"}, got.Properties)

	co, err := c.CreateCompany(ctx, nil)
	require.NoError(t, err)
	require.NoError(t, c.UpdateCompany(ctx, co.ID, store.Properties{"name": "Acme"}))
	company, err := c.Company(ctx, co.ID)
	require.NoError(t, err)
	assert.Equal(t, store.Properties{"name": "Acme"}, company.Properties)
	require.NoError(t, c.AssociateCompany(ctx, ct.ID, co.ID))
	got, err = c.Contact(ctx, ct.ID)
	require.NoError(t, err)
	assert.Equal(t, co.ID, got.CompanyID)
}

// A caller may hand over strings that share memory it reuses, as a
// decoder does; what the store keeps must not change with that memory,
// whether a name is shared among contacts or not and a value short or
// long.
func TestStoredStringsAreCopies(t *testing.T) {
	ctx := t.Context()
	c := memory.NewContacts()
	longName := "a_property_name_longer_than_any_the_store_would_share_among_contacts_" + strings.Repeat("n", 64)
	longValue := strings.Repeat("long value ", 40)
	want := store.Properties{
		"firstname": "Ann",
		"email":     "ann@example.com",
		longName:    "short",
		"notes":     longValue,
	}

	// borrowed returns p with every name and value in one buffer, which
	// the returned function scribbles over.
	borrowed := func(p store.Properties) (store.Properties, func()) {
		type pair struct{ k, v string }
		var pairs []pair
		var buf []byte
		for k, v := range p {
			pairs = append(pairs, pair{k, v})
			buf = append(append(buf, k...), v...)
		}
		out := make(store.Properties, len(p))
		off := 0
		str := func(n int) string {
			s := unsafe.String(&buf[off], n)
			off += n
			return s
		}
		for _, kv := range pairs {
			k := str(len(kv.k))
			out[k] = str(len(kv.v))
		}
		return out, func() {
			for i := range buf {
				buf[i] = '#'
			}
		}
	}

	// Twice, so that the second contact meets the names already known.
	for range 2 {
		props, scribble := borrowed(want)
		ct, err := c.CreateContact(ctx, props)
		require.NoError(t, err)
		scribble()
		got, err := c.Contact(ctx, ct.ID)
		require.NoError(t, err)
		assert.Equal(t, want, got.Properties, "after reusing CreateContact's input")

		update := store.Properties{"lastname": "Lee", longName: "other", "notes": longValue + "!"}
		props, scribble = borrowed(update)
		require.NoError(t, c.UpdateContact(ctx, ct.ID, props))
		scribble()
		got, err = c.Contact(ctx, ct.ID)
		require.NoError(t, err)
		assert.Equal(t, store.Properties{
			"firstname": "Ann",
			"email":     "ann@example.com",
			"lastname":  "Lee",
			longName:    "other",
			"notes":     longValue + "!",
		}, got.Properties, "after reusing UpdateContact's input")
		v, ok, err := c.ContactProperty(ctx, ct.ID, "lastname")
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, "Lee", v)

		co, err := c.CreateCompany(ctx, nil)
		require.NoError(t, err)
		props, scribble = borrowed(store.Properties{"name": "Acme", "domain": "acme.example"})
		require.NoError(t, c.UpdateCompany(ctx, co.ID, props))
		scribble()
		company, err := c.Company(ctx, co.ID)
		require.NoError(t, err)
		assert.Equal(t, store.Properties{"name": "Acme", "domain": "acme.example"}, company.Properties)
	}
}

// An email lookup that misses, the usual case for a new visitor, and an
// update of properties whose names are known allocate no more than the
// copy of the new values.
func TestContactsAllocations(t *testing.T) {
	ctx := context.Background()
	c := memory.NewContacts()
	ct, err := c.CreateContact(ctx, store.Properties{"firstname": "Ann", "email": "ann@example.com"})
	require.NoError(t, err)
	update := store.Properties{"company_size": "11-50", "lifecyclestage": "lead"}
	require.NoError(t, c.UpdateContact(ctx, ct.ID, update))

	miss := testing.AllocsPerRun(100, func() {
		if _, err := c.ContactByEmail(ctx, "Nobody.Here@example.com"); err == nil {
			t.Fatal("found nobody")
		}
	})
	assert.Zero(t, miss, "allocations of a missed ContactByEmail")
	same := testing.AllocsPerRun(100, func() {
		if err := c.UpdateContact(ctx, ct.ID, update); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, same, "allocations of UpdateContact with the stored values")
	other := store.Properties{"company_size": "51-200", "lifecyclestage": "customer"}
	updates := testing.AllocsPerRun(100, func() {
		update, other = other, update
		if err := c.UpdateContact(ctx, ct.ID, update); err != nil {
			t.Fatal(err)
		}
	})
	assert.Equal(t, 1.0, updates, "allocations of UpdateContact")
	reads := testing.AllocsPerRun(100, func() {
		if _, _, err := c.ContactProperty(ctx, ct.ID, "firstname"); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, reads, "allocations of ContactProperty")
}
