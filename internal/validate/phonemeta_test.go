package validate

import (
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestPhoneTablesConcurrent has goroutines use fresh tables at once, so
// that each region's data is built while others read it: for the race
// detector, and to see that all get the same results.
func TestPhoneTablesConcurrent(t *testing.T) {
	var all, regions, numbers []string
	for r := range phonenumbers.GetSupportedRegions() {
		all = append(all, r)
	}
	slices.Sort(all)
	for _, r := range all {
		for _, typ := range []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE} {
			if n := phonenumbers.GetExampleNumberForType(r, typ); n != nil {
				nsn := phonenumbers.GetNationalSignificantNumber(n)
				regions = append(regions, r, r)
				numbers = append(numbers, "+"+strconv.Itoa(int(n.GetCountryCode()))+nsn, nsn)
			}
		}
	}
	tables := newPhoneTables()
	if tables == nil {
		t.Fatal("no tables")
	}
	const workers = 8
	results := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			// Each worker starts elsewhere and goes the other way every
			// other time, to meet the others on regions not yet built.
			for j := range numbers {
				i := (j + w*len(numbers)/workers) % len(numbers)
				if w%2 == 1 {
					i = len(numbers) - 1 - i
				}
				region := regions[i]
				code, entry := tables.region(region)
				var buf [64]byte
				cc, nsn, res := tables.parse(numbers[i], code, entry, &buf)
				results[w] = append(results[w], numbers[i]+" "+region+": "+strconv.Itoa(cc)+" "+string(nsn)+" "+strconv.Itoa(int(res)))
			}
		})
	}
	wg.Wait()
	for w := range workers {
		slices.Sort(results[w])
		if !slices.Equal(results[w], results[0]) {
			t.Fatalf("worker %d got other results than worker 0", w)
		}
	}
}
