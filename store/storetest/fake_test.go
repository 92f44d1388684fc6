package storetest_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"runtime"
	"strings"
	"sync"

	"github.com/chatflow/chatflow/store"
)

// fake is a deliberately simple store guarded by one mutex. With no flags
// set it keeps every contract; each flag breaks one, so that the tests can
// check that the suite notices.
type fake struct {
	flags map[string]bool

	mu        sync.Mutex
	n         int
	contacts  map[string]store.Properties
	companies map[string]store.Properties
	sessions  map[string]store.SessionRecord
	locks     map[string]chan struct{}
}

func newFake(flags ...string) *fake {
	f := &fake{
		flags:     make(map[string]bool),
		contacts:  make(map[string]store.Properties),
		companies: make(map[string]store.Properties),
		sessions:  make(map[string]store.SessionRecord),
		locks:     make(map[string]chan struct{}),
	}
	for _, fl := range flags {
		f.flags[fl] = true
	}
	return f
}

func (f *fake) props(p store.Properties) store.Properties {
	if f.flags["shareMaps"] {
		return p
	}
	return maps.Clone(p)
}

func (f *fake) merge(dst, src store.Properties) {
	if f.flags["replaceOnUpdate"] {
		clear(dst)
	}
	for k, v := range src {
		if v == "" && !f.flags["keepEmpty"] {
			delete(dst, k)
		} else {
			dst[k] = v
		}
	}
}

func (f *fake) Contact(_ context.Context, id string) (store.Contact, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.contacts[id]
	if !ok {
		if f.flags["plainNotFound"] {
			return store.Contact{}, fmt.Errorf("no contact %q", id)
		}
		return store.Contact{}, fmt.Errorf("fake: %w", store.ErrNotFound)
	}
	return store.Contact{ID: id, Properties: f.props(p)}, nil
}

func (f *fake) ContactByEmail(_ context.Context, email string) (store.Contact, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, p := range f.contacts {
		e := p["email"]
		if e != "" && (e == email || !f.flags["caseSensitiveEmail"] && strings.EqualFold(e, email)) {
			return store.Contact{ID: id, Properties: f.props(p)}, nil
		}
	}
	return store.Contact{}, store.ErrNotFound
}

func (f *fake) CreateContact(_ context.Context, props store.Properties) (store.Contact, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	id := fmt.Sprint("c", f.n)
	if f.flags["sameID"] {
		id = "c"
	}
	p := f.props(props)
	if p == nil {
		p = store.Properties{}
	}
	f.contacts[id] = p
	return store.Contact{ID: id, Properties: f.props(p)}, nil
}

func (f *fake) UpdateContact(ctx context.Context, id string, props store.Properties) error {
	if f.flags["racyUpdate"] {
		// Read, then write back a modified copy without holding the lock
		// throughout: concurrent updates overwrite each other.
		c, err := f.Contact(ctx, id)
		if err != nil {
			return err
		}
		p := maps.Clone(c.Properties)
		f.merge(p, props)
		runtime.Gosched() // as a round trip to a database would
		f.mu.Lock()
		f.contacts[id] = p
		f.mu.Unlock()
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.contacts[id]
	if !ok {
		if f.flags["upsert"] {
			p = store.Properties{}
			f.contacts[id] = p
		} else {
			return store.ErrNotFound
		}
	}
	f.merge(p, props)
	return nil
}

func (f *fake) CreateCompany(_ context.Context, props store.Properties) (store.Company, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	id := fmt.Sprint("co", f.n)
	p := maps.Clone(props)
	if p == nil {
		p = store.Properties{}
	}
	f.companies[id] = p
	return store.Company{ID: id}, nil
}

func (f *fake) Company(_ context.Context, id string) (store.Company, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.companies[id]
	if !ok {
		return store.Company{}, store.ErrNotFound
	}
	return store.Company{ID: id, Properties: f.props(p)}, nil
}

func (f *fake) UpdateCompany(_ context.Context, id string, props store.Properties) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.companies[id]
	if !ok {
		return store.ErrNotFound
	}
	f.merge(p, props)
	return nil
}

func (f *fake) Load(_ context.Context, id string) (store.SessionRecord, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rec, ok := f.sessions[id]
	if !ok {
		return rec, store.ErrNotFound
	}
	if !f.flags["shareData"] {
		rec.Data = bytes.Clone(rec.Data)
	}
	return rec, nil
}

func (f *fake) Save(_ context.Context, id string, data []byte, expected int64) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur := f.sessions[id]
	if cur.Version != expected && !f.flags["noVersionCheck"] {
		return 0, store.ErrConflict
	}
	if !f.flags["shareData"] {
		data = bytes.Clone(data)
	}
	f.sessions[id] = store.SessionRecord{Data: data, Version: cur.Version + 1}
	return cur.Version + 1, nil
}

func (f *fake) Delete(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.sessions[id]; !ok && f.flags["deleteMissingFails"] {
		return store.ErrNotFound
	}
	delete(f.sessions, id)
	return nil
}

func (f *fake) Lock(ctx context.Context, key string) (func(), error) {
	if f.flags["noLock"] {
		return func() {}, nil
	}
	f.mu.Lock()
	ch, ok := f.locks[key]
	if !ok {
		ch = make(chan struct{}, 1)
		f.locks[key] = ch
	}
	f.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		if f.flags["lockErrorNotContext"] {
			return nil, fmt.Errorf("lock %q not acquired", key)
		}
		return nil, ctx.Err()
	}
}

func (f *fake) DeleteContact(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.flags["deleteNothing"] {
		delete(f.contacts, id)
	}
	return nil
}
