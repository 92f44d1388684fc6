package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/targeting"
)

// LoadOptions configure Load. The zero value uses the built-in action types
// and the default condition environment.
type LoadOptions struct {
	// Registry resolves action types; nil means action.DefaultRegistry().
	Registry *action.Registry
	// Env compiles conditions and templates; nil means DefaultEnv().
	Env *condition.Env
}

var defaultEnv = sync.OnceValues(func() (*condition.Env, error) { return condition.NewEnv() })

// DefaultEnv returns the condition environment used when none is given. It
// is built once and shared; it is immutable.
func DefaultEnv() (*condition.Env, error) { return defaultEnv() }

var defaultRegistry = sync.OnceValue(action.DefaultRegistry)

// Load decodes, validates and compiles a flow. Every problem is reported:
// the error joins *LoadError values (see Problems), each naming its JSON
// path and action. Problems that do not stop the flow from working, such as
// disconnected actions, are returned by Flow.Warnings instead.
func Load(data []byte, opts LoadOptions) (*Flow, error) {
	if opts.Registry == nil {
		opts.Registry = defaultRegistry()
	}
	if opts.Env == nil {
		env, err := DefaultEnv()
		if err != nil {
			return nil, err
		}
		opts.Env = env
	}
	var def Definition
	if err := decodeStrict(data, &def, ""); err != nil {
		return nil, err
	}
	return compile(def, opts)
}

// LoadDefinition validates and compiles a definition built in Go.
func LoadDefinition(def Definition, opts LoadOptions) (*Flow, error) {
	data, err := json.Marshal(def)
	if err != nil {
		return nil, fmt.Errorf("engine: encoding definition: %w", err)
	}
	return Load(data, opts)
}

type loader struct {
	opts LoadOptions
	f    *Flow
	errs []error
}

func (l *loader) fail(path, act, msg string, err error) {
	l.errs = append(l.errs, &LoadError{Path: path, Action: act, Msg: msg, Err: err})
}

func compile(def Definition, opts LoadOptions) (*Flow, error) {
	l := &loader{opts: opts, f: &Flow{def: def, index: make(map[string]int, len(def.Actions))}}
	f := l.f
	l.checkHeader()
	prov := &action.Provision{Env: opts.Env, Language: f.def.Language}
	if err := f.def.Welcome.Message.Provision(prov, "welcome.message"); err != nil {
		l.settingError("", "", err)
	}
	f.def.Actions = append([]ActionDef(nil), def.Actions...)
	for i := range f.def.Actions {
		l.decodeAction(i, prov)
	}
	l.loadConsent()
	l.loadTargeting()
	if len(l.errs) == 0 {
		l.link()
	}
	if len(l.errs) == 0 {
		l.checkGraph()
	}
	// Conservative: any mention in a branch, a template or the welcome
	// message counts (templates live in the canonical settings).
	for _, ad := range f.def.Actions {
		hit := strings.Contains(string(ad.Settings), "available")
		for _, b := range ad.Branches {
			hit = hit || strings.Contains(b.If, "available")
		}
		f.usesAvailable = f.usesAvailable || hit
	}
	for _, b := range f.def.Welcome.Message {
		f.usesAvailable = f.usesAvailable || strings.Contains(b.Text, "available")
	}
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	return f, nil
}

// loadConsent decodes and checks the consent section.
func (l *loader) loadConsent() {
	raw := l.f.def.Consent
	var p *consent.Policy
	if len(raw) > 0 && string(raw) != "null" {
		p = new(consent.Policy)
		if err := decodeStrict(raw, p, "consent"); err != nil {
			l.errs = append(l.errs, err)
			return
		}
		if err := p.Validate(); err != nil {
			for _, e := range unjoin(err) {
				var ce *consent.Error
				if errors.As(e, &ce) {
					l.fail("consent."+ce.Path, "", ce.Msg, e)
				}
			}
			return
		}
		canon, _ := json.Marshal(p)
		l.f.def.Consent = canon
	}
	l.f.consent = p.Effective()
}

// loadTargeting decodes and compiles the targeting and display sections.
func (l *loader) loadTargeting() {
	f := l.f
	if raw := f.def.Targeting; len(raw) > 0 && string(raw) != "null" {
		spec := new(targeting.Spec)
		if err := decodeStrict(raw, spec, "targeting"); err != nil {
			l.errs = append(l.errs, err)
		} else if rules, err := spec.Compile(); err != nil {
			l.sectionErrors("targeting", err)
		} else {
			f.targeting = rules
			f.def.Targeting, _ = json.Marshal(spec)
		}
	}
	if raw := f.def.Display; len(raw) > 0 && string(raw) != "null" {
		d := new(targeting.Display)
		if err := decodeStrict(raw, d, "display"); err != nil {
			l.errs = append(l.errs, err)
		} else if err := d.Validate(); err != nil {
			l.sectionErrors("display", err)
		} else {
			f.display = d
			f.def.Display, _ = json.Marshal(d)
		}
	}
}

// sectionErrors records the *targeting.Error values of a section.
func (l *loader) sectionErrors(section string, err error) {
	for _, e := range unjoin(err) {
		var te *targeting.Error
		if errors.As(e, &te) {
			l.fail(joinPath(section, te.Path), "", te.Msg, e)
		} else {
			l.fail(section, "", e.Error(), e)
		}
	}
}

// unjoin splits an errors.Join result.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func (l *loader) checkHeader() {
	d := &l.f.def
	if strings.TrimSpace(d.ID) == "" {
		l.fail("id", "", "missing flow id", nil)
	}
	if d.Version < 1 {
		l.fail("version", "", fmt.Sprintf("version must be 1 or more, got %d", d.Version), nil)
	}
	if d.Language == "" {
		d.Language = DefaultLanguage
	}
	if len(d.Welcome.Message) == 0 {
		l.fail("welcome.message", "", "the welcome message needs at least one bubble", nil)
	}
	if len(d.Actions) == 0 {
		l.fail("actions", "", "a flow needs at least one action", nil)
	}
	o := &d.Options
	if o.SessionTimeout == 0 {
		o.SessionTimeout = Duration(DefaultSessionTimeout)
	}
	if o.MaxActionsPerTurn == 0 {
		o.MaxActionsPerTurn = DefaultMaxActionsPerTurn
	} else if o.MaxActionsPerTurn < 0 {
		l.fail("options.maxActionsPerTurn", "", "must be positive", nil)
	}
	if o.MaxAnswerLength == 0 {
		o.MaxAnswerLength = DefaultMaxAnswerLength
	} else if o.MaxAnswerLength < 0 {
		l.fail("options.maxAnswerLength", "", "must be positive", nil)
	}
	if o.GeneralErrorMessage == "" {
		o.GeneralErrorMessage = DefaultGeneralErrorMessage
	}
	if o.PhoneRegion != "" && (len(o.PhoneRegion) != 2 || strings.ToUpper(o.PhoneRegion) != o.PhoneRegion) {
		l.fail("options.phoneRegion", "", fmt.Sprintf("%q is not a two-letter upper-case region code", o.PhoneRegion), nil)
	}
	for i, q := range d.Welcome.QuickReplies {
		if q.Value == "" {
			l.fail("welcome.quickReplies["+strconv.Itoa(i)+"].value", "", "empty quick reply value", nil)
		}
	}
}

// settingError records an error from an action's Provision step.
func (l *loader) settingError(base, act string, err error) {
	var se *action.SettingError
	if errors.As(err, &se) {
		l.fail(joinPath(base, se.Path), act, se.Err.Error(), se.Err)
		return
	}
	l.fail(base, act, err.Error(), err)
}

func (l *loader) decodeAction(i int, prov *action.Provision) {
	f := l.f
	ad := &f.def.Actions[i]
	path := "actions[" + strconv.Itoa(i) + "]"
	switch {
	case ad.Name == "":
		l.fail(path+".name", "", "missing action name", nil)
	case ad.Name == welcomeName:
		l.fail(path+".name", ad.Name, `the action name "welcome" is reserved`, nil)
	default:
		if j, dup := f.index[ad.Name]; dup {
			l.fail(path+".name", ad.Name, fmt.Sprintf("action name %q is already used by actions[%d]", ad.Name, j), ErrDuplicateAction)
		} else {
			f.index[ad.Name] = i
		}
	}
	n := &node{def: ad, next: -1, onFailure: -1}
	f.nodes = append(f.nodes, n)
	typ, ok := l.opts.Registry.Lookup(ad.Type)
	if !ok {
		l.fail(path+".type", ad.Name, fmt.Sprintf("unknown action type %q (known: %s)", ad.Type, strings.Join(l.opts.Registry.Names(), ", ")), ErrUnknownActionType)
		return
	}
	n.typ = typ
	n.act = typ.New()
	settings := ad.Settings
	if len(settings) == 0 || string(settings) == "null" {
		settings = []byte("{}")
	}
	if reflect.ValueOf(n.act).Kind() != reflect.Pointer {
		// A non-pointer action value cannot be decoded into: it has no settings.
		if string(bytes.TrimSpace(settings)) != "{}" {
			l.fail(path+".settings", ad.Name, fmt.Sprintf("action type %q takes no settings", ad.Type), nil)
			return
		}
	} else if err := decodeStrict(settings, n.act, path+".settings"); err != nil {
		le := err.(*LoadError)
		le.Action = ad.Name
		l.errs = append(l.errs, le)
		return
	}
	if p, ok := n.act.(action.Provisioner); ok {
		ap := *prov
		ap.ActionName = ad.Name
		if err := p.Provision(&ap); err != nil {
			l.settingError(path+".settings", ad.Name, err)
			return
		}
	}
	canon, err := json.Marshal(n.act)
	if err != nil {
		l.fail(path+".settings", ad.Name, "settings cannot be encoded: "+err.Error(), err)
		return
	}
	if string(canon) == "{}" {
		canon = nil
	}
	ad.Settings = canon
	for j, b := range ad.Branches {
		bp := path + ".branches[" + strconv.Itoa(j) + "]"
		c, err := l.opts.Env.Compile(b.If)
		if err != nil {
			l.fail(bp+".if", ad.Name, err.Error(), errors.Join(ErrCondition, err))
			continue
		}
		n.branches = append(n.branches, c)
	}
}

// ref is an edge of the flow graph: a path in the JSON that names an action.
type ref struct {
	from int // index of the referring action, -1 for the welcome message
	path string
	name string
}

func (f *Flow) references() []ref {
	var out []ref
	for i, q := range f.def.Welcome.QuickReplies {
		if q.Next != "" {
			out = append(out, ref{-1, "welcome.quickReplies[" + strconv.Itoa(i) + "].next", q.Next})
		}
	}
	for i, n := range f.nodes {
		p := "actions[" + strconv.Itoa(i) + "]"
		if n.def.Next != "" {
			out = append(out, ref{i, p + ".next", n.def.Next})
		}
		if n.def.OnFailure != "" {
			out = append(out, ref{i, p + ".onFailure", n.def.OnFailure})
		}
		for j, b := range n.def.Branches {
			out = append(out, ref{i, p + ".branches[" + strconv.Itoa(j) + "].then", b.Then})
		}
		if r, ok := n.act.(action.Referrer); ok {
			for _, x := range r.References() {
				out = append(out, ref{i, joinPath(p+".settings", x.Path), x.Name})
			}
		}
	}
	return out
}

// link resolves next and failure indexes and checks every reference.
func (l *loader) link() {
	f := l.f
	for _, r := range f.references() {
		if _, ok := f.index[r.name]; !ok {
			act := ""
			if r.from >= 0 {
				act = f.nodes[r.from].def.Name
			}
			l.fail(r.path, act, fmt.Sprintf("no action named %q", r.name), ErrDanglingReference)
		}
	}
	for i, n := range f.nodes {
		switch {
		case n.def.Next != "":
			n.next = f.index[n.def.Next]
			if n.def.End {
				l.fail("actions["+strconv.Itoa(i)+"].end", n.def.Name, "an action cannot have both next and end", nil)
			}
		case !n.def.End && i+1 < len(f.nodes):
			n.next = i + 1
		}
		if n.def.OnFailure != "" {
			n.onFailure = f.index[n.def.OnFailure]
		}
	}
}

// edges returns the actions that may follow action i.
func (f *Flow) edges(i int, refs []ref) []int {
	var out []int
	if n := f.nodes[i]; n.next >= 0 {
		out = append(out, n.next)
	}
	for _, r := range refs {
		if r.from == i {
			out = append(out, f.index[r.name])
		}
	}
	return out
}

// checkGraph warns about disconnected actions and rejects loops that can
// run without waiting for the visitor.
func (l *loader) checkGraph() {
	f := l.f
	refs := f.references()
	dynamic := false
	for _, n := range f.nodes {
		if d, ok := n.act.(action.DynamicNext); ok && d.ChoosesNext() {
			dynamic = true
		}
	}
	reached := make([]bool, len(f.nodes))
	stack := []int{0}
	for _, r := range refs {
		if r.from == -1 {
			stack = append(stack, f.index[r.name])
		}
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if reached[i] {
			continue
		}
		reached[i] = true
		stack = append(stack, f.edges(i, refs)...)
	}
	if !dynamic {
		for i, ok := range reached {
			if !ok {
				f.warnings = append(f.warnings, &LoadError{
					Path: "actions[" + strconv.Itoa(i) + "]", Action: f.nodes[i].def.Name,
					Msg: "disconnected action: nothing leads to it", Err: ErrUnreachable,
				})
			}
		}
	}
	// A loop is a cycle through actions none of which always waits.
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(f.nodes))
	waits := func(i int) bool {
		b, ok := f.nodes[i].act.(action.Blocker)
		return ok && b.AlwaysWaits()
	}
	var path []int
	var visit func(i int) bool
	visit = func(i int) bool {
		color[i] = grey
		path = append(path, i)
		for _, j := range f.edges(i, refs) {
			if waits(j) {
				continue
			}
			if color[j] == grey {
				var names []string
				start := 0
				for k, p := range path {
					if p == j {
						start = k
					}
				}
				for _, p := range path[start:] {
					names = append(names, f.nodes[p].def.Name)
				}
				names = append(names, f.nodes[j].def.Name)
				l.fail("actions["+strconv.Itoa(j)+"]", f.nodes[j].def.Name,
					"these actions can repeat without waiting for the visitor: "+strings.Join(names, " → "), ErrLoop)
				return true
			}
			if color[j] == white && visit(j) {
				return true
			}
		}
		path = path[:len(path)-1]
		color[i] = black
		return false
	}
	for i := range f.nodes {
		if color[i] == white && !waits(i) {
			if visit(i) {
				return
			}
		}
	}
}
