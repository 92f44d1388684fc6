// Package storetest checks that an implementation of the store interfaces
// keeps the contracts package store documents. Adapters run it from their
// own tests, much as file systems run testing/fstest.TestFS:
//
//	func TestSessions(t *testing.T) {
//		storetest.TestSessions(t, func(t *testing.T) store.Sessions {
//			return newTestAdapter(t)
//		})
//	}
//
// There is a Test function per interface: TestContacts, TestCompanies,
// TestSessions, TestIdleSessions (the optional store.IdleSessions),
// TestLocker, TestLockedSessions (a Locker and Sessions together), TestCommitter
// (the optional store.Committer), TestConsentRecords, TestSubscriptions, TestLists,
// TestWorkflows, TestTickets, TestKnowledgeBase and TestMeetings. Where an
// interface cannot create what it reads (companies, lists, workflows,
// articles, meeting links), the constructor seeds it or names one that
// exists.
//
// Stores that hold personal data are checked for erasure where they offer
// it: TestContacts deletes through store.ContactDeleter, TestSessions
// deletes sessions, TestConsentRecords erases records, and
// TestSubscriptions, TestLists, TestWorkflows and TestTickets check that
// store.Forgetter leaves nothing of a contact that the store's reader
// (store.SubscriptionReader, store.ListReader, store.WorkflowReader,
// store.TicketReader) could return.
//
// Each Test function runs subtests with t.Run and calls the constructor it
// is given once per subtest; the constructor may register cleanups with
// t.Cleanup. The suite touches only the stores the constructor returns; it
// registers no flags and reads no environment. It does not need an empty
// store: it works on keys, IDs and email addresses made unique per run, so
// adapters may share one database between subtests and runs. Some subtests
// run many goroutines against one store to find lost updates and broken
// locks; the largest, in TestLockedSessions, makes about three thousand
// store calls.
package storetest

import (
	"context"
	"crypto/rand"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/chatflow/chatflow/store"
)

// uniqueKey returns a key no other run or subtest uses: a random part and
// the subtest's name, with an optional suffix.
func uniqueKey(t *testing.T, suffix string) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, t.Name())
	k := "storetest-" + strings.ToLower(rand.Text()[:10]) + "-" + name
	if suffix != "" {
		k += "-" + suffix
	}
	return k
}

// uniqueEmail returns an email address no other run or subtest uses, with
// local part prefix.
func uniqueEmail(prefix string) string {
	return prefix + "." + strings.ToLower(rand.Text()[:12]) + "@Example.COM"
}

// checkProps reports a difference between got and want. A property stored
// as "" counts as absent, since clearing a property may leave either.
func checkProps(t *testing.T, what string, got, want store.Properties) {
	t.Helper()
	norm := func(p store.Properties) map[string]string {
		m := make(map[string]string, len(p))
		for k, v := range p {
			if v != "" {
				m[k] = v
			}
		}
		return m
	}
	g, w := norm(got), norm(want)
	if !maps.Equal(g, w) {
		t.Errorf("%s: properties = %v, want %v", what, sorted(g), sorted(w))
	}
}

// sorted formats m with its keys in order, for stable messages.
func sorted(m map[string]string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + ":" + m[k])
	}
	b.WriteByte('}')
	return b.String()
}

// wantErr reports err unless it matches target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error = %v, want one matching %v", what, err, target)
	}
}

// noErr stops the subtest if err is not nil.
func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// ctx returns the test's context.
func ctx(t *testing.T) context.Context { return t.Context() }
