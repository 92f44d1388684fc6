package validate_test

import (
	"testing"

	"github.com/chatflow/chatflow/internal/validate"
)

func TestEnumeration(t *testing.T) {
	options := []validate.Option{
		{Value: "small", Label: "1–10 employees"},
		{Value: "medium", Label: "11–100 employees"},
		{Value: "Large", Label: "More than 100"},
		{Value: "xl", Label: "small"}, // a label equal to another value
		{Value: "other", Label: ""},
	}
	enum := func(s, _ string) (string, error) { return validate.Enumeration(s, options) }
	checkCases(t, validate.KindEnumeration, enum, []validCase{
		{in: "small", want: "small"},
		{in: "  Medium ", want: "medium"},
		{in: "LARGE", want: "Large"},
		{in: "large", want: "Large"},
		{in: "1–10 employees", want: "small"},
		{in: "more than 100", want: "Large"},
		{in: "SMALL", want: "small"}, // values win over labels
		{in: "XL", want: "xl"},
		{in: "other", want: "other"},

		{in: ""},
		{in: "  "},
		{in: "huge"},
		{in: "smal"},
		{in: "1-10 employees"}, // hyphen instead of en dash
	})

	t.Run("blank option values", func(t *testing.T) {
		// Found by FuzzValidators: an option whose value is blank was
		// chosen by its label, storing a value that is no value.
		blank := []validate.Option{{Value: " ", Label: "Ja"}, {Value: "", Label: "Nee"}}
		for _, in := range []string{"ja", "nee", " "} {
			if got, err := validate.Enumeration(in, blank); err == nil {
				t.Errorf("Enumeration(%q) = %q, want an error", in, got)
			}
		}
	})

	t.Run("no options", func(t *testing.T) {
		_, err := validate.Enumeration("a", nil)
		if err == nil {
			t.Fatal("accepted an answer with no options")
		}
	})
}
