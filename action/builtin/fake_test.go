package builtin

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/catalog"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/store"
	must "github.com/stretchr/testify/require"
)

// This file holds the fakes shared by the tests of the built-in actions: a
// Turn that records what an action does to the conversation, a Provision
// that records what an action declares at load time, and load, which
// prepares an action from flow JSON settings as the engine's loader does.

// testEnv is the condition environment of the tests, built once: building
// one is not cheap.
var testEnv = sync.OnceValues(func() (*condition.Env, error) {
	return condition.NewEnv(condition.EnvConfig{})
})

// testStart is when the conversations of the tests start.
var testStart = time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)

// propertyWrite is one Turn.SetProperty call that succeeded.
type propertyWrite struct {
	Object      action.Object
	Name, Value string
}

// fakeTurn is an action.Turn that records what the action says and
// changes. Its zero value is usable; newFakeTurn gives a known contact
// with a company in a conversation under way.
type fakeTurn struct {
	// What the action sees.
	session    action.Session
	input      action.Input
	contact    store.Properties
	company    store.Properties
	hasCompany bool
	answers    map[string]string // earlier actions' answers, by action name
	idemKey    string
	// setPropertyErr, if set, fails every SetProperty call.
	setPropertyErr error

	// What the action did.
	bubbles  []action.Bubble // every bubble said, as given to Say
	said     []string        // the same bubbles, rendered
	prompts  int             // how many times Prompt was called
	quick    []action.QuickReply
	freeText bool
	answer   *string // the last SetAnswer value
	state    []byte
	writes   []propertyWrite
	consents []consent.Record
	events   []action.Event
}

// newFakeTurn returns a turn of action "lookup" in conversation "conv-1"
// of flow "support-bot", two minutes after the conversation started, with
// the visitor (contact c-42, Ada) asking where their order is.
func newFakeTurn() *fakeTurn {
	now := testStart.Add(2 * time.Minute)
	return &fakeTurn{
		session: action.Session{
			ConversationID:    "conv-1",
			FlowID:            "support-bot",
			FlowVersion:       1,
			ActionName:        "lookup",
			Channel:           "chat",
			Language:          "en",
			PhoneRegion:       "US",
			ContactID:         "c-42",
			Now:               now,
			StartedAt:         testStart,
			LastInteractionAt: now.Add(-time.Minute),
		},
		input:      action.Input{Text: "Where is my order?", MessageID: "m1", Time: now},
		contact:    store.Properties{"firstname": "Ada", "email": "ada@example.com"},
		company:    store.Properties{"name": "Analytical Engines"},
		hasCompany: true,
		answers:    map[string]string{},
		idemKey:    "conv-1/m1/lookup",
	}
}

var _ action.Turn = (*fakeTurn)(nil)

func (t *fakeTurn) Session() action.Session { return t.session }
func (t *fakeTurn) Input() action.Input     { return t.input }

// Say records the bubbles and their text as the visitor would read it:
// compiled bubbles rendered, bubbles built at run time as they are.
func (t *fakeTurn) Say(m action.Messages) {
	for i := range m {
		b := m[i]
		t.bubbles = append(t.bubbles, b)
		if tm := b.Template(); tm != nil {
			t.said = append(t.said, t.Render(tm))
		} else {
			t.said = append(t.said, b.Text)
		}
	}
}

func (t *fakeTurn) Prompt(qrs []action.QuickReply, freeText bool) {
	t.prompts++
	t.quick, t.freeText = qrs, freeText
}

// Render renders against the contact, company, answers and current answer.
func (t *fakeTurn) Render(tm *condition.Template) string {
	v := &condition.Vars{
		Contact: propsMap(t.contact),
		Company: propsMap(t.company),
		Answers: condition.Map{},
		Now:     t.session.Now,
	}
	for k, a := range t.answers {
		v.Answers.(condition.Map)[k] = a
	}
	if t.answer != nil {
		v.Answer = *t.answer
	}
	return tm.Render(v)
}

func propsMap(p store.Properties) condition.Map {
	m := condition.Map{}
	for k, v := range p {
		m[k] = v
	}
	return m
}

func (t *fakeTurn) props(obj action.Object) store.Properties {
	if obj == action.CompanyObject {
		return t.company
	}
	return t.contact
}

func (t *fakeTurn) Property(obj action.Object, name string) (string, bool) {
	v := t.props(obj)[name]
	return v, v != ""
}

func (t *fakeTurn) Properties(obj action.Object) store.Properties {
	if p := t.props(obj).Clone(); p != nil {
		return p
	}
	return store.Properties{}
}

func (t *fakeTurn) SetProperty(obj action.Object, name, value string) error {
	if t.setPropertyErr != nil {
		return t.setPropertyErr
	}
	if obj == action.CompanyObject && !t.hasCompany {
		return errors.New("fake turn: the contact has no company")
	}
	switch obj {
	case action.CompanyObject:
		if t.company == nil {
			t.company = store.Properties{}
		}
		t.company[name] = value
	default:
		if t.contact == nil {
			t.contact = store.Properties{}
		}
		t.contact[name] = value
	}
	t.writes = append(t.writes, propertyWrite{obj, name, value})
	return nil
}

func (t *fakeTurn) HasCompany() bool { return t.hasCompany }

func (t *fakeTurn) Answer(actionName string) (string, bool) {
	a, ok := t.answers[actionName]
	return a, ok
}

func (t *fakeTurn) SetAnswer(value string) {
	t.answer = &value
	if t.answers == nil {
		t.answers = map[string]string{}
	}
	if t.session.ActionName != "" {
		t.answers[t.session.ActionName] = value
	}
}

func (t *fakeTurn) State() []byte     { return t.state }
func (t *fakeTurn) SetState(b []byte) { t.state = b }

func (t *fakeTurn) SetCustomState(s json.RawMessage) { t.session.CustomState = s }

func (t *fakeTurn) IdempotencyKey() string         { return t.idemKey }
func (t *fakeTurn) RecordConsent(r consent.Record) { t.consents = append(t.consents, r) }
func (t *fakeTurn) Emit(e action.Event)            { t.events = append(t.events, e) }

// texts returns what was said, a bubble with a URL as "text <url>".
func (t *fakeTurn) texts() []string {
	out := make([]string, len(t.bubbles))
	for i, b := range t.bubbles {
		out[i] = t.said[i]
		if b.URL != "" {
			out[i] += " <" + b.URL + ">"
		}
	}
	return out
}

// clearOutput forgets what was said, prompted and emitted, as between two
// turns.
func (t *fakeTurn) clearOutput() {
	t.bubbles, t.said, t.events = nil, nil, nil
	t.prompts, t.quick, t.freeText = 0, nil, false
}

// fakeProvision is an action.Provision that records what the action
// declares.
// flowActions are the other actions of the flow a fake provision loads
// into: the names the tests' responses may lead to ("nowhere" is not one).
var flowActions = []string{"thanks", "track", "ignored"}

type fakeProvision struct {
	name  string
	lang  string
	env   *condition.Env
	props map[string]condition.PropertyDef // by "contact.name" or "company.name"
	// actions are the flow's action names; nil means flowActions.
	actions []string

	refs        map[string]string // action names referenced, by path
	waits       bool
	choosesNext bool
	signals     []string
}

func newFakeProvision(t *testing.T, name string) *fakeProvision {
	t.Helper()
	env, err := testEnv()
	must.NoError(t, err)
	return &fakeProvision{name: name, lang: "en", env: env, props: map[string]condition.PropertyDef{}, refs: map[string]string{}}
}

var _ action.Provision = (*fakeProvision)(nil)

func (p *fakeProvision) ActionName() string { return p.name }

func (p *fakeProvision) ActionNames() []string {
	if p.actions == nil {
		return append([]string{p.name}, flowActions...)
	}
	return p.actions
}
func (p *fakeProvision) Language() string { return p.lang }

func (p *fakeProvision) Text(k catalog.Key) string { return catalog.Text(p.lang, k) }

func (p *fakeProvision) Property(obj action.Object, name string) condition.PropertyDef {
	return p.props[string(obj)+"."+name]
}

func (p *fakeProvision) Template(path, text string) (*condition.Template, error) {
	tm, err := p.env.CompileTemplate(text)
	if err != nil {
		return nil, condition.WithPath(err, path, p.name)
	}
	return tm, nil
}

func (p *fakeProvision) Condition(path, expr string) (*condition.Condition, error) {
	c, err := p.env.Compile(expr)
	if err != nil {
		return nil, condition.WithPath(err, path, p.name)
	}
	return c, nil
}

// Errorf returns a *condition.Error at path whose Err is the error wrapped
// with %w, if any.
func (p *fakeProvision) Errorf(path, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	var cause error
	switch w := err.(type) {
	case interface{ Unwrap() error }:
		cause = w.Unwrap()
	case interface{ Unwrap() []error }:
		cause = err
	}
	return &condition.Error{Path: path, Action: p.name, Msg: err.Error(), Err: cause}
}

func (p *fakeProvision) Reference(path, actionName string) { p.refs[path] = actionName }
func (p *fakeProvision) Waits()                            { p.waits = true }
func (p *fakeProvision) ChoosesNext()                      { p.choosesNext = true }
func (p *fakeProvision) AcceptSignal(name string)          { p.signals = append(p.signals, name) }

var messagesType = reflect.TypeFor[action.Messages]()

// compileMessages compiles every Messages field of the settings in v (a
// pointer to an action's struct), at any depth, as the loader does before
// Provision.
func compileMessages(p action.Provision, v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return compileMessages(p, v.Elem(), path)
	case reflect.Slice, reflect.Array:
		if v.Type() == messagesType {
			if v.Len() == 0 {
				return nil
			}
			return v.Interface().(action.Messages).Compile(p, path)
		}
		for i := 0; i < v.Len(); i++ {
			if err := compileMessages(p, v.Index(i), path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if tag == "-" {
				continue
			}
			fp := path
			if !f.Anonymous || tag != "" {
				if tag == "" {
					tag = f.Name
				}
				fp = joinJSONPath(path, tag)
			}
			if err := compileMessages(p, v.Field(i), fp); err != nil {
				return err
			}
		}
	}
	return nil
}

func joinJSONPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// load prepares an action of the named type from settings JSON as the
// engine's loader does: a fresh action from Types(stores, ports), strict
// decoding, the Messages fields compiled, then Provision. It fails the
// test when the type is unknown or the settings do not decode; the error
// returned is the compilation's or Provision's.
func load(t *testing.T, typ, settings string, stores store.Stores, ports Ports) (action.Action, *fakeProvision, error) {
	t.Helper()
	var a action.Action
	for _, ty := range Types(stores, ports) {
		if ty.Name == typ {
			a = ty.New()
		}
	}
	must.NotNil(t, a, "no built-in type %q", typ)
	dec := json.NewDecoder(strings.NewReader(settings))
	dec.DisallowUnknownFields()
	must.NoError(t, dec.Decode(a), "settings %s", settings)
	p := newFakeProvision(t, "lookup")
	if err := compileMessages(p, reflect.ValueOf(a), ""); err != nil {
		return a, p, err
	}
	if pr, ok := a.(action.Provisioner); ok {
		if err := pr.Provision(p); err != nil {
			return a, p, err
		}
	}
	return a, p, nil
}

// mustLoad is load for settings that must load, returning the action as
// its concrete type.
func mustLoad[T action.Action](t *testing.T, typ, settings string, stores store.Stores, ports Ports) (T, *fakeProvision) {
	t.Helper()
	a, p, err := load(t, typ, settings, stores, ports)
	must.NoError(t, err, "settings %s", settings)
	got, ok := a.(T)
	must.True(t, ok, "type %q makes a %T", typ, a)
	return got, p
}

// problem returns the one *condition.Error in err.
func problem(t *testing.T, err error) *condition.Error {
	t.Helper()
	must.Error(t, err)
	ps := condition.Problems(err)
	must.Len(t, ps, 1, "error: %v", err)
	return ps[0]
}
