package targeting

import (
	"context"
	"fmt"
	"testing"
)

// benchCandidates builds n chatflows of five rules each: three page rules
// (begins_with, matches_wildcard, a query parameter) and two exclusion rules
// (contains, device).
func benchCandidates(b *testing.B, n int) []Candidate {
	b.Helper()
	cands := make([]Candidate, n)
	for i := range cands {
		spec := Spec{
			PageRules: []PageRule{
				{Operator: OpBeginsWith, Value: fmt.Sprintf("https://www.example.com/products/%d/", i)},
				{Operator: OpMatchesWildcard, Value: fmt.Sprintf("example.com/blog/*/topic-%d", i)},
				{Type: RuleQueryParam, Param: "utm_campaign", Operator: OpIs, Value: fmt.Sprintf("campaign-%d", i)},
			},
			ExclusionRules: []PageRule{
				{Operator: OpContains, Value: "/privacy"},
				{Type: RuleDevice, Operator: OpIs, Value: "mobile"},
			},
		}
		r, err := spec.Compile(nil)
		if err != nil {
			b.Fatal(err)
		}
		cands[i] = Candidate{ID: fmt.Sprintf("flow-%d", i), Rules: r}
	}
	return cands
}

// BenchmarkSelect1000 chooses among 1,000 chatflows of 5 rules each for one
// page view. The budget is 100 µs per Select.
func BenchmarkSelect1000(b *testing.B) {
	cands := benchCandidates(b, 1000)
	ctx := context.Background()
	views := []struct {
		name string
		url  string
		want string
	}{
		{"match-near-end", "https://www.example.com/blog/2026/topic-990?utm_source=news&utm_campaign=spring", "flow-990"},
		{"match-by-param-near-end", "https://example.com/landing?utm_source=news&utm_campaign=campaign-995", "flow-995"},
		{"no-match", "https://www.example.com/about/team?utm_source=news&utm_campaign=spring#hs-chat-open", ""},
	}
	for _, v := range views {
		b.Run(v.name, func(b *testing.B) {
			req := Request{View: PageView{URL: v.url, Device: Desktop}}
			d, err := Select(ctx, cands, req)
			if err != nil {
				b.Fatal(err)
			}
			if got := ""; d.Chosen != nil {
				got = d.Chosen.ID
				if got != v.want {
					b.Fatalf("chose %q, want %q", got, v.want)
				}
			} else if v.want != "" {
				b.Fatalf("chose nothing, want %q", v.want)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := Select(ctx, cands, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("explain", func(b *testing.B) {
		req := Request{View: PageView{URL: views[0].url, Device: Desktop}, Explain: true}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Select(ctx, cands, req); err != nil {
				b.Fatal(err)
			}
		}
	})
}
