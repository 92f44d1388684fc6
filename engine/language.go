package engine

import (
	"fmt"
	"maps"
	"slices"

	"github.com/chatflow/chatflow/action/catalog"
	"github.com/chatflow/chatflow/consent"
)

// The flow's language is the bot's language: every text the library says
// on its own — the general error, the default hints of rejected answers,
// "no results", yes and no, the consent and privacy texts — comes from
// package action/catalog in the flow's language, with a regional tag
// falling back to its base language and then to English. A host overrides
// or adds texts per language in Config.Texts, and a flow for itself in its
// "texts" section. Texts are chosen when the flow loads, so a turn pays
// nothing for them.

// copyTexts copies the host's catalogue, so that changing it after New
// changes nothing.
func copyTexts(c catalog.Catalog) catalog.Catalog {
	if len(c) == 0 {
		return nil
	}
	out := make(catalog.Catalog, len(c))
	for lang, texts := range c {
		out[lang] = maps.Clone(texts)
	}
	return out
}

// text returns the flow's text for k: its own "texts", then the host's
// catalogue, then the built-in one, for the flow's language and its
// fallbacks.
func (l *loader) text(k catalog.Key) string {
	d := &l.f.def
	var own catalog.Catalog
	if len(d.Texts) > 0 {
		own = catalog.Catalog{d.Language: d.Texts}
	}
	return catalog.Resolve(d.Language, k, own, l.e.texts)
}

// Text implements action.Provision.
func (p *provisioner) Text(k catalog.Key) string { return p.l.text(k) }

// checkTexts rejects a flow text under a key that neither the built-in
// catalogue nor the host's knows: a typo would otherwise leave the default
// in place without a word.
func (l *loader) checkTexts() {
	for _, k := range slices.Sorted(maps.Keys(l.f.def.Texts)) {
		if !catalog.Known(k) && !l.e.texts.Has(k) {
			l.fail("texts."+string(k), "", fmt.Sprintf("unknown text %q (known: %v)", k, catalog.Keys()), nil)
		}
	}
}

// localizeConsent replaces the consent texts the policy leaves empty,
// which consent.Policy.Effective fills in English, by the flow's.
func (l *loader) localizeConsent(p *consent.Policy) {
	eff := &l.f.consent
	if p == nil || p.Cookies == nil || p.Cookies.Text == "" {
		eff.CookieText = l.text(catalog.CookieConsent)
	}
	if p == nil || p.DataProcessing == nil || p.DataProcessing.Text == "" {
		eff.ProcessingText = l.text(catalog.ProcessingConsent)
	}
	if p == nil || p.Communication == nil || p.Communication.CheckboxLabel == "" {
		eff.CheckboxLabel = l.text(catalog.CommunicationCheckbox)
	}
}
