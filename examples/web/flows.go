package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/examples/templates"
)

// siteFlow is one chatflow of the demo site: a template with the
// targeting, display settings and consent policy this site gives it. The
// templates carry none of these, because where a bot shows and how it looks
// belong to the site that embeds it.
type siteFlow struct {
	Template  string
	Targeting string // the flow's "targeting" section
	Display   string // its "display" section; {{base}} is the site's address
	Consent   string // its "consent" section, "" for the defaults
	// Where says in words where it shows, for the flows page.
	Where string
}

// notOnPrivacy keeps every chatflow off the privacy policy.
const notOnPrivacy = `"exclusionRules": [{"operator": "contains", "value": "/privacy"}]`

// siteFlows are the demo's chatflows in priority order: the first whose
// targeting matches a page view shows.
var siteFlows = []siteFlow{
	{
		Template: "meetings",
		Where:    "blog posts reached from the spring campaign (?utm_campaign=demo)",
		Targeting: `{"pageRules": [{"type": "query_param", "param": "utm_campaign", "operator": "is", "value": "demo"}],
			` + notOnPrivacy + `}`,
		Display: `{"heading": {"name": "Book a demo", "avatarUrl": "{{base}}/static/avatars/calendar.svg"},
			"desktopBehavior": "open_chat", "mobileBehavior": "pop_message", "accentColor": "#2b6cb0"}`,
	},
	{
		Template: "qualify-leads",
		Where:    "the pricing page; explicit consent before chatting",
		Targeting: `{"pageRules": [{"operator": "begins_with", "value": "/pricing"}],
			` + notOnPrivacy + `}`,
		Display: `{"heading": {"name": "Sales team", "avatarUrl": "{{base}}/static/avatars/sales.svg"},
			"desktopBehavior": "pop_message", "mobileBehavior": "launcher_only",
			"triggers": {"timeOnPageSeconds": 4, "exitIntent": true}, "accentColor": "#c0392b"}`,
		Consent: `{"cookies": {"enabled": true, "banner": "before_chat"},
			"dataProcessing": {"enabled": true, "basis": "consent", "privacyPolicyUrl": "/privacy",
				"text": "We store the name and email address you give in this chat to answer you, as our privacy policy explains."}}`,
	},
	{
		Template: "knowledge-base-support",
		Where:    "blog posts: opens when half the post is read",
		Targeting: `{"pageRules": [{"operator": "begins_with", "value": "/blog/"}],
			` + notOnPrivacy + `}`,
		Display: `{"heading": {"name": "Help center", "avatarUrl": "{{base}}/static/avatars/help.svg"},
			"desktopBehavior": "open_chat", "mobileBehavior": "launcher_only",
			"triggers": {"scrollPercent": 50}, "accentColor": "#2f855a"}`,
	},
	{
		Template: "tickets",
		Where:    "the support page",
		Targeting: `{"pageRules": [{"operator": "is", "value": "/support"}],
			` + notOnPrivacy + `}`,
		Display: `{"heading": {"name": "Support", "avatarUrl": "{{base}}/static/avatars/help.svg"},
			"desktopBehavior": "launcher_only", "accentColor": "#6b46c1"}`,
		Consent: `{"cookies": {"enabled": true, "banner": "exit_intent"}}`,
	},
	{
		Template: "offline",
		Where:    "the contact page",
		Targeting: `{"pageRules": [{"operator": "is", "value": "/contact"}],
			` + notOnPrivacy + `}`,
		Display: `{"heading": {"name": "Our team", "avatarUrl": "{{base}}/static/avatars/team.svg"},
			"desktopBehavior": "pop_message", "mobileBehavior": "pop_message", "accentColor": "#b7791f"}`,
		Consent: `{"communication": {"enabled": true, "subscriptionType": "newsletter", "checkboxLabel": "Send me the monthly newsletter"}}`,
	},
	{
		Template: "concierge",
		Where:    "every other page, except the privacy policy",
		Targeting: `{"pageRules": [{"operator": "all_pages"}],
			` + notOnPrivacy + `}`,
		Display: `{"heading": {"name": "Chatflow concierge", "avatarUrl": "{{base}}/static/avatars/team.svg"},
			"desktopBehavior": "pop_message", "mobileBehavior": "launcher_only", "accentColor": "#ff7a59"}`,
	},
}

// loadSiteFlows loads and publishes the site's chatflows on eng. base is
// the site's address (such as http://127.0.0.1:8080): the targeting
// package wants absolute avatar URLs, which the widget turns back into
// paths on this site.
func loadSiteFlows(eng *engine.Engine, base string) ([]*engine.Flow, error) {
	out := make([]*engine.Flow, 0, len(siteFlows))
	for _, sf := range siteFlows {
		data, err := templates.JSON(sf.Template)
		if err != nil {
			return nil, err
		}
		var def engine.Definition
		if err := json.Unmarshal(data, &def); err != nil {
			return nil, fmt.Errorf("template %s: %w", sf.Template, err)
		}
		def.Targeting = json.RawMessage(sf.Targeting)
		display, err := json.Marshal(json.RawMessage(sf.Display)) // compacts, and checks it is JSON
		if err != nil {
			return nil, fmt.Errorf("template %s: display: %w", sf.Template, err)
		}
		def.Display = json.RawMessage(replaceBase(string(display), base))
		if sf.Consent != "" {
			def.Consent = json.RawMessage(sf.Consent)
		}
		f, err := eng.LoadDefinition(def)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", sf.Template, err)
		}
		if err := eng.Publish(f); err != nil {
			return nil, fmt.Errorf("template %s: %w", sf.Template, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// replaceBase puts the site's address, as a JSON string's content, for
// {{base}}.
func replaceBase(s, base string) string {
	b, _ := json.Marshal(base)
	return strings.ReplaceAll(s, "{{base}}", string(b[1:len(b)-1]))
}
