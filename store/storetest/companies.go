package storetest

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/chatflow/chatflow/store"
)

// CreateCompanyFunc creates a company with the given properties in the
// store under test and returns it; only its ID is used. store.Companies
// has no way to create companies, so TestCompanies needs this from the
// adapter (a method value such as memory's CreateCompany fits).
type CreateCompanyFunc func(ctx context.Context, props store.Properties) (store.Company, error)

// TestCompanies checks a store.Companies: ErrNotFound for missing records,
// reading what create made, merge semantics of UpdateCompany with ""
// clearing a property, idempotent updates, copying of maps in both
// directions, and concurrent updates that lose no property.
//
// newStore is called once per subtest and returns the store with a
// function that creates companies in it.
func TestCompanies(t *testing.T, newStore func(t *testing.T) (store.Companies, CreateCompanyFunc)) {
	// create seeds a company and returns its ID, stopping the subtest on
	// failure.
	create := func(t *testing.T, fn CreateCompanyFunc, props store.Properties) string {
		t.Helper()
		c, err := fn(ctx(t), props)
		noErr(t, "creating a company", err)
		if c.ID == "" {
			t.Fatal("creating a company returned an empty ID")
		}
		return c.ID
	}

	t.Run("NotFound", func(t *testing.T) {
		s, _ := newStore(t)
		missing := uniqueKey(t, "")
		_, err := s.Company(ctx(t), missing)
		wantErr(t, "Company(missing)", err, store.ErrNotFound)
		err = s.UpdateCompany(ctx(t), missing, store.Properties{"name": "Acme"})
		wantErr(t, "UpdateCompany(missing)", err, store.ErrNotFound)
		_, err = s.Company(ctx(t), missing)
		wantErr(t, "Company after UpdateCompany(missing)", err, store.ErrNotFound)
	})

	t.Run("Read", func(t *testing.T) {
		s, fn := newStore(t)
		props := store.Properties{"name": "Acme", "domain": "acme.example"}
		id := create(t, fn, props)
		got, err := s.Company(ctx(t), id)
		noErr(t, "Company", err)
		if got.ID != id {
			t.Errorf("Company(%q).ID = %q", id, got.ID)
		}
		checkProps(t, "Company", got.Properties, props)
	})

	t.Run("UpdateMerges", func(t *testing.T) {
		s, fn := newStore(t)
		id := create(t, fn, store.Properties{"a": "1", "b": "2", "c": "3"})
		update := store.Properties{"b": "20", "c": "", "d": "4", "e": ""}
		want := store.Properties{"a": "1", "b": "20", "d": "4"}
		for _, what := range []string{"after update", "after repeated update"} {
			noErr(t, "UpdateCompany", s.UpdateCompany(ctx(t), id, update))
			got, err := s.Company(ctx(t), id)
			noErr(t, "Company", err)
			checkProps(t, what, got.Properties, want)
		}
	})

	t.Run("Copies", func(t *testing.T) {
		s, fn := newStore(t)
		id := create(t, fn, store.Properties{"name": "Acme"})
		update := store.Properties{"city": "Utrecht"}
		noErr(t, "UpdateCompany", s.UpdateCompany(ctx(t), id, update))
		update["city"] = "Changed"
		update["extra"] = "x"
		got, err := s.Company(ctx(t), id)
		noErr(t, "Company", err)
		scribble(got.Properties)
		got, err = s.Company(ctx(t), id)
		noErr(t, "Company", err)
		checkProps(t, "after changing maps passed in and returned", got.Properties,
			store.Properties{"name": "Acme", "city": "Utrecht"})
	})

	t.Run("ConcurrentUpdates", func(t *testing.T) {
		s, fn := newStore(t)
		id := create(t, fn, store.Properties{"name": "Acme"})
		const writers, rounds = 10, 5
		want := store.Properties{"name": "Acme"}
		var wg sync.WaitGroup
		for w := range writers {
			key := fmt.Sprintf("p%d", w)
			want[key] = strconv.Itoa(rounds - 1)
			wg.Go(func() {
				for r := range rounds {
					if err := s.UpdateCompany(ctx(t), id, store.Properties{key: strconv.Itoa(r)}); err != nil {
						t.Errorf("UpdateCompany: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
		got, err := s.Company(ctx(t), id)
		noErr(t, "Company", err)
		checkProps(t, "after concurrent updates of different properties", got.Properties, want)
	})
}
