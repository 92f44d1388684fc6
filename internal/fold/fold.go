// Package fold compares strings under Unicode case folding by key: two
// strings are equal under strings.EqualFold exactly when their keys are
// equal, so a map or a database index on the key finds them. The memory
// and SQL stores use it to look contacts up by email address alike.
package fold

import (
	"unicode"
	"unicode/utf8"
)

// Key returns a key under which strings that are equal under Unicode
// case folding (strings.EqualFold) coincide: each rune is replaced by the
// smallest rune of its case-folding orbit.
func Key(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		// For ASCII letters the smallest rune of the orbit is the capital
		// (the Kelvin sign and long s lie above ASCII).
		b := []byte(s)
		for i, c := range b {
			if 'a' <= c && c <= 'z' {
				b[i] = c - ('a' - 'A')
			}
		}
		return string(b)
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		min := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < min {
				min = f
			}
		}
		b = utf8.AppendRune(b, min)
	}
	return string(b)
}
