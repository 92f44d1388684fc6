package validate

import "strings"

// splitLang splits a BCP 47 language tag such as "en-US", "zh_Hant_TW" or
// "NL" into its lowercase primary language and uppercase region ("" when
// the tag has none). Script and variant subtags are ignored.
func splitLang(tag string) (lang, region string) {
	tag = strings.TrimSpace(tag)
	for i, part := range strings.FieldsFunc(tag, func(r rune) bool { return r == '-' || r == '_' }) {
		if i == 0 {
			lang = strings.ToLower(part)
			continue
		}
		if len(part) == 2 || (len(part) == 3 && isDigits(part)) {
			return lang, strings.ToUpper(part)
		}
	}
	return lang, ""
}

// isDigits reports whether s is non-empty and made of ASCII digits only.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
