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

	"github.com/chatflow/chatflow/condition"
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
	// Granted: the visitor agreed (or, with legitimate interest, chatted).
	Granted Choice = "granted"
	// Refused: the visitor declined.
	Refused Choice = "refused"
	// Withdrawn: the visitor took back an earlier agreement.
	Withdrawn Choice = "withdrawn"
)

// Banner says when the cookie banner shows.
type Banner string

// The banner moments.
const (
	// BeforeChat shows the banner before the chat starts (the default).
	BeforeChat Banner = "before_chat"
	// ExitIntent shows the banner when the visitor is about to leave the
	// page.
	ExitIntent Banner = "exit_intent"
)

// The default texts, used when a policy's text is empty.
const (
	// DefaultCookieText is the cookie banner's default text.
	DefaultCookieText = "We use cookies to remember this chat and improve our service. Do you accept chat cookies?"
	// DefaultProcessingText is the default text of data-processing consent.
	DefaultProcessingText = "We store and process the personal data you share in this chat to answer you. Our privacy policy explains how."
	// DefaultCheckboxLabel is the default label of the subscription checkbox.
	DefaultCheckboxLabel = "I agree to receive other communications."
)

// ErrInvalid is the kind (the Err) of every *condition.Error that
// Policy.Validate returns: errors.Is(err, ErrInvalid) tells a bad policy.
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
	// Cookies is consent to collect chat cookies; nil means the defaults.
	Cookies *CookiePolicy `json:"cookies,omitempty"`
	// DataProcessing is consent to process data; nil means the defaults.
	DataProcessing *ProcessingPolicy `json:"dataProcessing,omitempty"`
	// Communication is consent to communicate; nil means off.
	Communication *CommunicationPolicy `json:"communication,omitempty"`
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

// Effective is a policy with every default applied: what the engine
// enforces. Its zero value is not the default policy; get one from
// Policy.Effective.
type Effective struct {
	// CookiesEnabled asks for cookie consent.
	CookiesEnabled bool
	// Banner is when the cookie banner shows.
	Banner Banner
	// CookieText is the cookie banner's text.
	CookieText string
	// ProcessingEnabled asks for data-processing consent.
	ProcessingEnabled bool
	// Basis is the legal basis of processing.
	Basis Basis
	// ProcessingText is the data-processing consent text.
	ProcessingText string
	// PrivacyPolicyURL links the privacy policy; "" when none.
	PrivacyPolicyURL string
	// Communication offers a subscription.
	Communication bool
	// SubscriptionType is the subscription offered.
	SubscriptionType string
	// CheckboxLabel labels the subscription checkbox.
	CheckboxLabel string
	// MarketingContacts sets created contacts as marketing contacts.
	MarketingContacts bool
}

// Effective returns the policy with defaults applied. It may be called on a
// nil *Policy.
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

// Validate checks the policy and reports every problem, joined with
// errors.Join. Each is a *condition.Error whose Path is relative to the
// consent section (such as "dataProcessing.basis") and whose Err is
// ErrInvalid. A nil policy is valid.
func (p *Policy) Validate() error {
	if p == nil {
		return nil
	}
	var errs []error
	if c := p.Cookies; c != nil {
		switch c.Banner {
		case "", BeforeChat, ExitIntent:
		default:
			errs = append(errs, invalid("cookies.banner", fmt.Sprintf("%q is not before_chat or exit_intent", c.Banner)))
		}
	}
	if d := p.DataProcessing; d != nil {
		switch d.Basis {
		case "", ExplicitConsent, LegitimateInterest:
		default:
			errs = append(errs, invalid("dataProcessing.basis", fmt.Sprintf("%q is not consent or legitimate_interest", d.Basis)))
		}
	}
	if c := p.Communication; c != nil && c.Enabled && c.SubscriptionType == "" {
		errs = append(errs, invalid("communication.subscriptionType", "consent to communicate needs a subscription type"))
	}
	return errors.Join(errs...)
}

// invalid is a policy problem at path.
func invalid(path, msg string) *condition.Error {
	return &condition.Error{Path: path, Msg: msg, Err: ErrInvalid}
}

// Record is one consent decision. Records are never changed: a withdrawal
// is a new record.
type Record struct {
	// ID identifies the record; the store assigns one when empty.
	ID string `json:"id"`
	// VisitorID identifies the visitor (the conversation ID when the
	// visitor is unknown).
	VisitorID string `json:"visitorId,omitempty"`
	// ContactID identifies the contact, when known.
	ContactID string `json:"contactId,omitempty"`
	// Kind is what the consent is about.
	Kind Kind `json:"kind"`
	// Basis is the legal basis the decision was recorded under.
	Basis Basis `json:"basis,omitempty"`
	// SubscriptionType is the subscription offered, if any.
	SubscriptionType string `json:"subscriptionType,omitempty"`
	// Text is the exact text the visitor was shown.
	Text string `json:"text"`
	// TextHash is the SHA-256 of Text, as Hash computes it.
	TextHash string `json:"textHash"`
	// Choice is what the visitor decided.
	Choice Choice `json:"choice"`
	// Time is when.
	Time time.Time `json:"time"`
	// ChatflowID is the chatflow the decision was made in.
	ChatflowID string `json:"chatflowId,omitempty"`
	// FlowVersion is the version of that chatflow.
	FlowVersion int `json:"flowVersion,omitempty"`
	// Action is the name of the action that asked, if any.
	Action string `json:"action,omitempty"`
	// ConversationID is the conversation the decision was made in.
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
