package validate

import "strings"

// boolWords maps a language to the lowercase words it answers yes and no
// with, beyond the ones accepted in every language.
var boolWords = map[string]struct{ yes, no []string }{
	"nl": {[]string{"ja", "j", "waar"}, []string{"nee", "onwaar"}},
	"de": {[]string{"ja", "j", "wahr"}, []string{"nein", "falsch"}},
	"fr": {[]string{"oui", "vrai"}, []string{"non", "faux"}},
	"es": {[]string{"sí", "si", "verdadero"}, []string{"falso"}},
	"it": {[]string{"sì", "si", "vero"}, []string{"falso"}},
	"pt": {[]string{"sim", "s", "verdadeiro"}, []string{"não", "nao", "falso"}},
}

// Bool reads a yes/no answer and returns "true" or "false".
//
// In every language it accepts "true", "yes", "y" and "1", and "false",
// "no", "n" and "0". A few languages (by the primary subtag of lang, a BCP
// 47 tag) add their own words:
//
//	nl: ja, j, waar / nee, onwaar
//	de: ja, j, wahr / nein, falsch
//	fr: oui, vrai / non, faux
//	es: sí, si, verdadero / falso ("no" is universal)
//	it: sì, si, vero / falso
//	pt: sim, s, verdadeiro / não, nao, falso
//
// Matching ignores case and surrounding spaces. Anything else is rejected.
func Bool(s, lang string) (string, error) {
	in := s
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "":
		return "", invalid(KindBool, in, "empty")
	case "true", "yes", "y", "1":
		return "true", nil
	case "false", "no", "n", "0":
		return "false", nil
	}
	base, _ := splitLang(lang)
	words := boolWords[base]
	for _, w := range words.yes {
		if s == w {
			return "true", nil
		}
	}
	for _, w := range words.no {
		if s == w {
			return "false", nil
		}
	}
	return "", invalid(KindBool, in, "not yes or no")
}
