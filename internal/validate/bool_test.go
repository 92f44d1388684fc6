package validate_test

import (
	"testing"

	"github.com/chatflow/chatflow/internal/validate"
)

func TestBool(t *testing.T) {
	checkCases(t, validate.KindBool, validate.Bool, []validCase{
		{in: "yes", lang: "en", want: "true"},
		{in: " YES ", lang: "en", want: "true"},
		{in: "Y", lang: "en", want: "true"},
		{in: "true", lang: "nl", want: "true"},
		{in: "1", lang: "", want: "true"},
		{in: "no", lang: "en", want: "false"},
		{in: "N", lang: "en", want: "false"},
		{in: "False", lang: "de", want: "false"},
		{in: "0", lang: "fr", want: "false"},
		{in: "yes", lang: "nl", want: "true"},
		{in: "ja", lang: "nl", want: "true"},
		{in: "Nee", lang: "nl-BE", want: "false"},
		{in: "onwaar", lang: "nl", want: "false"},
		{in: "ja", lang: "de", want: "true"},
		{in: "nein", lang: "de-AT", want: "false"},
		{in: "oui", lang: "fr", want: "true"},
		{in: "Non", lang: "fr-CA", want: "false"},
		{in: "sí", lang: "es", want: "true"},
		{in: "SÍ", lang: "es", want: "true"},
		{in: "si", lang: "es", want: "true"},
		{in: "no", lang: "es", want: "false"},
		{in: "sì", lang: "it", want: "true"},
		{in: "não", lang: "pt-BR", want: "false"},
		{in: "sim", lang: "pt", want: "true"},

		{in: "", lang: "en"},
		{in: "maybe", lang: "en"},
		{in: "ja", lang: "en"},  // Dutch word, English flow
		{in: "nee", lang: "de"}, // Dutch word, German flow
		{in: "oui", lang: "nl"},
		{in: "yes!", lang: "en"},
		{in: "2", lang: "en"},
		{in: "yes no", lang: "en"},
	})
}
