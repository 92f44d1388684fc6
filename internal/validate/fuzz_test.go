package validate_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/chatflow/chatflow/internal/validate"
)

// options reads enumeration options written as "value:label|value:label".
func options(s string) []validate.Option {
	var out []validate.Option
	for _, o := range strings.Split(s, "|") {
		v, l, _ := strings.Cut(o, ":")
		out = append(out, validate.Option{Value: v, Label: l})
	}
	return out
}

// FuzzValidators runs every validator on the same input. None may panic;
// a rejection must be an *Error of the validator's kind that keeps the
// input and leaves it out of its message; an accepted value is in the
// canonical form, so validating it again returns it unchanged.
func FuzzValidators(f *testing.F) {
	for _, s := range [][3]string{
		{"ann@Example.COM", "en", "small:1–10|medium:11–100"},
		{"+31 6 12345678", "nl", "Small:S| small :s"},
		{"(201) 555-0123", "en-US", "yes:Yes|no:No"},
		{"https://Example.com/Path?q=1#f", "", ""},
		{"www.example.com:8080", "de-CH", "a:b|b:a"},
		{"5. 3. 2024.", "de", "x"},
		{"2024-03-05T23:30:00+01:00", "ja", "2024-03-05"},
		{"03/05/24", "en", ""},
		{"-0012,50", "nl", "0:zero"},
		{"1'234.5", "de-CH", "1234.5"},
		{"−1 234,5", "fr", ""},
		{"ja", "nl", "ja:Ja"},
		{"sí", "es", ""},
		{"  ", "", " : "},
		{"0069-02-29", "", ""},
		{"xn--bcher-kva.example/ü", "", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, in, lang, opts string) {
		region := strings.ToUpper(lang)
		if i := strings.LastIndexAny(region, "-_"); i >= 0 {
			region = region[i+1:]
		}
		enum := options(opts)
		checks := []struct {
			kind validate.Kind
			fn   func(string) (string, error)
			// again validates an accepted value once more; it is nil where
			// re-validation is not the contract.
			again func(string) (string, error)
		}{
			{validate.KindEmail, validate.Email, validate.Email},
			{validate.KindPhone, func(s string) (string, error) { return validate.Phone(s, region) },
				func(s string) (string, error) { return validate.Phone(s, "") }},
			{validate.KindURL, validate.URL, validate.URL},
			{validate.KindDate, func(s string) (string, error) { return validate.Date(s, lang) },
				// The canonical YYYY-MM-DD reads the same in every language.
				func(s string) (string, error) { return validate.Date(s, lang) }},
			{validate.KindNumber, func(s string) (string, error) { return validate.Number(s, lang) },
				// The canonical form has a decimal point: it reads as
				// itself in a decimal-point language.
				func(s string) (string, error) { return validate.Number(s, "en") }},
			{validate.KindBool, func(s string) (string, error) { return validate.Bool(s, lang) },
				func(s string) (string, error) { return validate.Bool(s, "") }},
			{validate.KindEnumeration, func(s string) (string, error) { return validate.Enumeration(s, enum) }, nil},
		}
		for _, c := range checks {
			out, err := c.fn(in)
			if err != nil {
				var verr *validate.Error
				if !errors.As(err, &verr) || !errors.Is(err, validate.ErrInvalid) {
					t.Fatalf("%s(%q): error %v is not a *validate.Error matching ErrInvalid", c.kind, in, err)
				}
				if verr.Kind != c.kind || verr.Input != in {
					t.Fatalf("%s(%q): error has kind %q and input %q", c.kind, in, verr.Kind, verr.Input)
				}
				if out != "" {
					t.Fatalf("%s(%q): rejected, yet returned %q", c.kind, in, out)
				}
				// Messages are fixed phrases of at most 50 bytes: a longer
				// input found in one was copied there.
				if len(strings.TrimSpace(in)) > 50 && strings.Contains(err.Error(), strings.TrimSpace(in)) {
					t.Fatalf("%s(%q): the error message %q repeats the input", c.kind, in, err)
				}
				continue
			}
			if out == "" {
				t.Fatalf("%s(%q): accepted as the empty string", c.kind, in)
			}
			if c.again == nil {
				continue
			}
			again, err := c.again(out)
			if err != nil || again != out {
				t.Fatalf("%s(%q) = %q, which validates again as %q, %v", c.kind, in, out, again, err)
			}
		}
		// An enumeration answer is the Value of an option that matches it,
		// and that value, trimmed, is found again.
		if out, err := validate.Enumeration(in, enum); err == nil {
			found := false
			for _, o := range enum {
				found = found || o.Value == out
			}
			again, err := validate.Enumeration(out, enum)
			if !found || err != nil || strings.TrimSpace(again) != strings.TrimSpace(out) {
				t.Fatalf("Enumeration(%q) = %q (an option: %v), which validates again as %q, %v", in, out, found, again, err)
			}
		}
	})
}
