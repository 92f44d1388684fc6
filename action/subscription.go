package action

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/internal/validate"
)

// OfferSubscriptionType is the type name of OfferSubscription in flow JSON.
const OfferSubscriptionType = "offer_email_subscription"

// OfferSubscription asks the visitor to subscribe to email (SPEC §3.3) and
// records their decision as consent to communicate. It is skipped when the
// visitor is not a known contact, or when every selected subscription type
// is already decided: opted in, or opted out (an opted-out contact is not
// asked again, and nothing ever opts them in without their explicit yes).
//
//	{"type": "offer_email_subscription", "settings": {
//	  "message": ["Would you like our monthly newsletter?"],
//	  "subscriptionTypes": ["newsletter"],
//	  "showPrivacyText": true,
//	  "subscribedMessage": ["Great, you're subscribed!"],
//	  "notSubscribedMessage": ["No problem."]}}
type OfferSubscription struct {
	// Message is the offer.
	Message Messages `json:"message"`
	// SubscriptionTypes are the subscriptions offered.
	SubscriptionTypes []string `json:"subscriptionTypes"`
	// ShowPrivacyText adds the legitimate-interest privacy text.
	ShowPrivacyText bool `json:"showPrivacyText,omitempty"`
	// PrivacyText replaces DefaultPrivacyText.
	PrivacyText string `json:"privacyText,omitempty"`
	// YesLabel and NoLabel label the two quick replies; default "Yes"/"No".
	YesLabel string `json:"yesLabel,omitempty"`
	NoLabel  string `json:"noLabel,omitempty"`
	// SubscribedMessage and NotSubscribedMessage answer the choice.
	SubscribedMessage    Messages `json:"subscribedMessage,omitempty"`
	NotSubscribedMessage Messages `json:"notSubscribedMessage,omitempty"`
}

// DefaultPrivacyText is the legitimate-interest privacy text.
const DefaultPrivacyText = "You can unsubscribe from these communications at any time. See our privacy policy for how we protect and use your data."

// Provision checks the settings.
func (a *OfferSubscription) Provision(p *Provision) error {
	if len(a.Message) == 0 {
		return &SettingError{Path: "message", Err: errors.New("the offer needs a message")}
	}
	if len(a.SubscriptionTypes) == 0 {
		return &SettingError{Path: "subscriptionTypes", Err: errors.New("name at least one subscription type")}
	}
	for i, s := range a.SubscriptionTypes {
		if strings.TrimSpace(s) == "" {
			return &SettingError{Path: "subscriptionTypes[" + strconv.Itoa(i) + "]", Err: errors.New("empty subscription type")}
		}
	}
	for path, m := range map[string]Messages{"message": a.Message, "subscribedMessage": a.SubscribedMessage, "notSubscribedMessage": a.NotSubscribedMessage} {
		if err := m.Provision(p, path); err != nil {
			return err
		}
	}
	return nil
}

// Ports returns the subscriptions port.
func (a *OfferSubscription) Ports() []Port { return []Port{PortSubscriptions} }

func (a *OfferSubscription) replies() []QuickReply {
	yes, no := a.YesLabel, a.NoLabel
	if yes == "" {
		yes = "Yes"
	}
	if no == "" {
		no = "No"
	}
	return []QuickReply{{Value: "yes", Label: yes}, {Value: "no", Label: no}}
}

// open returns the subscription types still to ask about.
func (a *OfferSubscription) open(ctx context.Context, t Turn) ([]string, error) {
	var open []string
	for _, typ := range a.SubscriptionTypes {
		st, err := t.Ports().Subscriptions.State(ctx, t.ContactID(), typ)
		if err != nil {
			return nil, err
		}
		if st == NotOptedInOrOut {
			open = append(open, typ)
		}
	}
	return open, nil
}

// Run makes the offer, or skips it.
func (a *OfferSubscription) Run(ctx context.Context, t Turn) (Result, error) {
	if t.ContactID() == "" {
		return Result{Status: Skip, Reason: ReasonNoContact}, nil
	}
	open, err := a.open(ctx, t)
	if err != nil {
		return Result{Status: Fail, Reason: "subscriptions: " + err.Error()}, nil
	}
	if len(open) == 0 {
		return Result{Status: Skip, Reason: "already opted in or out of every subscription offered"}, nil
	}
	t.Say(a.Message)
	if a.ShowPrivacyText {
		t.SayText(a.privacyText())
	}
	t.Prompt(a.replies(), true)
	return Result{Status: Wait}, nil
}

func (a *OfferSubscription) privacyText() string {
	if a.PrivacyText != "" {
		return a.PrivacyText
	}
	return DefaultPrivacyText
}

// Answer records the decision and subscribes on yes.
func (a *OfferSubscription) Answer(ctx context.Context, t Turn, in Input) (Result, error) {
	v := in.QuickReply
	if v == "" {
		if b, err := validate.Bool(in.Text, t.Language()); err == nil {
			v = map[string]string{"true": "yes", "false": "no"}[b]
		}
		for _, q := range a.replies() {
			if strings.EqualFold(strings.TrimSpace(in.Text), q.Label) {
				v = q.Value
			}
		}
	}
	if v != "yes" && v != "no" {
		t.Emit(Event{Type: EventAnswerRejected, Value: in.Value(), Reason: "not a yes or a no"})
		t.Prompt(a.replies(), true)
		return Result{Status: Wait}, nil
	}
	open, err := a.open(ctx, t)
	if err != nil {
		return Result{Status: Fail, Reason: "subscriptions: " + err.Error()}, nil
	}
	text := t.Render(a.Message[0].Template())
	if a.ShowPrivacyText {
		text += "\n" + a.privacyText()
	}
	choice := consent.Refused
	if v == "yes" {
		choice = consent.Granted
	}
	for _, typ := range open {
		if v == "yes" {
			if err := t.Ports().Subscriptions.SetState(ctx, t.ContactID(), typ, OptedIn, true); err != nil {
				return Result{Status: Fail, Reason: "subscribing to " + typ + ": " + err.Error()}, nil
			}
		}
		t.RecordConsent(consent.Record{Kind: consent.Communication, Basis: consent.ExplicitConsent, SubscriptionType: typ, Text: text, Choice: choice})
	}
	t.SetAnswer(v)
	if v == "yes" {
		t.Say(a.SubscribedMessage)
	} else {
		t.Say(a.NotSubscribedMessage)
	}
	return Result{Status: Done}, nil
}
