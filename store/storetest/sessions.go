package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/chatflow/chatflow/store"
)

// TestSessions checks a store.Sessions: ErrNotFound for a missing session,
// Save/Load round trips with versions that start at 1 and grow by one, the
// version check (an expected version that does not match, including 0 for
// an existing session, returns ErrConflict and stores nothing), idempotent
// Delete, copying of data in both directions, and that of concurrent Saves
// with the same expected version exactly one succeeds.
//
// newStore is called once per subtest.
func TestSessions(t *testing.T, newStore func(t *testing.T) store.Sessions) {
	t.Run("LoadMissing", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Load(ctx(t), uniqueKey(t, ""))
		wantErr(t, "Load(missing)", err, store.ErrNotFound)
	})

	t.Run("SaveAndLoad", func(t *testing.T) {
		s := newStore(t)
		key := uniqueKey(t, "")
		for want := int64(1); want <= 3; want++ {
			data := fmt.Appendf(nil, `{"step":%d}`, want)
			v, err := s.Save(ctx(t), key, data, want-1)
			noErr(t, fmt.Sprintf("Save at version %d", want-1), err)
			if v != want {
				t.Fatalf("Save at version %d returned version %d, want %d", want-1, v, want)
			}
			expectSession(t, s, key, data, want)
		}
	})

	t.Run("Conflict", func(t *testing.T) {
		s := newStore(t)
		key := uniqueKey(t, "")
		_, err := s.Save(ctx(t), key, []byte("one"), 0)
		noErr(t, "Save", err)
		_, err = s.Save(ctx(t), key, []byte("two"), 1)
		noErr(t, "Save", err)
		for _, v := range []int64{0, 1, 3, 100, -1} {
			_, err := s.Save(ctx(t), key, []byte("stale"), v)
			wantErr(t, fmt.Sprintf("Save at version %d over version 2", v), err, store.ErrConflict)
		}
		expectSession(t, s, key, []byte("two"), 2)
	})

	t.Run("ConflictWhenMissing", func(t *testing.T) {
		s := newStore(t)
		key := uniqueKey(t, "")
		for _, v := range []int64{1, 5, -1} {
			_, err := s.Save(ctx(t), key, []byte("x"), v)
			wantErr(t, fmt.Sprintf("Save at version %d of a missing session", v), err, store.ErrConflict)
		}
		_, err := s.Load(ctx(t), key)
		wantErr(t, "Load after refused Saves", err, store.ErrNotFound)
	})

	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		key, other := uniqueKey(t, "a"), uniqueKey(t, "b")
		_, err := s.Save(ctx(t), key, []byte("a"), 0)
		noErr(t, "Save", err)
		_, err = s.Save(ctx(t), other, []byte("b"), 0)
		noErr(t, "Save", err)
		noErr(t, "Delete", s.Delete(ctx(t), key))
		_, err = s.Load(ctx(t), key)
		wantErr(t, "Load after Delete", err, store.ErrNotFound)
		noErr(t, "second Delete", s.Delete(ctx(t), key))
		noErr(t, "Delete(never saved)", s.Delete(ctx(t), uniqueKey(t, "never")))
		expectSession(t, s, other, []byte("b"), 1)

		// A deleted session may be created again.
		v, err := s.Save(ctx(t), key, []byte("again"), 0)
		noErr(t, "Save at version 0 after Delete", err)
		if v < 1 {
			t.Fatalf("Save after Delete returned version %d", v)
		}
		expectSession(t, s, key, []byte("again"), v)
	})

	t.Run("Copies", func(t *testing.T) {
		s := newStore(t)
		key := uniqueKey(t, "")
		data := []byte("original")
		_, err := s.Save(ctx(t), key, data, 0)
		noErr(t, "Save", err)
		copy(data, "XXXXXXXX")
		rec, err := s.Load(ctx(t), key)
		noErr(t, "Load", err)
		if !bytes.Equal(rec.Data, []byte("original")) {
			t.Fatalf("after changing the slice passed to Save, Load = %q", rec.Data)
		}
		// What Load returned is read-only on both sides: a later Save must
		// not change it.
		_, err = s.Save(ctx(t), key, []byte("replaced"), 1)
		noErr(t, "Save", err)
		if !bytes.Equal(rec.Data, []byte("original")) {
			t.Fatalf("a Save changed the data an earlier Load returned: %q", rec.Data)
		}
		expectSession(t, s, key, []byte("replaced"), 2)
	})

	t.Run("EmptyData", func(t *testing.T) {
		s := newStore(t)
		key := uniqueKey(t, "")
		_, err := s.Save(ctx(t), key, nil, 0)
		noErr(t, "Save(nil)", err)
		expectSession(t, s, key, nil, 1)
		_, err = s.Save(ctx(t), key, []byte{}, 1)
		noErr(t, "Save(empty)", err)
		expectSession(t, s, key, nil, 2)
	})

	t.Run("ConcurrentSameVersion", func(t *testing.T) {
		s := newStore(t)
		key := uniqueKey(t, "")
		for expected := int64(0); expected < 3; expected++ {
			const n = 16
			errs := make([]error, n)
			versions := make([]int64, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					versions[i], errs[i] = s.Save(ctx(t), key, fmt.Appendf(nil, "writer %d", i), expected)
				})
			}
			wg.Wait()
			winner := -1
			for i, err := range errs {
				switch {
				case err == nil && winner >= 0:
					t.Fatalf("Saves %d and %d at version %d both succeeded", winner, i, expected)
				case err == nil:
					winner = i
				case !errors.Is(err, store.ErrConflict):
					t.Fatalf("Save %d at version %d: error = %v, want ErrConflict or success", i, expected, err)
				}
			}
			if winner < 0 {
				t.Fatalf("none of %d Saves at version %d succeeded", n, expected)
			}
			if versions[winner] != expected+1 {
				t.Errorf("winning Save returned version %d, want %d", versions[winner], expected+1)
			}
			expectSession(t, s, key, fmt.Appendf(nil, "writer %d", winner), expected+1)
		}
	})

	t.Run("ConcurrentConversations", func(t *testing.T) {
		s := newStore(t)
		const conversations, saves = 20, 10
		var wg sync.WaitGroup
		for c := range conversations {
			key := uniqueKey(t, fmt.Sprint(c))
			wg.Go(func() {
				for v := range int64(saves) {
					if _, err := s.Save(ctx(t), key, fmt.Appendf(nil, "%d", v), v); err != nil {
						t.Errorf("Save(%s) at version %d: %v", key, v, err)
						return
					}
					if _, err := s.Load(ctx(t), key); err != nil {
						t.Errorf("Load(%s): %v", key, err)
						return
					}
				}
				rec, err := s.Load(ctx(t), key)
				if err != nil || rec.Version != saves {
					t.Errorf("Load(%s) = version %d, %v; want version %d", key, rec.Version, err, saves)
				}
			})
		}
		wg.Wait()
	})
}

// expectSession checks that the stored session of key has the given data
// (nil and empty are the same) and version.
func expectSession(t *testing.T, s store.Sessions, key string, data []byte, version int64) {
	t.Helper()
	rec, err := s.Load(ctx(t), key)
	if err != nil {
		t.Fatalf("Load(%s): %v", key, err)
	}
	if !bytes.Equal(rec.Data, data) || rec.Version != version {
		t.Fatalf("Load(%s) = %q version %d, want %q version %d", key, rec.Data, rec.Version, data, version)
	}
}
