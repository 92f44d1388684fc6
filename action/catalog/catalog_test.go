package catalog_test

import (
	"fmt"
	"regexp"
	"slices"
	"testing"

	"github.com/chatflow/chatflow/action/catalog"
	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/internal/validate"
	"github.com/stretchr/testify/assert"
)

// TestEveryLanguageHasEveryText is the catalogue's completeness check: a
// key added in English must be translated in every built-in language.
func TestEveryLanguageHasEveryText(t *testing.T) {
	langs := catalog.Languages()
	for _, want := range []string{"de", "en", "es", "fr", "nl", "pt"} {
		assert.Contains(t, langs, want)
	}
	b := catalog.Builtin()
	for _, lang := range langs {
		for _, k := range catalog.Keys() {
			s, ok := b.Lookup(lang, k)
			assert.True(t, ok && s != "", "%s has no text for %s", lang, k)
		}
		assert.Len(t, b[lang], len(catalog.Keys()), "%s has texts under keys English lacks", lang)
	}
}

// TestEnglishKeepsTheHistoricalDefaults: flows in English read as before.
func TestEnglishKeepsTheHistoricalDefaults(t *testing.T) {
	assert.Equal(t, consent.DefaultCookieText, catalog.Text("en", catalog.CookieConsent))
	assert.Equal(t, consent.DefaultProcessingText, catalog.Text("en", catalog.ProcessingConsent))
	assert.Equal(t, consent.DefaultCheckboxLabel, catalog.Text("en", catalog.CommunicationCheckbox))
}

// TestDateHintsParse: the example date of each language's hint is one the
// date validator accepts in that language, and means 31 March 2026.
func TestDateHintsParse(t *testing.T) {
	date := regexp.MustCompile(`[0-9]{1,4}[-./][0-9]{1,2}[-./][0-9]{1,4}`)
	for _, lang := range catalog.Languages() {
		hint := catalog.Text(lang, catalog.InvalidDate)
		ex := date.FindString(hint)
		if !assert.NotEmpty(t, ex, "%s: no example in %q", lang, hint) {
			continue
		}
		got, err := validate.Date(ex, lang)
		assert.NoError(t, err, lang)
		assert.Equal(t, "2026-03-31", got, lang)
	}
}

func TestChain(t *testing.T) {
	for tag, want := range map[string][]string{
		"pt-BR":        {"pt-br", "pt", "en"},
		"nl":           {"nl", "en"},
		"en-GB":        {"en-gb", "en"},
		"zh_Hant_TW":   {"zh-hant-tw", "zh-hant", "zh", "en"},
		"":             {"en"},
		" DE-at ":      {"de-at", "de", "en"},
		"en":           {"en"},
		"sr-Latn-RS-x": {"sr-latn-rs-x", "sr-latn-rs", "sr-latn", "sr", "en"},
	} {
		assert.Equal(t, want, catalog.Chain(tag), tag)
	}
}

func TestResolve(t *testing.T) {
	assert.Equal(t, "Ja", catalog.Text("nl-BE", catalog.Yes), "a regional tag falls back to its base language")
	assert.Equal(t, "Sim", catalog.Text("pt_BR", catalog.Yes))
	assert.Equal(t, "Yes", catalog.Text("sv", catalog.Yes), "an unknown language falls back to English")
	assert.Equal(t, "Yes", catalog.Text("", catalog.Yes))

	host := catalog.Catalog{
		"nl-BE": {catalog.Yes: "Jawel"},
		"EN":    {catalog.No: "Nope", "custom_key": "Custom"},
		"de":    {catalog.No: ""}, // an empty text does not hide the built-in one
	}
	assert.Equal(t, "Jawel", catalog.Resolve("nl-be", catalog.Yes, host), "the host's regional text wins")
	assert.Equal(t, "Ja", catalog.Resolve("nl", catalog.Yes, host), "not the host's text for another region")
	assert.Equal(t, "Nee", catalog.Resolve("nl", catalog.No, host), "the built-in Dutch text beats the host's English one")
	assert.Equal(t, "Nope", catalog.Resolve("sv", catalog.No, host))
	assert.Equal(t, "Nein", catalog.Resolve("de", catalog.No, host))
	assert.Equal(t, "Custom", catalog.Resolve("fr", "custom_key", host), "host keys fall back to the host's English")
	assert.Empty(t, catalog.Resolve("fr", "unknown_key", host))
	flow := catalog.Catalog{"nl": {catalog.Yes: "Zeker"}}
	assert.Equal(t, "Zeker", catalog.Resolve("nl", catalog.Yes, flow, host), "earlier catalogues win")

	assert.True(t, host.Has("custom_key"))
	assert.False(t, host.Has("other"))
	assert.True(t, catalog.Known(catalog.NoResults))
	assert.False(t, catalog.Known("custom_key"))
}

func TestBuiltinIsACopy(t *testing.T) {
	b := catalog.Builtin()
	b["en"][catalog.Yes] = "changed"
	assert.Equal(t, "Yes", catalog.Text("en", catalog.Yes))
	assert.True(t, slices.IsSorted(catalog.Keys()))
}

func ExampleResolve() {
	host := catalog.Catalog{"nl": {catalog.NoResults: "Daar weet ik helaas niets over."}}
	fmt.Println(catalog.Resolve("nl-BE", catalog.NoResults, host))
	fmt.Println(catalog.Resolve("pt-BR", catalog.Yes, host))
	fmt.Println(catalog.Resolve("sv", catalog.Yes, host))
	// Output:
	// Daar weet ik helaas niets over.
	// Sim
	// Yes
}
