package storetest

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chatflow/chatflow/store"
)

// TestIdleSessions checks a store.IdleSessions: Idle returns the
// conversations whose recorded idle time is before the time asked about,
// earliest first and at most limit of them; a zero idle time, a plain
// Save, a later idle time and Delete take a conversation out; a save that
// fails on its version leaves out nothing that was idle; and SaveIdle
// keeps Save's version contract.
//
// Because adapters may share one database between runs, the checks use
// idle times in a window of their own (a random minute centuries ago) and
// look only at the conversations they saved.
//
// newStore is called once per subtest.
func TestIdleSessions(t *testing.T, newStore func(t *testing.T) store.IdleSessions) {
	// base is a random whole second in the years 1700 to 1999, so runs
	// sharing a database do not see each other's sessions as due first.
	window := func() time.Time {
		var b [8]byte
		_, _ = rand.Read(b[:])
		const span = int64(299 * 365 * 24 * 3600)
		off := int64(binary.LittleEndian.Uint64(b[:])>>1) % span
		return time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(off) * time.Second)
	}
	// own returns the conversations of ids found by Idle, in Idle's order.
	own := func(t *testing.T, s store.IdleSessions, before time.Time, ids ...string) []string {
		t.Helper()
		got, err := s.Idle(ctx(t), before, 100000)
		noErr(t, "Idle", err)
		var out []string
		for _, id := range got {
			if slices.Contains(ids, id) {
				out = append(out, id)
			}
		}
		return out
	}
	save := func(t *testing.T, s store.IdleSessions, id string, expected int64, at time.Time) int64 {
		t.Helper()
		v, err := s.SaveIdle(ctx(t), id, []byte("session "+id), expected, at)
		noErr(t, fmt.Sprintf("SaveIdle(%s, %d, %s)", id, expected, at), err)
		if v != expected+1 {
			t.Fatalf("SaveIdle(%s) at version %d returned version %d", id, expected, v)
		}
		return v
	}

	t.Run("Order", func(t *testing.T) {
		s := newStore(t)
		base := window()
		a, b, c, never := uniqueKey(t, "a"), uniqueKey(t, "b"), uniqueKey(t, "c"), uniqueKey(t, "never")
		save(t, s, b, 0, base.Add(2*time.Second))
		save(t, s, a, 0, base.Add(1*time.Second))
		save(t, s, c, 0, base.Add(3*time.Second))
		save(t, s, never, 0, time.Time{})
		all := []string{a, b, c, never}
		for _, tc := range []struct {
			before time.Duration
			want   []string
		}{
			{0, nil},
			{time.Second, nil}, // before is exclusive
			{1500 * time.Millisecond, []string{a}},
			{2500 * time.Millisecond, []string{a, b}},
			{time.Hour, []string{a, b, c}},
		} {
			if got := own(t, s, base.Add(tc.before), all...); !slices.Equal(got, tc.want) {
				t.Errorf("Idle(base+%s) = %v, want %v", tc.before, got, tc.want)
			}
		}
		// The data is what was saved.
		expectSession(t, s, a, []byte("session "+a), 1)
	})

	t.Run("Limit", func(t *testing.T) {
		s := newStore(t)
		base := window()
		var ids []string
		for i := range 5 {
			id := uniqueKey(t, fmt.Sprint(i))
			ids = append(ids, id)
			save(t, s, id, 0, base.Add(time.Duration(i)*time.Second))
		}
		for _, limit := range []int{-1, 0, 1, 3} {
			got, err := s.Idle(ctx(t), base.Add(time.Minute), limit)
			noErr(t, "Idle", err)
			if len(got) > max(limit, 0) {
				t.Errorf("Idle(limit %d) returned %d conversations", limit, len(got))
			}
		}
		// The earliest come first: with nothing older in the window, the
		// first three are ours.
		got, err := s.Idle(ctx(t), base.Add(time.Minute), 100000)
		noErr(t, "Idle", err)
		var mine []string
		for _, id := range got {
			if slices.Contains(ids, id) {
				mine = append(mine, id)
			}
		}
		if !slices.Equal(mine, ids) {
			t.Errorf("Idle = %v, want %v in this order", mine, ids)
		}
	})

	t.Run("Moves", func(t *testing.T) {
		s := newStore(t)
		base := window()
		later, cleared, plain, deleted := uniqueKey(t, "later"), uniqueKey(t, "cleared"), uniqueKey(t, "plain"), uniqueKey(t, "deleted")
		all := []string{later, cleared, plain, deleted}
		for _, id := range all {
			save(t, s, id, 0, base.Add(time.Second))
		}
		if got := own(t, s, base.Add(time.Minute), all...); len(got) != 4 {
			t.Fatalf("Idle = %v, want all four", got)
		}
		save(t, s, later, 1, base.Add(time.Hour))
		save(t, s, cleared, 1, time.Time{})
		if _, err := s.Save(ctx(t), plain, []byte("plain"), 1); err != nil {
			t.Fatalf("Save: %v", err)
		}
		noErr(t, "Delete", s.Delete(ctx(t), deleted))
		if got := own(t, s, base.Add(time.Minute), all...); len(got) != 0 {
			t.Errorf("Idle after a later idle time, a zero one, a plain Save and Delete = %v, want none", got)
		}
		if got := own(t, s, base.Add(2*time.Hour), all...); !slices.Equal(got, []string{later}) {
			t.Errorf("Idle(base+2h) = %v, want [%s]", got, later)
		}
		// A deleted session started afresh is idle again only when saved so.
		save(t, s, deleted, 0, base.Add(3*time.Second))
		if got := own(t, s, base.Add(time.Minute), all...); !slices.Equal(got, []string{deleted}) {
			t.Errorf("Idle after saving a deleted session again = %v, want [%s]", got, deleted)
		}
	})

	t.Run("Conflict", func(t *testing.T) {
		s := newStore(t)
		base := window()
		id := uniqueKey(t, "")
		save(t, s, id, 0, base.Add(time.Second))
		save(t, s, id, 1, base.Add(2*time.Second))
		for _, at := range []time.Time{{}, base.Add(time.Hour)} {
			_, err := s.SaveIdle(ctx(t), id, []byte("stale"), 1, at)
			if !errors.Is(err, store.ErrConflict) {
				t.Fatalf("SaveIdle at a stale version: error = %v, want ErrConflict", err)
			}
		}
		_, err := s.SaveIdle(ctx(t), uniqueKey(t, "missing"), []byte("x"), 3, base)
		wantErr(t, "SaveIdle at version 3 of a missing session", err, store.ErrConflict)
		expectSession(t, s, id, []byte("session "+id), 2)
		// The index may lag, but never leaves out a session that is idle.
		if got := own(t, s, base.Add(3*time.Second), id); !slices.Equal(got, []string{id}) {
			t.Errorf("Idle after refused saves = %v, want [%s]", got, id)
		}
	})
}
