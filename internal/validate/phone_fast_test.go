package validate_test

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/chatflow/chatflow/internal/validate"
)

// checkPhone compares Phone with PhoneSlow for in and region.
func checkPhone(t testing.TB, in, region string) {
	t.Helper()
	fast, fastErr := validate.Phone(in, region)
	slow, slowErr := validate.PhoneSlow(in, region)
	sameResult(t, "Phone("+strconv.Quote(in)+", "+strconv.Quote(region)+")", fast, slow, fastErr, slowErr)
}

// phoneRegions returns the regions the library supports, sorted, with ""
// and some it does not.
func phoneRegions() []string {
	var regions []string
	for r := range phonenumbers.GetSupportedRegions() {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	return append(regions, "", "001", "ZZ", "XX", "nl", " gb ", "Us", "de-DE", "ſe")
}

// phoneVariants returns ways of writing, and mistyping, the number with
// calling code cc and national significant number nsn, whose region has
// national prefix np and international prefix idd (when plain digits).
func phoneVariants(rng *rand.Rand, cc, nsn, np, idd string) []string {
	v := []string{
		"+" + cc + nsn, "+" + cc + " " + nsn, "+" + cc + " (" + np + ")" + nsn,
		"+" + cc + np + nsn, "+" + np + cc + nsn, "+0" + cc + nsn, "+00" + cc + nsn,
		nsn, np + nsn, "(" + np + nsn[:min(3, len(nsn))] + ") " + nsn[min(3, len(nsn)):],
		cc + nsn, cc + np + nsn, "00" + cc + nsn, "011" + cc + nsn, "810" + cc + nsn,
		"0" + nsn, "1" + nsn, "8" + nsn, "00" + nsn,
		nsn[:len(nsn)-1], nsn + "0", np + nsn[:len(nsn)-1], np + nsn + "1",
		"+" + cc + nsn[:len(nsn)-1], "+" + cc + nsn + "5",
		"\u00a0" + np + "-" + nsn + ".", "+" + cc + "/" + nsn + ")",
	}
	if idd != "" {
		v = append(v, idd+cc+nsn, idd+" "+cc+" "+np+nsn, "+"+idd+cc+nsn, idd+nsn, idd+"0"+cc+nsn)
	}
	// Random digit changes, and random punctuation.
	for range 4 {
		b := []byte(np + nsn)
		b[rng.IntN(len(b))] = byte('0' + rng.IntN(10))
		v = append(v, string(b), "+"+cc+string(b))
	}
	// Random national numbers of plausible lengths.
	for range 3 {
		b := make([]byte, 4+rng.IntN(10))
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		v = append(v, string(b), np+string(b), cc+string(b), "+"+cc+string(b), cc+np+string(b))
	}
	var b strings.Builder
	for _, c := range "+" + cc + nsn {
		if rng.IntN(3) == 0 {
			b.WriteString([]string{" ", "-", ".", "(", ")", "/", "\u00a0"}[rng.IntN(7)])
		}
		b.WriteRune(c)
	}
	return append(v, b.String())
}

// exampleNumbers returns the library's example numbers of every type, as
// calling code, national significant number, national prefix and plain
// international prefix, for region ("001" for the non-geographical calling
// codes).
func exampleNumbers() (regions []string, numbers [][4]string) {
	types := []phonenumbers.PhoneNumberType{
		phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE, phonenumbers.PREMIUM_RATE,
		phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER, phonenumbers.PAGER,
		phonenumbers.UAN, phonenumbers.VOICEMAIL,
	}
	add := func(region string, n *phonenumbers.PhoneNumber, np, idd string) {
		if n == nil {
			return
		}
		nsn := phonenumbers.GetNationalSignificantNumber(n)
		if len(nsn) < 2 {
			return
		}
		if strings.Trim(idd, "0123456789") != "" {
			idd = ""
		}
		regions = append(regions, region)
		numbers = append(numbers, [4]string{strconv.Itoa(int(n.GetCountryCode())), nsn, np, idd})
	}
	coll, _ := phonenumbers.MetadataCollection()
	idds := map[string]string{}
	for _, md := range coll.GetMetadata() {
		idds[md.GetId()] = md.GetInternationalPrefix()
	}
	for _, r := range phoneRegions() {
		if !phonenumbers.GetSupportedRegions()[r] {
			continue
		}
		np := phonenumbers.GetNddPrefixForRegion(r, true)
		for _, typ := range types {
			add(r, phonenumbers.GetExampleNumberForType(r, typ), np, idds[r])
		}
	}
	var ccs []int
	for cc := range phonenumbers.GetSupportedGlobalNetworkCallingCodes() {
		ccs = append(ccs, cc)
	}
	slices.Sort(ccs)
	for _, cc := range ccs {
		add("001", phonenumbers.GetExampleNumberForNonGeoEntity(cc), "", "")
	}
	return regions, numbers
}

// TestPhoneFastMatchesSlow compares Phone with PhoneSlow on the test cases
// in every region, on the library's example numbers of every region and
// type written in many ways, right and wrong, and on random strings.
func TestPhoneFastMatchesSlow(t *testing.T) {
	all := phoneRegions()
	rng := rand.New(rand.NewPCG(1, 2))
	// What -short and -race leave out differs from run to run.
	other := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	for _, c := range phoneCases {
		checkPhone(t, c.in, c.lang)
		for i, r := range all {
			if sampled(other, i) {
				checkPhone(t, c.in, r)
			}
		}
	}

	regions, numbers := exampleNumbers()
	for i, n := range numbers {
		variants := phoneVariants(rng, n[0], n[1], n[2], n[3])
		if !sampled(other, i) {
			continue
		}
		for _, in := range variants {
			checkPhone(t, in, regions[i])
			checkPhone(t, in, all[rng.IntN(len(all))])
			if thorough() {
				checkPhone(t, in, "")
				checkPhone(t, in, "US")
			}
		}
	}

	// Random strings of the characters Phone accepts, and a few it does not.
	const chars = "0123456789012345678901234567890123456789   +()-./"
	count := 20000
	if !thorough() {
		count = 1000
	}
	for range count {
		var b strings.Builder
		for range rng.IntN(24) {
			switch k := rng.IntN(100); {
			case k == 0:
				b.WriteString("\u00a0")
			case k == 1:
				b.WriteString([]string{"x", "#", ";", "\t", "٣", "\xc2", "+"}[rng.IntN(7)])
			default:
				b.WriteByte(chars[rng.IntN(len(chars))])
			}
		}
		checkPhone(t, b.String(), all[rng.IntN(len(all))])
	}
}

// FuzzPhoneFast checks that Phone and PhoneSlow agree.
func FuzzPhoneFast(f *testing.F) {
	for _, c := range phoneCases {
		f.Add(c.in, c.lang)
	}
	f.Add("+00 31 6 12345678", "NL")
	f.Add("0031612345678", "nl")
	f.Add("+1 (242) 555-0143", "BS")
	f.Add("+800 1234 5678", "001")
	f.Add("15 1234 5678", "AR")
	f.Fuzz(func(t *testing.T, in, region string) {
		checkPhone(t, in, region)
	})
}

// BenchmarkPhoneSlow is BenchmarkPhone for the original path.
func BenchmarkPhoneSlow(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := validate.PhoneSlow("06 12345678", "NL"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPhoneInternationalSlow is BenchmarkPhoneInternational for the
// original path.
func BenchmarkPhoneInternationalSlow(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := validate.PhoneSlow("+1 (202) 555-0143", "NL"); err != nil {
			b.Fatal(err)
		}
	}
}
