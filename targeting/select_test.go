package targeting

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/targeting/availability"
)

func mustRules(t testing.TB, js string) *Rules {
	t.Helper()
	var s *Spec
	if js != "" {
		s = decodeSpec(t.(*testing.T), js)
	}
	r, err := s.Compile(nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// countingVisitor returns v and counts calls.
type countingVisitor struct {
	v     Visitor
	err   error
	calls int
}

func (c *countingVisitor) fn(context.Context) (Visitor, error) {
	c.calls++
	return c.v, c.err
}

func TestSelectPriority(t *testing.T) {
	ctx := context.Background()
	cands := []Candidate{
		{ID: "pricing", Rules: mustRules(t, `{"pageRules":[{"operator":"begins_with","value":"/pricing"}]}`)},
		{ID: "no-privacy", Rules: mustRules(t, `{"exclusionRules":[{"operator":"contains","value":"/privacy"}]}`)},
		{ID: "everywhere", Rules: nil},
	}
	tests := []struct {
		url  string
		want string
	}{
		{"https://example.com/pricing/team", "pricing"},
		{"https://example.com/about", "no-privacy"},
		{"https://example.com/privacy", "everywhere"},
	}
	for _, tt := range tests {
		d, err := Select(ctx, cands, Request{View: PageView{URL: tt.url}})
		if err != nil {
			t.Fatal(err)
		}
		if d.Chosen == nil || d.Chosen.ID != tt.want || d.Hidden || d.Shown() != d.Chosen {
			t.Errorf("%s: chose %+v, want %s", tt.url, d.Chosen, tt.want)
		}
		if d.Chosen != nil && d.Chosen != &cands[0] && d.Chosen != &cands[1] && d.Chosen != &cands[2] {
			t.Error("Chosen does not point into the candidates")
		}
		if d.Explanations != nil {
			t.Error("explanations without Explain")
		}
	}
	d, err := Select(ctx, cands[:2], Request{View: PageView{URL: "https://example.com/privacy"}})
	if err != nil || d.Chosen != nil || d.Shown() != nil {
		t.Errorf("no match: %+v, %v", d, err)
	}
	d, err = Select(ctx, nil, Request{})
	if err != nil || d.Chosen != nil {
		t.Errorf("no candidates: %+v, %v", d, err)
	}
}

func TestSelectLazyVisitor(t *testing.T) {
	ctx := context.Background()
	knownOnly := mustRules(t, `{"pageRules":[{"operator":"is","value":"/account"}],"visitorRules":{"audience":"known"}}`)
	leads := mustRules(t, `{"pageRules":[{"operator":"is","value":"/account"}],"visitorRules":{"filterGroups":[{"filters":[{"property":"stage","operator":"is","value":"lead"}]}]}}`)
	cands := []Candidate{{ID: "known", Rules: knownOnly}, {ID: "leads", Rules: leads}, {ID: "fallback"}}

	t.Run("page rules fail: no fetch", func(t *testing.T) {
		cv := &countingVisitor{v: Visitor{Known: true}}
		d, err := Select(ctx, cands, Request{View: PageView{URL: "https://example.com/home"}, Visitor: cv.fn})
		if err != nil || d.Chosen.ID != "fallback" {
			t.Fatalf("got %+v, %v", d, err)
		}
		if cv.calls != 0 {
			t.Errorf("VisitorFunc called %d times for a page no visitor rule applies to", cv.calls)
		}
	})
	t.Run("fetched once for several candidates", func(t *testing.T) {
		cv := &countingVisitor{v: Visitor{}}
		d, err := Select(ctx, cands, Request{View: PageView{URL: "https://example.com/account"}, Visitor: cv.fn})
		if err != nil || d.Chosen.ID != "fallback" {
			t.Fatalf("got %+v, %v", d, err)
		}
		if cv.calls != 1 {
			t.Errorf("VisitorFunc called %d times, want 1", cv.calls)
		}
	})
	t.Run("known contact", func(t *testing.T) {
		cv := &countingVisitor{v: Visitor{Known: true, Properties: store.Properties{"stage": "lead"}}}
		d, err := Select(ctx, cands[1:], Request{View: PageView{URL: "https://example.com/account"}, Visitor: cv.fn})
		if err != nil || d.Chosen.ID != "leads" || cv.calls != 1 {
			t.Fatalf("got %+v, %v, %d calls", d, err, cv.calls)
		}
	})
	t.Run("rules without visitor rules: no fetch", func(t *testing.T) {
		cv := &countingVisitor{}
		_, err := Select(ctx, []Candidate{{ID: "a", Rules: mustRules(t, `{"pageRules":[{"operator":"all_pages"}]}`)}},
			Request{View: PageView{URL: "https://example.com/account"}, Visitor: cv.fn, Explain: true})
		if err != nil || cv.calls != 0 {
			t.Errorf("%v, %d calls", err, cv.calls)
		}
	})
	t.Run("nil VisitorFunc is an unknown visitor", func(t *testing.T) {
		d, err := Select(ctx, cands, Request{View: PageView{URL: "https://example.com/account"}})
		if err != nil || d.Chosen.ID != "fallback" {
			t.Fatalf("got %+v, %v", d, err)
		}
	})
	t.Run("visitor error", func(t *testing.T) {
		boom := errors.New("contacts down")
		cv := &countingVisitor{err: boom}
		_, err := Select(ctx, cands, Request{View: PageView{URL: "https://example.com/account"}, Visitor: cv.fn})
		if !errors.Is(err, boom) {
			t.Errorf("error %v does not wrap the visitor error", err)
		}
	})
}

func TestSelectAvailability(t *testing.T) {
	ctx := context.Background()
	whenAvail := mustRules(t, `{"availability":"when_available"}`)
	cands := []Candidate{
		{ID: "sales", Rules: whenAvail},
		{ID: "bot", Rules: nil},
	}
	asked := []string{}
	avail := func(free bool) AvailabilityFunc {
		return func(_ context.Context, id string) (bool, error) {
			asked = append(asked, id)
			return free, nil
		}
	}
	d, err := Select(ctx, cands, Request{Available: avail(true)})
	if err != nil || d.Chosen.ID != "sales" || d.Hidden || d.Shown().ID != "sales" {
		t.Errorf("available: %+v, %v", d, err)
	}
	d, err = Select(ctx, cands, Request{Available: avail(false)})
	if err != nil || d.Chosen.ID != "sales" || !d.Hidden || d.Shown() != nil {
		t.Errorf("unavailable: %+v, %v (lower priority must not be tried)", d, err)
	}
	if fmt.Sprint(asked) != "[sales sales]" {
		t.Errorf("asked about %v", asked)
	}
	asked = nil
	d, err = Select(ctx, cands[1:], Request{Available: avail(false)})
	if err != nil || d.Hidden || len(asked) != 0 {
		t.Errorf("always-show chatflow: %+v, %v, asked %v", d, err, asked)
	}
	if _, err := Select(ctx, cands, Request{}); !errors.Is(err, ErrNoAvailability) {
		t.Errorf("missing Available: %v", err)
	}
	boom := errors.New("directory down")
	_, err = Select(ctx, cands, Request{Available: func(context.Context, string) (bool, error) { return false, boom }})
	if !errors.Is(err, boom) {
		t.Errorf("availability error: %v", err)
	}
}

func TestChannelAvailability(t *testing.T) {
	ctx := context.Background()
	dir := availability.NewMemory()
	dir.SetStatus("ann", availability.Away)
	dir.SetTeam("sales", "ann")
	sched := availability.Schedule{Hours: availability.Week{Monday: []availability.Range{{From: "09:00", To: "17:00"}}}}
	hours, err := sched.Compile()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC) // Monday
	fn := ChannelAvailability(dir, map[string]availability.Channel{
		"sales":   {Mode: availability.ByUsers, TeamIDs: []string{"sales"}},
		"support": {Mode: availability.ByOfficeHours, Hours: hours},
	}, func() time.Time { return now })
	cands := []Candidate{{ID: "sales", Rules: mustRules(t, `{"availability":"when_available"}`)}}
	d, err := Select(ctx, cands, Request{Available: fn})
	if err != nil || !d.Hidden {
		t.Errorf("away team: %+v, %v", d, err)
	}
	dir.SetStatus("ann", availability.Available)
	if d, _ = Select(ctx, cands, Request{Available: fn}); d.Hidden {
		t.Error("available team hidden")
	}
	for id, want := range map[string]bool{"support": true, "unconfigured": true} {
		if got, err := fn(ctx, id); err != nil || got != want {
			t.Errorf("%s: %v, %v", id, got, err)
		}
	}
	now = now.Add(8 * time.Hour)
	if got, _ := fn(ctx, "support"); got {
		t.Error("support available outside office hours")
	}
}

func TestOpenFragment(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		url, name string
		want      bool
	}{
		{"https://example.com/pricing#hs-chat-open", "", true},
		{"https://example.com/pricing?x=1#hs-chat-open", "", true},
		{"https://example.com/#hs-chat-open", "", true},
		{"https://example.com/pricing#top", "", false},
		{"https://example.com/pricing", "", false},
		{"https://example.com/pricing#hs-chat-open-now", "", false},
		{"https://example.com/pricing#HS-CHAT-OPEN", "", false},
		{"https://example.com/pricing#chat", "chat", true},
		{"https://example.com/pricing#hs-chat-open", "chat", false},
	}
	for _, tt := range tests {
		d, err := Select(ctx, nil, Request{View: PageView{URL: tt.url}, OpenFragment: tt.name})
		if err != nil || d.OpenNow != tt.want {
			t.Errorf("%s (name %q): OpenNow = %v, want %v", tt.url, tt.name, d.OpenNow, tt.want)
		}
	}
	// The fragment does not disturb URL rules.
	cands := []Candidate{{ID: "a", Rules: mustRules(t, `{"pageRules":[{"operator":"is","value":"example.com/pricing"}]}`)}}
	d, err := Select(ctx, cands, Request{View: PageView{URL: "https://example.com/pricing#hs-chat-open"}})
	if err != nil || d.Chosen == nil || !d.OpenNow {
		t.Errorf("rule with fragment: %+v, %v", d, err)
	}
}

func TestSelectExplain(t *testing.T) {
	ctx := context.Background()
	cands := []Candidate{
		{ID: "pricing", Rules: mustRules(t, `{"pageRules":[{"operator":"begins_with","value":"/pricing"}]}`)},
		{ID: "two-pages", Rules: mustRules(t, `{"pageRules":[{"operator":"is","value":"/a"},{"type":"query_param","param":"x","operator":"is_known"}]}`)},
		{ID: "no-privacy", Rules: mustRules(t, `{"pageRules":[{"operator":"contains","value":"/legal"}],"exclusionRules":[{"operator":"ends_with","value":".pdf"},{"operator":"contains","value":"/privacy"}]}`)},
		{ID: "desktop", Rules: mustRules(t, `{"exclusionRules":[{"type":"device","operator":"is_not","value":"desktop"}]}`)},
		{ID: "anonymous", Rules: mustRules(t, `{"visitorRules":{"audience":"unknown"}}`)},
		{ID: "customers", Rules: mustRules(t, `{"visitorRules":{"filterGroups":[{"filters":[{"property":"stage","operator":"is","value":"customer"}]}]}}`)},
		{ID: "big-or-vip", Rules: mustRules(t, `{"visitorRules":{"filterGroups":[
			{"filters":[{"property":"stage","operator":"is_known"},{"property":"numemployees","operator":"gte","value":"100"}]},
			{"filters":[{"list":"vip","operator":"member_of"}]}]}}`)},
		{ID: "leads", Rules: mustRules(t, `{"visitorRules":{"filterGroups":[{"filters":[{"property":"stage","operator":"is","value":"lead"}]}]}}`)},
		{ID: "known", Rules: mustRules(t, `{"visitorRules":{"audience":"known"}}`)},
		{ID: "after-excluded", Rules: mustRules(t, `{"exclusionRules":[{"operator":"contains","value":"privacy"}]}`)},
		{ID: "after", Rules: nil},
	}
	cv := &countingVisitor{v: Visitor{Known: true, Properties: store.Properties{"stage": "lead", "numemployees": "12"}}}
	view := PageView{URL: "https://example.com/legal/privacy", Device: Mobile}
	d, err := Select(ctx, cands, Request{View: view, Visitor: cv.fn, Explain: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.Chosen == nil || d.Chosen.ID != "leads" {
		t.Fatalf("chose %+v", d.Chosen)
	}
	if cv.calls != 1 {
		t.Errorf("visitor fetched %d times", cv.calls)
	}
	want := []Explanation{
		{ID: "pricing", Index: 0, Outcome: NotOnPage, Rule: "pageRules[0]", Reason: `no page rule matches: pageRules[0]: URL begins with "/pricing"`},
		{ID: "two-pages", Index: 1, Outcome: NotOnPage, Rule: "pageRules", Reason: `no page rule matches: pageRules[0]: URL is "/a"; pageRules[1]: query parameter "x" is known`},
		{ID: "no-privacy", Index: 2, Outcome: Excluded, Rule: "exclusionRules[1]", Reason: `excluded by exclusionRules[1]: URL contains "/privacy"`},
		{ID: "desktop", Index: 3, Outcome: Excluded, Rule: "exclusionRules[0]", Reason: `excluded by exclusionRules[0]: device is not desktop`},
		{ID: "anonymous", Index: 4, Outcome: WrongAudience, Rule: "visitorRules.audience", Reason: "shown only to unknown visitors; the visitor is a known contact"},
		{ID: "customers", Index: 5, Outcome: NoFilterGroup, Rule: "visitorRules.filterGroups[0].filters[0]", Reason: `no filter group matches: visitorRules.filterGroups[0].filters[0]: contact property "stage" is "customer"`},
		{ID: "big-or-vip", Index: 6, Outcome: NoFilterGroup, Rule: "visitorRules.filterGroups", Reason: `no filter group matches: visitorRules.filterGroups[0].filters[1]: contact property "numemployees" ≥ "100"; visitorRules.filterGroups[1].filters[0]: member of list "vip"`},
		{ID: "known", Index: 8, Outcome: Outranked, Reason: `matches, but "leads" has higher priority`},
		{ID: "after-excluded", Index: 9, Outcome: Excluded, Rule: "exclusionRules[0]", Reason: `excluded by exclusionRules[0]: URL contains "privacy"`},
		{ID: "after", Index: 10, Outcome: Outranked, Reason: `matches, but "leads" has higher priority`},
	}
	if len(d.Explanations) != len(want) {
		t.Fatalf("got %d explanations: %+v", len(d.Explanations), d.Explanations)
	}
	for i, w := range want {
		if got := d.Explanations[i]; got != w {
			t.Errorf("explanation %d:\n got %+v\nwant %+v", i, got, w)
		}
	}

	// Without Explain the same choice is made, and nothing is explained.
	plain, err := Select(ctx, cands, Request{View: view, Visitor: cv.fn})
	if err != nil || plain.Chosen != d.Chosen || plain.Explanations != nil {
		t.Errorf("plain select: %+v, %v", plain, err)
	}

	// An unknown visitor.
	d, err = Select(ctx, cands[5:9], Request{View: view, Explain: true})
	if err != nil || d.Chosen != nil {
		t.Fatalf("unknown visitor: %+v, %v", d, err)
	}
	wantUnknown := []Explanation{
		{ID: "customers", Index: 0, Outcome: NoFilterGroup, Rule: "visitorRules.filterGroups", Reason: "filters match only known contacts; the visitor is not one"},
		{ID: "big-or-vip", Index: 1, Outcome: NoFilterGroup, Rule: "visitorRules.filterGroups", Reason: "filters match only known contacts; the visitor is not one"},
		{ID: "leads", Index: 2, Outcome: NoFilterGroup, Rule: "visitorRules.filterGroups", Reason: "filters match only known contacts; the visitor is not one"},
		{ID: "known", Index: 3, Outcome: WrongAudience, Rule: "visitorRules.audience", Reason: "shown only to known contacts; the visitor is not one"},
	}
	for i, w := range wantUnknown {
		if got := d.Explanations[i]; got != w {
			t.Errorf("unknown visitor, explanation %d:\n got %+v\nwant %+v", i, got, w)
		}
	}
	if Outranked.String() != "outranked" || Outcome(0).String() != "Outcome(0)" {
		t.Error("Outcome.String")
	}
}

func TestSelectConcurrent(t *testing.T) {
	ctx := context.Background()
	cands := []Candidate{
		{ID: "a", Rules: mustRules(t, `{"pageRules":[{"operator":"contains","value":"/A","ignoreCase":true}]}`)},
		{ID: "b", Rules: mustRules(t, `{"pageRules":[{"type":"query_param","param":"b","operator":"matches_regex","value":"^[0-9]+$"}]}`)},
		{ID: "c"},
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				url := fmt.Sprintf("https://example.com/x/%d?b=%d", g, i)
				want := "b"
				if i%3 == 0 {
					url = "https://example.com/a"
					want = "a"
				}
				d, err := Select(ctx, cands, Request{View: PageView{URL: url}, Explain: i%2 == 0})
				if err != nil || d.Chosen.ID != want {
					t.Errorf("%s: %+v, %v", url, d.Chosen, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
