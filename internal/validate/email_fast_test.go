package validate_test

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/chatflow/chatflow/internal/validate"
)

// checkEmail compares Email with EmailSlow for in.
func checkEmail(t testing.TB, in string) {
	t.Helper()
	fast, fastErr := validate.Email(in)
	slow, slowErr := validate.EmailSlow(in)
	sameResult(t, "Email("+strconv.Quote(in)+")", fast, slow, fastErr, slowErr)
}

// TestEmailFastMatchesSlow compares Email with EmailSlow on the test
// cases, on combinations of local parts and domains, on every ASCII
// character in each place, and on random strings.
func TestEmailFastMatchesSlow(t *testing.T) {
	for _, c := range emailCases {
		checkEmail(t, c.in)
	}
	locals := []string{
		"", "a", "A", "john", "John.Doe", "a+tag", "o'brien", "x!#$%&'*+-/=?^_`{|}~y", ".a", "a.", "a..b",
		"a.b.c", "jörg", `"a b"`, "a b", "a(b)", "a<b", "a,b", "a;b", "a:b", "a[b]", "a\\b", "a\"b",
		strings.Repeat("l", 64), strings.Repeat("l", 65), "\x00", "a\tb", "\xff", "é", "a@b",
	}
	domains := []string{
		"", "b", "b.c", "b.co", "B.CO", "example.com", "Example.COM", "sub.example.co.uk", "my-host.example",
		"-a.com", "a-.com", "a..com", ".a.com", "a.com.", "a.123", "123.com", "1.2.3.4", "a.b1", "a.1b",
		"xn--mnchen-3ya.de", "münchen.de", "MÜNCHEN.DE", "exa_mple.com", "[192.0.2.1]", "a.com (c)",
		"a.com>", "a .com", "a.c-m", "a.-cm",
		strings.Repeat("x", 63) + ".com", strings.Repeat("x", 64) + ".com",
		strings.Repeat("abcdefghi.", 24) + "com", strings.Repeat("abcdefghi.", 25) + "com", strings.Repeat("abcdefghi.", 26) + "com",
	}
	for _, l := range locals {
		for _, d := range domains {
			checkEmail(t, l+"@"+d)
			checkEmail(t, " "+l+"@"+d+"\n")
			checkEmail(t, l+"@@"+d)
			checkEmail(t, "Name <"+l+"@"+d+">")
		}
		checkEmail(t, l)
	}
	// Every ASCII character, and a few others, in each part.
	for c := range 0x81 {
		ch := string(rune(c))
		for _, in := range []string{
			"a" + ch + "b@example.com", ch + "@example.com", "a" + ch + "@example.com", ch + "a@example.com",
			"a@exa" + ch + "mple.com", "a@" + ch + "example.com", "a@example.c" + ch + "m", "a@example.com" + ch,
			"a" + ch + "@Example.COM",
		} {
			checkEmail(t, in)
		}
	}
	checkEmail(t, strings.Repeat("a", 64)+"@"+strings.Repeat("b", 63)+"."+strings.Repeat("c", 63)+"."+strings.Repeat("d", 57)+".com")
	checkEmail(t, strings.Repeat("a", 64)+"@"+strings.Repeat("b", 63)+"."+strings.Repeat("c", 63)+"."+strings.Repeat("d", 58)+".com")

	rng := rand.New(rand.NewPCG(3, 4))
	const chars = "aaaaaaaaaaAAAAbcdefXYZ0123456789....@@--__+!#$%&'*/=?^`{|}~\"(),:;<>[]\\ \t"
	count := 50000
	if !thorough() {
		count = 5000
	}
	for range count {
		var b strings.Builder
		for range rng.IntN(30) {
			if rng.IntN(60) == 0 {
				b.WriteString([]string{"ü", "\xff", "\u00a0", "\u200b"}[rng.IntN(4)])
				continue
			}
			b.WriteByte(chars[rng.IntN(len(chars))])
		}
		checkEmail(t, b.String())
	}
}

// FuzzEmailFast checks that Email and EmailSlow agree.
func FuzzEmailFast(f *testing.F) {
	for _, c := range emailCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkEmail(t, in)
	})
}

// BenchmarkEmailSlow is BenchmarkEmail for the original path.
func BenchmarkEmailSlow(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := validate.EmailSlow("John.Doe+chat@Example.com"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEmailNormalized validates an address already in its normalized
// form, which Email returns without allocating.
func BenchmarkEmailNormalized(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := validate.Email("john.doe+chat@example.com"); err != nil {
			b.Fatal(err)
		}
	}
}
