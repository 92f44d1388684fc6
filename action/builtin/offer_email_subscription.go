package builtin

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/catalog"
	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/internal/validate"
	"github.com/chatflow/chatflow/store"
)

// OfferEmailSubscriptionType is the type name of OfferEmailSubscription in flow JSON.
const OfferEmailSubscriptionType = "offer_email_subscription"

// OfferEmailSubscription asks the visitor to subscribe to email (SPEC §3.3) and
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
type OfferEmailSubscription struct {
	// Message is the offer.
	Message action.Messages `json:"message"`
	// SubscriptionTypes are the subscriptions offered.
	SubscriptionTypes []string `json:"subscriptionTypes"`
	// ShowPrivacyText adds the legitimate-interest privacy text.
	ShowPrivacyText bool `json:"showPrivacyText,omitempty"`
	// PrivacyText replaces the catalogue's privacy text in the flow's
	// language (DefaultPrivacyText in English).
	PrivacyText string `json:"privacyText,omitempty"`
	// YesLabel and NoLabel label the two quick replies; default the
	// catalogue's yes and no in the flow's language ("Yes"/"No", "Ja"/"Nee" …).
	YesLabel string `json:"yesLabel,omitempty"`
	NoLabel  string `json:"noLabel,omitempty"`
	// SubscribedMessage and NotSubscribedMessage answer the choice.
	SubscribedMessage    action.Messages `json:"subscribedMessage,omitempty"`
	NotSubscribedMessage action.Messages `json:"notSubscribedMessage,omitempty"`

	svc *services
	// The catalogue's texts in the flow's language, for settings left empty.
	yes, no, privacy string
}

// DefaultPrivacyText is the legitimate-interest privacy text in English;
// other languages read the catalogue's (catalog.SubscriptionPrivacy).
const DefaultPrivacyText = "You can unsubscribe from these communications at any time. See our privacy policy for how we protect and use your data."

// Provision checks the settings.
func (a *OfferEmailSubscription) Provision(p action.Provision) error {
	if len(a.Message) == 0 {
		return p.Errorf("message", "the offer needs a message")
	}
	if len(a.SubscriptionTypes) == 0 {
		return p.Errorf("subscriptionTypes", "name at least one subscription type")
	}
	for i, s := range a.SubscriptionTypes {
		if strings.TrimSpace(s) == "" {
			return p.Errorf("subscriptionTypes["+strconv.Itoa(i)+"]", "empty subscription type")
		}
	}
	a.yes, a.no = cmp.Or(a.YesLabel, p.Text(catalog.Yes)), cmp.Or(a.NoLabel, p.Text(catalog.No))
	a.privacy = cmp.Or(a.PrivacyText, p.Text(catalog.SubscriptionPrivacy))
	return require(p, a.svc.stores.Subscriptions != nil, "a subscriptions store (Stores.Subscriptions)")
}

func (a *OfferEmailSubscription) replies() []action.QuickReply {
	return []action.QuickReply{{Value: "yes", Label: a.yes}, {Value: "no", Label: a.no}}
}

// open returns the subscription types still to ask about.
func (a *OfferEmailSubscription) open(ctx context.Context, t action.Turn) ([]string, error) {
	var open []string
	for _, typ := range a.SubscriptionTypes {
		st, err := a.svc.stores.Subscriptions.State(ctx, t.Session().ContactID, typ)
		if err != nil {
			return nil, err
		}
		if st == store.NotOptedInOrOut {
			open = append(open, typ)
		}
	}
	return open, nil
}

// Run makes the offer, or skips it.
func (a *OfferEmailSubscription) Run(ctx context.Context, t action.Turn) (action.Result, error) {
	if t.Session().ContactID == "" {
		return action.Result{Status: action.Skip, Reason: ReasonNoContact}, nil
	}
	open, err := a.open(ctx, t)
	if err != nil {
		return action.Result{}, fmt.Errorf("subscriptions: %w", err)
	}
	if len(open) == 0 {
		return action.Result{Status: action.Skip, Reason: "already opted in or out of every subscription offered"}, nil
	}
	t.Say(a.Message)
	if a.ShowPrivacyText {
		t.Say(action.Messages{{Text: a.privacyText()}})
	}
	t.Prompt(a.replies(), true)
	return action.Result{Status: action.Wait}, nil
}

func (a *OfferEmailSubscription) privacyText() string { return a.privacy }

// Answer records the decision. Recording a yes subscribes the contact: the
// engine sets the subscription state with the consent record, once the
// turn is saved, so that a retried message neither loses the record nor
// finds the contact already subscribed.
func (a *OfferEmailSubscription) Answer(ctx context.Context, t action.Turn, in action.Input) (action.Result, error) {
	v := in.QuickReply
	if v == "" {
		if b, err := validate.Bool(in.Text, t.Session().Language); err == nil {
			v = map[string]string{"true": "yes", "false": "no"}[b]
		}
		for _, q := range a.replies() {
			if strings.EqualFold(strings.TrimSpace(in.Text), q.Label) {
				v = q.Value
			}
		}
	}
	if v != "yes" && v != "no" {
		t.Emit(action.Event{Type: EventAnswerRejected, Value: in.Value(), Reason: "not a yes or a no"})
		t.Prompt(a.replies(), true)
		return action.Result{Status: action.Wait}, nil
	}
	open, err := a.open(ctx, t)
	if err != nil {
		return action.Result{}, fmt.Errorf("subscriptions: %w", err)
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
		t.RecordConsent(consent.Record{Kind: consent.Communication, Basis: consent.ExplicitConsent, SubscriptionType: typ, Text: text, Choice: choice})
	}
	t.SetAnswer(v)
	if v == "yes" {
		t.Say(a.SubscribedMessage)
	} else {
		t.Say(a.NotSubscribedMessage)
	}
	return action.Result{Status: action.Done}, nil
}
