// Package consent holds a chatflow's privacy policy — consent to collect
// chat cookies, consent to process data, consent to communicate — and the
// consent records that prove what each visitor was shown and chose.
//
// The engine enforces a Policy: with explicit consent required, a visitor's
// messages are not processed and no personal data is written until they
// agree; legitimate interest proceeds and is recorded as such. Every
// decision becomes an append-only Record kept through a Records store.
//
// The "consent" section of flow JSON decodes into Policy:
//
//	"consent": {
//	  "cookies": {"enabled": true, "banner": "before_chat", "text": ""},
//	  "dataProcessing": {"enabled": true, "basis": "consent", "text": "", "privacyPolicyUrl": "https://example.com/privacy"},
//	  "communication": {"enabled": true, "subscriptionType": "newsletter", "checkboxLabel": "Send me news"},
//	  "marketingContacts": false
//	}
//
// An empty text means the default text (DefaultCookieText …): setting a
// text back to "" is the way back to the default.
package consent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Kind is what a consent is about.
type Kind string

// The kinds of consent.
const (
	// Cookies is consent to collect chat cookies.
	Cookies Kind = "cookies"
	// DataProcessing is consent to process the visitor's personal data.
	DataProcessing Kind = "data_processing"
	// Communication is consent to communicate: an email subscription.
	Communication Kind = "communication"
)

// Basis is the legal basis of processing.
type Basis string

// The legal bases.
const (
	// ExplicitConsent requires the visitor to agree before any message is processed.
	ExplicitConsent Basis = "consent"
	// LegitimateInterest implies consent by chatting; the text is still shown.
	LegitimateInterest Basis = "legitimate_interest"
)

// Choice is what the visitor decided.
type Choice string

// The choices.
const (
	Granted   Choice = "granted"
	Refused   Choice = "refused"
	Withdrawn Choice = "withdrawn"
)

// Banner says when the cookie banner shows.
type Banner string

// The banner moments.
const (
	BeforeChat Banner = "before_chat"
	ExitIntent Banner = "exit_intent"
)

// The default texts, used when a policy's text is empty.
const (
	DefaultCookieText     = "We use cookies to remember this chat and improve our service. Do you accept chat cookies?"
	DefaultProcessingText = "We store and process the personal data you share in this chat to answer you. Our privacy policy explains how."
	DefaultCheckboxLabel  = "I agree to receive other communications."
)

// ErrInvalid is wrapped by every policy validation error.
var ErrInvalid = errors.New("consent: invalid policy")

// Policy is a chatflow's consent policy. The zero value (and a nil
// *Policy) means the defaults for a new chatflow: cookie consent on, shown
// before the chat, and data-processing consent on with legitimate interest
// as its basis. Decision: HubSpot turns processing consent on by default
// but does not say which basis; legitimate interest lets a new bot answer
// at once while still showing and recording the text. Flows that need
// explicit consent say so ("basis": "consent"). Use Effective to read a
// policy with defaults applied.
type Policy struct {
	Cookies        *CookiePolicy        `json:"cookies,omitempty"`
	DataProcessing *ProcessingPolicy    `json:"dataProcessing,omitempty"`
	Communication  *CommunicationPolicy `json:"communication,omitempty"`
	// MarketingContacts sets contacts created by this chatflow as
	// marketing contacts.
	MarketingContacts bool `json:"marketingContacts,omitempty"`
}

// CookiePolicy is consent to collect chat cookies.
type CookiePolicy struct {
	// Enabled asks for cookie consent; default true.
	Enabled *bool `json:"enabled,omitempty"`
	// Banner is when the banner shows; default BeforeChat.
	Banner Banner `json:"banner,omitempty"`
	// Text is the banner text; empty means DefaultCookieText.
	Text string `json:"text,omitempty"`
}

// ProcessingPolicy is consent to process data.
type ProcessingPolicy struct {
	// Enabled asks for processing consent; default true.
	Enabled *bool `json:"enabled,omitempty"`
	// Basis is LegitimateInterest (default) or ExplicitConsent.
	Basis Basis `json:"basis,omitempty"`
	// Text is shown to the visitor; empty means DefaultProcessingText.
	Text string `json:"text,omitempty"`
	// PrivacyPolicyURL links the privacy policy.
	PrivacyPolicyURL string `json:"privacyPolicyUrl,omitempty"`
}

// CommunicationPolicy is consent to communicate (live chat): the visitor
// is offered a subscription when they chat.
type CommunicationPolicy struct {
	// Enabled offers the subscription; default false.
	Enabled bool `json:"enabled,omitempty"`
	// SubscriptionType is the subscription offered.
	SubscriptionType string `json:"subscriptionType,omitempty"`
	// CheckboxLabel labels the checkbox; empty means DefaultCheckboxLabel.
	CheckboxLabel string `json:"checkboxLabel,omitempty"`
}

// Effective is a policy with every default applied.
type Effective struct {
	CookiesEnabled    bool
	Banner            Banner
	CookieText        string
	ProcessingEnabled bool
	Basis             Basis
	ProcessingText    string
	PrivacyPolicyURL  string
	Communication     bool
	SubscriptionType  string
	CheckboxLabel     string
	MarketingContacts bool
}

// Effective returns the policy with defaults applied.
func (p *Policy) Effective() Effective {
	e := Effective{
		CookiesEnabled: true, Banner: BeforeChat, CookieText: DefaultCookieText,
		ProcessingEnabled: true, Basis: LegitimateInterest, ProcessingText: DefaultProcessingText,
		CheckboxLabel: DefaultCheckboxLabel,
	}
	if p == nil {
		return e
	}
	e.MarketingContacts = p.MarketingContacts
	if c := p.Cookies; c != nil {
		if c.Enabled != nil {
			e.CookiesEnabled = *c.Enabled
		}
		if c.Banner != "" {
			e.Banner = c.Banner
		}
		if c.Text != "" {
			e.CookieText = c.Text
		}
	}
	if d := p.DataProcessing; d != nil {
		if d.Enabled != nil {
			e.ProcessingEnabled = *d.Enabled
		}
		if d.Basis != "" {
			e.Basis = d.Basis
		}
		if d.Text != "" {
			e.ProcessingText = d.Text
		}
		e.PrivacyPolicyURL = d.PrivacyPolicyURL
	}
	if c := p.Communication; c != nil {
		e.Communication = c.Enabled
		e.SubscriptionType = c.SubscriptionType
		if c.CheckboxLabel != "" {
			e.CheckboxLabel = c.CheckboxLabel
		}
	}
	return e
}

// Error is a policy problem; Path is relative to the consent section.
type Error struct {
	Path string
	Msg  string
}

// Error implements error.
func (e *Error) Error() string { return "consent: " + e.Path + ": " + e.Msg }

// Unwrap returns ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }

// Validate checks the policy. A nil policy is valid.
func (p *Policy) Validate() error {
	if p == nil {
		return nil
	}
	var errs []error
	if c := p.Cookies; c != nil {
		switch c.Banner {
		case "", BeforeChat, ExitIntent:
		default:
			errs = append(errs, &Error{"cookies.banner", fmt.Sprintf("%q is not before_chat or exit_intent", c.Banner)})
		}
	}
	if d := p.DataProcessing; d != nil {
		switch d.Basis {
		case "", ExplicitConsent, LegitimateInterest:
		default:
			errs = append(errs, &Error{"dataProcessing.basis", fmt.Sprintf("%q is not consent or legitimate_interest", d.Basis)})
		}
	}
	if c := p.Communication; c != nil && c.Enabled && c.SubscriptionType == "" {
		errs = append(errs, &Error{"communication.subscriptionType", "consent to communicate needs a subscription type"})
	}
	return errors.Join(errs...)
}

// Record is one consent decision. Records are never changed: a withdrawal
// is a new record.
type Record struct {
	// ID identifies the record; the store assigns one when empty.
	ID string `json:"id"`
	// VisitorID identifies the visitor (the conversation ID when the
	// visitor is unknown); ContactID the contact, when known.
	VisitorID string `json:"visitorId,omitempty"`
	ContactID string `json:"contactId,omitempty"`
	// Kind, Basis and SubscriptionType say what the consent is about.
	Kind             Kind   `json:"kind"`
	Basis            Basis  `json:"basis,omitempty"`
	SubscriptionType string `json:"subscriptionType,omitempty"`
	// Text is the exact text the visitor was shown; TextHash its SHA-256.
	Text     string `json:"text"`
	TextHash string `json:"textHash"`
	// Choice is what the visitor decided.
	Choice Choice `json:"choice"`
	// Time is when.
	Time time.Time `json:"time"`
	// ChatflowID, FlowVersion and Action say where; ConversationID in
	// which conversation.
	ChatflowID     string `json:"chatflowId,omitempty"`
	FlowVersion    int    `json:"flowVersion,omitempty"`
	Action         string `json:"action,omitempty"`
	ConversationID string `json:"conversationId,omitempty"`
}

// Hash returns the hex SHA-256 of a consent text, as stored in TextHash.
func Hash(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:])
}

// Records keeps consent records, append-only. Implementations must be
// safe for concurrent use; store/storetest has a conformance suite.
type Records interface {
	// Append stores a record. A record with an ID already stored is not
	// stored again (a retried turn must not duplicate its records).
	Append(ctx context.Context, r Record) error
	// ForContact lists a contact's records, oldest first.
	ForContact(ctx context.Context, contactID string) ([]Record, error)
	// ForVisitor lists a visitor's records, oldest first.
	ForVisitor(ctx context.Context, visitorID string) ([]Record, error)
	// LinkContact marks the visitor's records as the contact's, once an
	// anonymous visitor turns out to be that contact, so that the contact's
	// history includes them. The decisions themselves never change.
	LinkContact(ctx context.Context, visitorID, contactID string) error
	// Erase deletes every record of the visitor or the contact (the right
	// to be forgotten). Empty IDs match nothing.
	Erase(ctx context.Context, visitorID, contactID string) error
}
