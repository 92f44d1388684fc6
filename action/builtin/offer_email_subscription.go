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

// What an offer does for a visitor who is not a known contact (the
// "anonymous" setting).
const (
	// AnonymousAskEmail asks for the visitor's email address first, which
	// makes them a known contact, then makes the offer (the default).
	AnonymousAskEmail = "ask_email"
	// AnonymousSkip skips the offer (Result Skip, reason ReasonNoContact).
	AnonymousSkip = "skip"
)

// OfferEmailSubscription asks the visitor to subscribe to email (SPEC §3.3) and
// records their decision as consent to communicate. It is skipped when
// every selected subscription type is already decided: opted in, or opted
// out (an opted-out contact is not asked again, and nothing ever opts them
// in without their explicit yes).
//
//	{"type": "offer_email_subscription", "settings": {
//	  "message": ["Would you like our monthly newsletter?"],
//	  "subscriptionTypes": ["newsletter"],
//	  "showPrivacyText": true,
//	  "subscribedMessage": ["Great, you're subscribed!"],
//	  "notSubscribedMessage": ["No problem."]}}
//
// A subscription belongs to a contact, so a visitor who is not a known
// contact is not silently passed over: by default (anonymous "ask_email")
// the action first asks for their email address (EmailPrompt, default the
// catalogue's "What's your email address?"), which links the conversation
// to that contact, and then makes the offer — or skips it, if that contact
// already decided. With anonymous "skip" the action is skipped for them
// (reason ReasonNoContact).
//
// The answer to the offer is a quick reply, or typed as yes or no in the
// flow's language or as a label. Any other answer — and an answer to the
// email question that is not an email address — is rejected: the visitor
// sees ErrorMessage (default the catalogue's hint, "Please answer yes or
// no." or "That doesn't look like an email address …") and is asked again,
// and after MaxAttempts rejected answers the action fails, which follows
// its failure path or ends the bot with the general error message.
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
	// Anonymous is what happens for a visitor who is not a known contact:
	// AnonymousAskEmail (the default) or AnonymousSkip.
	Anonymous string `json:"anonymous,omitempty"`
	// EmailPrompt asks an unknown visitor's email address; default the
	// catalogue's in the flow's language.
	EmailPrompt action.Messages `json:"emailPrompt,omitempty"`
	// ErrorMessage is said when an answer to the offer is neither yes nor
	// no; default the catalogue's "Please answer yes or no." in the flow's
	// language. (A rejected email address gets the catalogue's email hint.)
	ErrorMessage action.Messages `json:"errorMessage,omitempty"`
	// MaxAttempts is how many rejected answers the action takes before it
	// fails; 0 means DefaultMaxAttempts.
	MaxAttempts int `json:"maxAttempts,omitempty"`

	svc *services
	// The catalogue's texts in the flow's language, for settings left empty.
	yes, no, privacy string
	emailPrompt      action.Messages
	yesNoHint        action.Messages
	emailHint        action.Messages
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
	switch a.Anonymous {
	case "", AnonymousAskEmail, AnonymousSkip:
	default:
		return p.Errorf("anonymous", "unknown value %q (want %q or %q)", a.Anonymous, AnonymousAskEmail, AnonymousSkip)
	}
	if a.MaxAttempts < 0 {
		return p.Errorf("maxAttempts", "must not be negative, got %d", a.MaxAttempts)
	}
	a.yes, a.no = cmp.Or(a.YesLabel, p.Text(catalog.Yes)), cmp.Or(a.NoLabel, p.Text(catalog.No))
	a.privacy = cmp.Or(a.PrivacyText, p.Text(catalog.SubscriptionPrivacy))
	a.emailPrompt = a.EmailPrompt
	if len(a.emailPrompt) == 0 {
		a.emailPrompt = action.Messages{{Text: p.Text(catalog.EmailPrompt)}}
	}
	a.yesNoHint = a.ErrorMessage
	if len(a.yesNoHint) == 0 {
		a.yesNoHint = action.Messages{{Text: p.Text(catalog.InvalidYesNo)}}
	}
	a.emailHint = action.Messages{{Text: p.Text(catalog.InvalidEmail)}}
	return require(p, a.svc.stores.Subscriptions != nil, "a subscriptions store (Stores.Subscriptions)")
}

func (a *OfferEmailSubscription) replies() []action.QuickReply {
	return []action.QuickReply{{Value: "yes", Label: a.yes}, {Value: "no", Label: a.no}}
}

// offerState is the action's state while it waits: which question it
// asked and how many answers it rejected. It is stored as "e2" (the email
// question, two rejected) or "o1" (the offer, one rejected); no state is
// the offer with none rejected, as sessions of earlier versions have.
type offerState struct {
	email    bool
	rejected int
}

func readOfferState(b []byte) offerState {
	var st offerState
	if len(b) > 0 {
		st.email = b[0] == 'e'
		st.rejected, _ = strconv.Atoi(string(b[1:]))
	}
	return st
}

func (st offerState) bytes() []byte {
	phase := "o"
	if st.email {
		phase = "e"
	}
	return []byte(phase + strconv.Itoa(st.rejected))
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

// Run makes the offer, asks an unknown visitor's email address first, or
// skips.
func (a *OfferEmailSubscription) Run(ctx context.Context, t action.Turn) (action.Result, error) {
	if t.Session().ContactID == "" {
		if a.Anonymous == AnonymousSkip {
			return action.Result{Status: action.Skip, Reason: ReasonNoContact}, nil
		}
		t.Say(a.emailPrompt)
		t.Prompt(nil, true)
		t.SetState(offerState{email: true}.bytes())
		return action.Result{Status: action.Wait}, nil
	}
	return a.offer(ctx, t)
}

// offer makes the offer to a known contact, or skips it when they decided
// every subscription offered.
func (a *OfferEmailSubscription) offer(ctx context.Context, t action.Turn) (action.Result, error) {
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
	t.SetState(offerState{}.bytes())
	return action.Result{Status: action.Wait}, nil
}

func (a *OfferEmailSubscription) privacyText() string { return a.privacy }

// Answer takes the email address or the decision. Recording a yes
// subscribes the contact: the engine sets the subscription state with the
// consent record, once the turn is saved, so that a retried message
// neither loses the record nor finds the contact already subscribed.
func (a *OfferEmailSubscription) Answer(ctx context.Context, t action.Turn, in action.Input) (action.Result, error) {
	st := readOfferState(t.State())
	if st.email {
		return a.answerEmail(ctx, t, in, st)
	}
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
		return a.reject(t, in, st, "not a yes or a no", a.yesNoHint, a.replies()), nil
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
	t.Emit(action.Event{Type: EventAnswerAccepted, Value: v})
	if v == "yes" {
		t.Say(a.SubscribedMessage)
	} else {
		t.Say(a.NotSubscribedMessage)
	}
	return action.Result{Status: action.Done}, nil
}

// answerEmail takes an unknown visitor's email address, which makes them
// a known contact, and makes the offer.
func (a *OfferEmailSubscription) answerEmail(ctx context.Context, t action.Turn, in action.Input, st offerState) (action.Result, error) {
	email, err := validate.Email(in.Value())
	if err != nil {
		return a.reject(t, in, st, err.Error(), a.emailHint, nil), nil
	}
	if err := t.SetProperty(action.ContactObject, "email", email); err != nil {
		return action.Result{Status: action.Fail, Reason: err.Error(), Err: err}, nil
	}
	t.Emit(action.Event{Type: EventAnswerAccepted, Value: email})
	if t.Session().ContactID == "" {
		// The address did not make a contact (the engine could not record
		// one): there is nobody to subscribe.
		return action.Result{Status: action.Skip, Reason: ReasonNoContact}, nil
	}
	return a.offer(ctx, t)
}

// reject counts a rejected answer: it asks again with the hint, or fails
// once the attempts are used up.
func (a *OfferEmailSubscription) reject(t action.Turn, in action.Input, st offerState, reason string, hint action.Messages, qrs []action.QuickReply) action.Result {
	t.Emit(action.Event{Type: EventAnswerRejected, Value: in.Value(), Reason: reason})
	st.rejected++
	max := cmp.Or(a.MaxAttempts, DefaultMaxAttempts)
	if st.rejected >= max {
		return action.Result{Status: action.Fail, Reason: fmt.Sprintf("no acceptable answer after %d attempts", st.rejected)}
	}
	t.SetState(st.bytes())
	t.Say(hint)
	t.Prompt(qrs, true)
	return action.Result{Status: action.Wait}
}
