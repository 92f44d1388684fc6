package validate

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// digitInputs returns digit strings to match patterns against: examples,
// their prefixes and variations, and random strings.
func digitInputs(rng *rand.Rand, examples ...string) []string {
	in := []string{""}
	for _, e := range examples {
		for k := 0; k <= len(e); k++ {
			in = append(in, e[:k])
		}
		for range 20 {
			b := []byte(e)
			if len(b) > 0 {
				b[rng.IntN(len(b))] = byte('0' + rng.IntN(10))
			}
			if rng.IntN(3) == 0 {
				b = append(b, byte('0'+rng.IntN(10)))
			}
			in = append(in, string(b))
		}
	}
	for range 200 {
		b := make([]byte, rng.IntN(18))
		for j := range b {
			b[j] = byte('0' + rng.IntN(10))
		}
		in = append(in, string(b))
	}
	return in
}

// checkDFA compares the automaton for expr with regexp on inputs.
func checkDFA(t *testing.T, expr string, inputs []string) {
	t.Helper()
	d, err := newDigitDFA(expr)
	if err != nil {
		t.Fatalf("%q: %v", expr, err)
	}
	re := regexp.MustCompile(expr)
	full := regexp.MustCompile(`^(?:` + expr + `)$`)
	for _, in := range inputs {
		loc := re.FindStringIndex(in)
		wantPrefix := loc != nil && loc[0] == 0
		if got, ok := dfaPrefix(d, in); !ok || got != wantPrefix {
			t.Fatalf("%q: prefix of %q = %v, %v; regexp says %v", expr, in, got, ok, wantPrefix)
		}
		// A match of all of in: what the pattern anchored at both ends
		// matches.
		want := full.MatchString(in)
		if got, ok := dfaFull(d, in); !ok || got != want {
			t.Fatalf("%q: full match of %q = %v, %v; regexp says %v", expr, in, got, ok, want)
		}
	}
	if _, ok := dfaFull(d, "12a"); ok {
		t.Fatalf("%q: the automaton claims to read a letter", expr)
	}
	if _, ok := dfaPrefix(d, "1 2"); ok {
		t.Fatalf("%q: the automaton claims to read a space", expr)
	}
}

// checkAlternatives compares prefixEnd with regexp for expr, the pattern
// of a prefix, if expr's alternatives are plain digit strings.
func checkAlternatives(t *testing.T, expr string, inputs []string) {
	t.Helper()
	alts := literalAlternatives(strings.TrimSuffix(strings.TrimPrefix(expr, "^(?:"), ")"))
	if alts == nil {
		return
	}
	re := regexp.MustCompile(expr)
	for _, in := range inputs {
		want := -1
		if loc := re.FindStringIndex(in); loc != nil && loc[0] == 0 {
			want = loc[1]
		}
		if got := prefixEnd(alts, []byte(in)); got != want {
			t.Fatalf("%q: prefix of %q ends at %d; regexp says %d", expr, in, got, want)
		}
	}
}

func TestLiteralAlternatives(t *testing.T) {
	inputs := digitInputs(rand.New(rand.NewPCG(9, 10)), "0099", "180020", "1")
	for _, expr := range []string{"", "0", "00", "0|180020", "180020|0", "00|99", "00|0", "0|00", "1|12|123", "0|"} {
		checkAlternatives(t, expr, inputs)
		checkAlternatives(t, "^(?:"+expr+")", inputs)
	}
	for _, expr := range []string{"0?", "0[01]", "(0)", "0|1(?:2)", "a"} {
		if literalAlternatives(expr) != nil {
			t.Errorf("%q taken for alternatives of digit strings", expr)
		}
	}
}

func TestDigitDFA(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	inputs := digitInputs(rng, "0123456789", "1234", "00", "5555555")
	for _, expr := range []string{
		"", "NA", "1", "12|1", "1|12", `\d{3}`, `\d{2,4}`, `[2-9]\d{6}`, `(?:0|1[0-9])0`,
		"^1", "1$", "^(?:1)$", `(5\d{2})$|1`, `\b1`, `1\b`, `\B1`, `1\B`, `\A1\z`, "a|1", `(?i)1`, "1*", "(?:12)+3?",
		`.1`, `[^5]2`, `(?m)^1$`, `(?s).`,
	} {
		checkDFA(t, expr, inputs)
		checkDFA(t, `^(?:`+expr+`)$`, inputs)
		checkDFA(t, `^(?:`+expr+`)`, inputs)
	}
}

// TestDigitDFAMetadata compares automata and regexp for every pattern of
// the library's metadata that Phone compiles.
func TestDigitDFAMetadata(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		t.Fatal(err)
	}
	for i, md := range coll.GetMetadata() {
		if testing.Short() && i%8 != 0 {
			continue
		}
		descs := []*phonenumbers.PhoneNumberDesc{
			md.GetGeneralDesc(), md.GetFixedLine(), md.GetMobile(), md.GetTollFree(), md.GetPremiumRate(),
			md.GetSharedCost(), md.GetPersonalNumber(), md.GetVoip(), md.GetPager(), md.GetUan(), md.GetVoicemail(),
		}
		var examples []string
		for _, d := range descs {
			if e := d.GetExampleNumber(); e != "" {
				examples = append(examples, e, md.GetNationalPrefix()+e)
			}
		}
		inputs := digitInputs(rng, examples...)
		for _, d := range descs {
			checkDFA(t, "^(?:"+d.GetNationalNumberPattern()+")$", inputs)
		}
		iddInputs := append(inputs, "00", "011", "0011", "810", "14110011", "1016", "99", "0099")
		checkDFA(t, md.GetInternationalPrefix(), iddInputs)
		checkAlternatives(t, md.GetInternationalPrefix(), iddInputs)
		if npp := md.GetNationalPrefixForParsing(); npp != "" {
			checkDFA(t, "^(?:"+npp+")", inputs)
			checkAlternatives(t, "^(?:"+npp+")", append(inputs, "180020123", "1800201", "0180020"))
		}
		if ld := md.GetLeadingDigits(); ld != "" {
			checkDFA(t, "^(?:"+ld+")", inputs)
		}

		// The combined automaton answers as the descriptions one by one.
		m := newPhoneMeta(md)
		if m.broken || m.descs == nil {
			t.Fatalf("%s: broken %v, combined automaton %v", md.GetId(), m.broken, m.descs != nil)
		}
		for _, in := range inputs {
			if got, want := m.hasType([]byte(in)), m.hasTypeEach([]byte(in)); got != want {
				t.Fatalf("%s: hasType(%q) = %v, one by one %v", md.GetId(), in, got, want)
			}
		}
	}
}
