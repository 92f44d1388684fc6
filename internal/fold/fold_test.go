package fold_test

import (
	"strings"
	"testing"

	"github.com/chatflow/chatflow/internal/fold"
)

// Keys are equal exactly when strings.EqualFold says the strings are.
func TestKeyMatchesEqualFold(t *testing.T) {
	words := []string{"ann@example.com", "ANN@EXAMPLE.COM", "Ann@Example.com", "ann@example.co",
		"kelvin", "\u212aelvin", "KELVIN", "stra\u00dfe", "STRASSE", "\u017fun", "SUN", "\u00e9t\u00e9", "\u00c9T\u00c9", ""}
	for _, a := range words {
		for _, b := range words {
			if got, want := fold.Key(a) == fold.Key(b), strings.EqualFold(a, b); got != want {
				t.Errorf("Key(%q) == Key(%q) is %v, EqualFold says %v", a, b, got, want)
			}
		}
	}
}
