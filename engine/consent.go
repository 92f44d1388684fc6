package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store"
)

// ConsentState is what a visitor decided in a session.
type ConsentState struct {
	// Processing and Cookies are the latest choices ("" when none).
	Processing consent.Choice `json:"p,omitempty"`
	Cookies    consent.Choice `json:"k,omitempty"`
	// Subscribe is a subscription type the visitor agreed to before they
	// were a known contact; it is applied once they are.
	Subscribe string `json:"sub,omitempty"`
}

// ConsentPrompt tells the host which consent texts to show.
type ConsentPrompt struct {
	// Cookies is the cookie banner; nil when not needed (disabled, or an
	// identified visitor).
	Cookies *CookieBanner `json:"cookies,omitempty"`
	// DataProcessing is the processing notice; nil when disabled.
	DataProcessing *ProcessingNotice `json:"dataProcessing,omitempty"`
	// Communication offers a subscription; nil when disabled.
	Communication *CommunicationOffer `json:"communication,omitempty"`
}

// CookieBanner is the cookie consent banner.
type CookieBanner struct {
	Text   string         `json:"text"`
	Banner consent.Banner `json:"banner"`
}

// ProcessingNotice is the data-processing consent text.
type ProcessingNotice struct {
	Text             string        `json:"text"`
	Basis            consent.Basis `json:"basis"`
	PrivacyPolicyURL string        `json:"privacyPolicyUrl,omitempty"`
	// Required is true when the visitor must agree before chatting.
	Required bool `json:"required"`
}

// CommunicationOffer is the consent-to-communicate checkbox.
type CommunicationOffer struct {
	SubscriptionType string `json:"subscriptionType"`
	CheckboxLabel    string `json:"checkboxLabel"`
}

func (f *Flow) consentPrompt(identified bool) *ConsentPrompt {
	e := f.consent
	cookies := e.CookiesEnabled && !identified
	if !cookies && !e.ProcessingEnabled && !e.Communication {
		return nil
	}
	// The prompt and its parts in one allocation: every new conversation
	// gets one.
	all := &struct {
		p ConsentPrompt
		c CookieBanner
		d ProcessingNotice
		m CommunicationOffer
	}{}
	p := &all.p
	if cookies {
		all.c = CookieBanner{Text: e.CookieText, Banner: e.Banner}
		p.Cookies = &all.c
	}
	if e.ProcessingEnabled {
		all.d = ProcessingNotice{Text: e.ProcessingText, Basis: e.Basis, PrivacyPolicyURL: e.PrivacyPolicyURL, Required: e.Basis == consent.ExplicitConsent}
		p.DataProcessing = &all.d
	}
	if e.Communication {
		all.m = CommunicationOffer{SubscriptionType: e.SubscriptionType, CheckboxLabel: e.CheckboxLabel}
		p.Communication = &all.m
	}
	return p
}

// ConsentPolicy returns the flow's consent policy with defaults applied.
func (f *Flow) ConsentPolicy() consent.Effective { return f.consent }

// processingAllowed reports whether the visitor's data may be processed.
func processingAllowed(f *Flow, s *Session) bool {
	if !f.consent.ProcessingEnabled {
		return true
	}
	c := s.Consent
	if c == nil || c.Processing == "" {
		return f.consent.Basis == consent.LegitimateInterest
	}
	return c.Processing == consent.Granted
}

// record queues a consent record; it is stored when the turn is saved,
// with the contact the visitor is by then.
func (t *turn) record(r consent.Record) {
	if r.ID == "" {
		// One allocation: the key is built in a buffer on the stack.
		var buf [128]byte
		b := append(t.appendTurnKey(buf[:0]), '/')
		b = append(b, r.Kind...)
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(len(t.records)), 10)
		if t.cur != nil {
			b = append(b, '/')
			b = append(b, t.cur.def.Name...)
		}
		r.ID = string(b)
	}
	if r.TextHash == "" {
		r.TextHash = t.flow.textHash(r.Text)
	}
	if r.Time.IsZero() {
		r.Time = t.now
	}
	if r.Action == "" && t.cur != nil {
		r.Action = t.cur.def.Name
	}
	r.VisitorID, r.ConversationID = t.sess.ConversationID, t.sess.ConversationID
	r.ChatflowID, r.FlowVersion = t.flow.def.ID, t.flow.def.Version
	t.records = append(t.records, r)
	t.reply.Events = append(t.reply.Events, action.Event{Type: EventConsentRecorded, Time: t.now, Action: r.Action,
		Reason: consentReason(r.Kind, r.Choice)})
}

// consentReasons are the reasons of consent_recorded events for the known
// kinds and choices, made once.
var consentReasons = func() map[[2]string]string {
	m := make(map[[2]string]string)
	for _, k := range []consent.Kind{consent.Cookies, consent.DataProcessing, consent.Communication} {
		for _, c := range []consent.Choice{consent.Granted, consent.Refused, consent.Withdrawn} {
			m[[2]string{string(k), string(c)}] = string(k) + ": " + string(c)
		}
	}
	return m
}()

// consentReason is the reason of a consent_recorded event: "kind: choice".
func consentReason(k consent.Kind, c consent.Choice) string {
	if r, ok := consentReasons[[2]string{string(k), string(c)}]; ok {
		return r
	}
	return string(k) + ": " + string(c)
}

// RecordConsent implements action.Turn.
func (t *turn) RecordConsent(r consent.Record) { t.record(r) }

// ConsentDecision is a visitor's answer to a consent prompt, reported by
// the host.
type ConsentDecision struct {
	// ConversationID identifies the conversation.
	ConversationID string
	// Kind is what was decided on; Choice the decision.
	Kind   consent.Kind
	Choice consent.Choice
	// Time is when; zero means the engine's clock.
	Time time.Time
}

// Consent records a visitor's consent decision with the exact text of the
// session's flow version, and applies it: after a refusal of required
// processing consent the bot part ends with nothing of the visitor stored;
// after a withdrawal no further message is processed; consent to
// communicate subscribes the visitor (once they are a known contact).
func (e *Engine) Consent(ctx context.Context, d ConsentDecision) (*Reply, error) {
	switch d.Choice {
	case consent.Granted, consent.Refused, consent.Withdrawn:
	default:
		return nil, fmt.Errorf("%w: unknown consent choice %q", ErrInvalidInput, d.Choice)
	}
	now := e.now(d.Time)
	return e.withSession(ctx, d.ConversationID, func(s *Session, f *Flow) (*turn, error) {
		eff := f.consent
		var text string
		var basis consent.Basis
		switch d.Kind {
		case consent.Cookies:
			if !eff.CookiesEnabled {
				return nil, fmt.Errorf("%w: flow %s asks no cookie consent", ErrInvalidInput, f.def.ID)
			}
			text = eff.CookieText
		case consent.DataProcessing:
			if !eff.ProcessingEnabled {
				return nil, fmt.Errorf("%w: flow %s asks no data-processing consent", ErrInvalidInput, f.def.ID)
			}
			text, basis = eff.ProcessingText, eff.Basis
		case consent.Communication:
			if !eff.Communication {
				return nil, fmt.Errorf("%w: flow %s offers no subscription", ErrInvalidInput, f.def.ID)
			}
			text, basis = eff.CheckboxLabel, consent.ExplicitConsent
		default:
			return nil, fmt.Errorf("%w: unknown consent kind %q", ErrInvalidInput, d.Kind)
		}
		// The ID makes a retried report of the same decision a no-op.
		t := newTurn(ctx, e, f, s, now, "consent-"+string(d.Choice)+"-"+strconv.FormatInt(now.UnixNano(), 36))
		if s.Consent == nil {
			s.Consent = &ConsentState{}
		}
		t.record(consent.Record{Kind: d.Kind, Basis: basis, Text: text, Choice: d.Choice, SubscriptionType: eff.SubscriptionType})
		switch d.Kind {
		case consent.Cookies:
			s.Consent.Cookies = d.Choice
		case consent.DataProcessing:
			s.Consent.Processing = d.Choice
			switch {
			case d.Choice == consent.Refused && eff.Basis == consent.ExplicitConsent && !s.Status.Over():
				// Nothing of the visitor may be kept: only the refusal itself.
				s.Status, s.Position, s.ActionState = StatusEnded, "", nil
				s.dropPersonalData()
			case d.Choice == consent.Withdrawn:
				// No further message is processed, and what the visitor
				// said so far is not kept with the session either.
				s.ActionState = nil
				s.dropPersonalData()
			}
		case consent.Communication:
			s.Consent.Subscribe = ""
			if d.Choice == consent.Granted {
				s.Consent.Subscribe = eff.SubscriptionType
			} else if d.Choice == consent.Withdrawn {
				t.subscriptions = append(t.subscriptions, subscriptionChange{eff.SubscriptionType, store.OptedOut})
			}
		}
		return t, nil
	})
}

// withSession runs fn on a conversation's session under its lock and
// commits the turn fn returns. It is for calls that are not visitor
// messages: the latest message's reply stays as it was.
func (e *Engine) withSession(ctx context.Context, id string, fn func(*Session, *Flow) (*turn, error)) (*Reply, error) {
	if err := checkID("conversation ID", id); err != nil {
		return nil, err
	}
	lock, err := e.lockConversation(ctx, id)
	if err != nil {
		return nil, err
	}
	defer lock.release()
	rec, s, err := e.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := e.flush(ctx, s); err != nil {
		return nil, err
	}
	f, err := e.Flow(s.FlowID, s.FlowVersion)
	if err != nil {
		return nil, err
	}
	t, err := fn(s, f)
	if err != nil {
		return nil, err
	}
	t.notMessage = true
	return e.commit(ctx, t, rec.Version)
}

// ConsentHistory lists a contact's consent records, oldest first, for a
// data-subject access request.
func (e *Engine) ConsentHistory(ctx context.Context, contactID string) ([]consent.Record, error) {
	return e.consent.ForContact(ctx, contactID)
}

// ForgetRequest names whose personal data to erase.
type ForgetRequest struct {
	// ContactID is the contact to erase, if known.
	ContactID string
	// ConversationIDs are the visitor's conversations (their sessions and
	// the consent records made in them).
	ConversationIDs []string
}

// Forget erases a visitor's personal data across the stores (the right to
// be forgotten): their sessions and the consent records made in them and,
// when a contact is given, everything the stores keep by that contact —
// consent records, subscription states, list memberships, workflow
// enrollments, tickets — and last the contact record itself. Every store
// is attempted; the errors of those that failed are joined.
//
// A store that holds personal data but cannot erase it is reported rather
// than skipped: a Contacts store without store.ContactDeleter, or a
// Subscriptions, Lists, Workflows or Tickets store without
// store.Forgetter, adds an error matching ErrInvalidConfig that names the
// store (the other stores are still erased).
func (e *Engine) Forget(ctx context.Context, req ForgetRequest) error {
	var errs []error
	for _, id := range req.ConversationIDs {
		unlock, err := e.locker.Lock(ctx, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := e.sessions.Delete(ctx, id); err != nil {
			errs = append(errs, fmt.Errorf("engine: deleting session %s: %w", id, err))
		}
		if err := e.consent.Erase(ctx, id, ""); err != nil {
			errs = append(errs, fmt.Errorf("engine: erasing consent records of %s: %w", id, err))
		}
		unlock()
	}
	if req.ContactID == "" {
		return errors.Join(errs...)
	}
	if err := e.consent.Erase(ctx, "", req.ContactID); err != nil {
		errs = append(errs, fmt.Errorf("engine: erasing consent records of contact %s: %w", req.ContactID, err))
	}
	for _, s := range []struct {
		name  string
		store any
	}{
		{"Subscriptions", e.stores.Subscriptions},
		{"Lists", e.stores.Lists},
		{"Workflows", e.stores.Workflows},
		{"Tickets", e.stores.Tickets},
	} {
		if s.store == nil {
			continue // not configured: it holds nothing
		}
		f, ok := s.store.(store.Forgetter)
		if !ok {
			errs = append(errs, fmt.Errorf("%w: Stores.%s holds personal data but cannot erase it (it does not implement store.Forgetter)", ErrInvalidConfig, s.name))
			continue
		}
		if err := f.Forget(ctx, req.ContactID); err != nil {
			errs = append(errs, fmt.Errorf("engine: erasing contact %s from Stores.%s: %w", req.ContactID, s.name, err))
		}
	}
	if d, ok := e.contacts.(store.ContactDeleter); ok {
		if err := d.DeleteContact(ctx, req.ContactID); err != nil {
			errs = append(errs, fmt.Errorf("engine: deleting contact %s: %w", req.ContactID, err))
		}
	} else {
		errs = append(errs, fmt.Errorf("%w: Stores.Contacts holds personal data but cannot erase it (it does not implement store.ContactDeleter)", ErrInvalidConfig))
	}
	return errors.Join(errs...)
}
