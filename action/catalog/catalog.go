// Package catalog holds the texts chatflow says on its own — the general
// error, the default hints of rejected answers, "no results", yes and no,
// the consent and privacy texts, the live-chat notices — in several
// languages, and the rule that picks one for a flow's language.
//
// A text is found by its Key in the flow's language (a BCP 47 tag such as
// "nl" or "pt-BR"): first under the whole tag, then under its base
// language, then in English. Hosts override or add texts per language with
// a Catalog of their own (engine.Config.Texts), and a flow overrides them
// for itself (the flow's "texts" section); Resolve applies that order.
//
// The built-in catalogue covers English, Dutch, German, French, Spanish and
// Portuguese for every key (a test checks it). The package is plain data and
// pure functions, safe for concurrent use.
package catalog

import (
	"maps"
	"slices"
	"strings"
)

// Key names a built-in text. Host action types may use keys of their own
// (with texts in the host's Catalog).
type Key string

// The keys of the built-in texts.
const (
	// GeneralError is the general error message (options.generalErrorMessage).
	GeneralError Key = "general_error"
	// AnswerNotUnderstood is said when an answer is not acceptable and no
	// more precise hint applies.
	AnswerNotUnderstood Key = "answer_not_understood"
	// InvalidEmail is the hint for an answer that is not an email address.
	InvalidEmail Key = "invalid_email"
	// InvalidPhone is the hint for an answer that is not a phone number.
	InvalidPhone Key = "invalid_phone"
	// InvalidURL is the hint for an answer that is not a website address.
	InvalidURL Key = "invalid_url"
	// InvalidDate is the hint for an answer that is not a date.
	InvalidDate Key = "invalid_date"
	// InvalidNumber is the hint for an answer that is not a number.
	InvalidNumber Key = "invalid_number"
	// InvalidChoice is the hint for an answer that is none of the options.
	InvalidChoice Key = "invalid_choice"
	// InvalidYesNo is the hint for an answer that is neither yes nor no.
	InvalidYesNo Key = "invalid_yes_no"
	// NoResults is said when a knowledge-base search finds nothing.
	NoResults Key = "no_results"
	// Yes and No label yes/no quick replies.
	Yes Key = "yes"
	No  Key = "no"
	// SubscriptionPrivacy is the legitimate-interest privacy text of an
	// email subscription offer.
	SubscriptionPrivacy Key = "subscription_privacy"
	// EmailPrompt asks for the visitor's email address (an offer made to an
	// unknown visitor; live-chat email capture).
	EmailPrompt Key = "email_prompt"
	// CookieConsent is the cookie banner's text.
	CookieConsent Key = "consent_cookies"
	// ProcessingConsent is the data-processing consent text.
	ProcessingConsent Key = "consent_processing"
	// CommunicationCheckbox labels the consent-to-communicate checkbox.
	CommunicationCheckbox Key = "consent_checkbox"
	// LiveChatAway is a live chat's away message.
	LiveChatAway Key = "live_chat_away"
	// LiveChatWaiting is a live chat's message when everyone is at capacity.
	LiveChatWaiting Key = "live_chat_waiting"
	// ResponseMinutes, ResponseHour, ResponseHours and ResponseDay describe a
	// live chat's typical response time.
	ResponseMinutes Key = "response_time_minutes"
	ResponseHour    Key = "response_time_hour"
	ResponseHours   Key = "response_time_hours"
	ResponseDay     Key = "response_time_day"
	// The questions of Ask a question's presets (builtin.Presets): "question_"
	// and the preset's name.
	QuestionFirstName   Key = "question_first_name"
	QuestionLastName    Key = "question_last_name"
	QuestionEmail       Key = "question_email"
	QuestionPhone       Key = "question_phone"
	QuestionMobilePhone Key = "question_mobile_phone"
	QuestionCompany     Key = "question_company"
	QuestionWebsite     Key = "question_website"
	QuestionJobTitle    Key = "question_job_title"
	// The customer-satisfaction survey's question, comment prompt and
	// thanks (options.survey).
	SurveyQuestion      Key = "survey_question"
	SurveyCommentPrompt Key = "survey_comment_prompt"
	SurveyThanks        Key = "survey_thanks"
)

// Fallback is the language every lookup ends with.
const Fallback = "en"

// Catalog holds texts by language tag, then by key. Tags are matched
// ignoring case and with "_" read as "-" ("pt_BR" is "pt-br"). The zero
// value (nil) holds nothing.
type Catalog map[string]map[Key]string

// Builtin returns a copy of the built-in catalogue; the caller may modify it.
func Builtin() Catalog {
	out := make(Catalog, len(builtin))
	for lang, texts := range builtin {
		out[lang] = maps.Clone(texts)
	}
	return out
}

// Languages returns the languages of the built-in catalogue, sorted.
func Languages() []string { return slices.Sorted(maps.Keys(builtin)) }

// Keys returns the keys of the built-in texts, sorted.
func Keys() []Key { return slices.Sorted(maps.Keys(builtin[Fallback])) }

// Known reports whether k is a key of the built-in catalogue.
func Known(k Key) bool {
	_, ok := builtin[Fallback][k]
	return ok
}

// Normalize returns a language tag as catalogues are keyed: trimmed, lower
// case, with "-" between subtags.
func Normalize(tag string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(tag)), "_", "-")
}

// Chain returns the tags a lookup for tag tries, in order: the tag, each
// shorter prefix of it down to the base language, then Fallback
// ("pt-BR" → pt-br, pt, en).
func Chain(tag string) []string {
	t := Normalize(tag)
	var out []string
	for t != "" {
		out = append(out, t)
		i := strings.LastIndexByte(t, '-')
		if i < 0 {
			break
		}
		t = t[:i]
	}
	if !slices.Contains(out, Fallback) {
		out = append(out, Fallback)
	}
	return out
}

// Lookup returns the text of k under exactly the tag (normalized), without
// falling back.
func (c Catalog) Lookup(tag string, k Key) (string, bool) {
	if texts, ok := c[Normalize(tag)]; ok {
		s, ok := texts[k]
		return s, ok && s != ""
	}
	// A host catalogue may be keyed in any case.
	for t, texts := range c {
		if Normalize(t) == Normalize(tag) {
			s, ok := texts[k]
			return s, ok && s != ""
		}
	}
	return "", false
}

// Has reports whether the catalogue holds k in any language.
func (c Catalog) Has(k Key) bool {
	for _, texts := range c {
		if texts[k] != "" {
			return true
		}
	}
	return false
}

// Resolve returns the text of k for the language tag: for each tag of
// Chain(tag) in turn, the first catalogue of overrides that holds k under
// it, else the built-in catalogue. So a host's Dutch text beats the
// built-in Dutch one, and the built-in Dutch text beats a host's English
// one. It returns "" when no catalogue has the key at all (a host key
// without texts).
func Resolve(tag string, k Key, overrides ...Catalog) string {
	for _, t := range Chain(tag) {
		for _, c := range overrides {
			if s, ok := c.Lookup(t, k); ok {
				return s
			}
		}
		if s, ok := builtin[t][k]; ok {
			return s
		}
	}
	return ""
}

// Text returns the built-in text of k for the language tag (see Resolve).
func Text(tag string, k Key) string { return Resolve(tag, k) }
