package storetest_test

import (
	"os"
	"os/exec"
	"regexp"
	"testing"

	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/storetest"
)

// runSuites runs every suite against stores made by newFake(flags...).
func runSuites(t *testing.T, flags ...string) {
	storetest.TestContacts(t, func(*testing.T) store.Contacts { return newFake(flags...) })
	storetest.TestCompanies(t, func(*testing.T) (store.Companies, storetest.CreateCompanyFunc) {
		f := newFake(flags...)
		return f, f.CreateCompany
	})
	storetest.TestSessions(t, func(*testing.T) store.Sessions { return newFake(flags...) })
	storetest.TestLocker(t, func(*testing.T) store.Locker { return newFake(flags...) })
	storetest.TestLockedSessions(t, func(*testing.T) (store.Locker, store.Sessions) {
		f := newFake(flags...)
		return f, f
	})
	storetest.TestSubscriptions(t, func(*testing.T) store.Subscriptions { return newFakePorts(flags...) })
	storetest.TestLists(t, func(*testing.T) (store.Lists, string) { return newFakePorts(flags...), "list-1" })
	storetest.TestWorkflows(t, func(*testing.T) (store.Workflows, string) { return newFakePorts(flags...), "flow-1" })
	storetest.TestTickets(t, func(*testing.T) store.Tickets { return newFakePorts(flags...) })
	storetest.TestKnowledgeBase(t, func(_ *testing.T, arts []store.Article) store.KnowledgeBase {
		f := newFakePorts(flags...)
		f.addArticles(arts)
		return f
	})
	storetest.TestMeetings(t, func(_ *testing.T, links map[string]store.MeetingLink) store.Meetings {
		f := newFakePorts(flags...)
		f.addLinks(links)
		return f
	})
}

// A store that keeps the contracts passes.
func TestCorrectFakePasses(t *testing.T) {
	runSuites(t)
}

// brokenEnv tells a child test process which flag to break the fake with.
const brokenEnv = "STORETEST_BROKEN_FLAG"

// TestBrokenChild runs the suites against a broken fake when started by
// TestSuiteDetectsBrokenStores; it is skipped otherwise.
func TestBrokenChild(t *testing.T) {
	flag := os.Getenv(brokenEnv)
	if flag == "" {
		t.Skip("run by TestSuiteDetectsBrokenStores")
	}
	runSuites(t, flag)
}

// Each way of breaking the fake makes the named subtests fail. The broken
// suites run in a child process, since a failing subtest would fail this
// test too.
func TestSuiteDetectsBrokenStores(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	cases := map[string][]string{
		"plainNotFound":        {"NotFound", "ArticleNotFound"},
		"caseSensitiveEmail":   {"EmailLookup", "EmailFollowsUpdates"},
		"sameID":               {"UniqueIDs"},
		"upsert":               {"NotFound"},
		"replaceOnUpdate":      {"UpdateMerges", "CopiesIn", "ConcurrentUpdates", "Copies"},
		"shareMaps":            {"CopiesOut", "CopiesIn", "Copies"},
		"racyUpdate":           {"ConcurrentUpdates"},
		"noVersionCheck":       {"Conflict", "ConflictWhenMissing", "ConcurrentSameVersion"},
		"shareData":            {"Copies"},
		"deleteMissingFails":   {"Delete"},
		"noLock":               {"WaitsForUnlock", "TimeoutWhileWaiting", "Counter"},
		"lockErrorNotContext":  {"CancelWhileWaiting", "TimeoutWhileWaiting"},
		"optInAfterOptOut":     {"OptOutSticky"},
		"forgetAll":            {"Forget"},
		"forgetMembers":        {"Forget"},
		"forgetTickets":        {"Forget"},
		"deleteNothing":        {"Delete"},
		"joinUnknown":          {"Unknown"},
		"joinTwiceFails":       {"Twice", "Concurrent"},
		"ticketsNotIdempotent": {"Idempotent", "ConcurrentIdempotent"},
		"searchRestricted":     {"Search"},
		"noDefaultLimit":       {"SearchDefaultLimit"},
		"shareTags":            {"ArticleCopies"},
		"shareFields":          {"LinkCopies"},
	}
	for flag, subtests := range cases {
		t.Run(flag, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), brokenEnv+"="+flag)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suites passed a store broken by %s", flag)
			}
			for _, sub := range subtests {
				failed := regexp.MustCompile(`--- FAIL: TestBrokenChild/` + sub + `(#\d+)? \(`)
				if !failed.Match(out) {
					t.Errorf("subtest %s did not fail for %s; output:\n%s", sub, flag, out)
				}
			}
		})
	}
}

// The adapter of the package example passes the suites it runs.
func TestExampleAdapter(t *testing.T) { testTenantSessions(t) }
