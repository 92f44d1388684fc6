package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/action/catalog"
	"github.com/chatflow/chatflow/condition"
	"github.com/chatflow/chatflow/consent"
	"github.com/chatflow/chatflow/targeting"
)

type loader struct {
	e    *Engine
	f    *Flow
	errs []error
}

func (l *loader) fail(path, act, msg string, err error) {
	l.errs = append(l.errs, &condition.Error{Path: path, Action: act, Msg: msg, Err: err})
}

// add records the problems of err, whose paths are relative to base.
func (l *loader) add(err error, base, act string) {
	if err != nil {
		l.errs = append(l.errs, condition.WithPath(err, base, act))
	}
}

func (e *Engine) compile(def Definition) (*Flow, error) {
	l := &loader{e: e, f: &Flow{engine: e, def: def, index: make(map[string]int, len(def.Actions))}}
	f := l.f
	l.checkHeader()
	l.loadSchedules()
	wp := &provisioner{l: l}
	l.add(f.def.Welcome.Message.Compile(wp, "message"), "welcome", "")
	f.def.Actions = append([]ActionDef(nil), def.Actions...)
	for i := range f.def.Actions {
		l.decodeAction(i)
	}
	l.loadConsent()
	l.loadTargeting()
	l.loadOwnSettings()
	l.checkTexts()
	l.checkChannels()
	// Linking needs every action decoded; it runs even after other
	// problems, so that a dangling reference is reported with them. Graph
	// checks only make sense on a flow whose references all resolve.
	before := len(l.errs)
	l.link()
	l.linkRouteHours()
	if len(l.errs) == before && len(l.errs) == 0 {
		l.checkGraph()
	}
	if len(l.errs) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalidFlow, errors.Join(l.errs...))
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
			l.add(err, "consent", "")
			return
		}
		canon, _ := json.Marshal(p)
		l.f.def.Consent = canon
	}
	l.f.consent = p.Effective()
	l.localizeConsent(p)
	if l.f.consent.Communication && l.e.stores.Subscriptions == nil {
		l.fail("consent.communication", "", "consent to communicate needs a subscriptions store (Stores.Subscriptions), which the engine was not given", builtin.ErrMissingPort)
	}
}

// loadTargeting decodes and compiles the targeting and display sections.
func (l *loader) loadTargeting() {
	f := l.f
	if raw := f.def.Targeting; len(raw) > 0 && string(raw) != "null" {
		spec := new(targeting.Spec)
		if err := decodeStrict(raw, spec, "targeting"); err != nil {
			l.errs = append(l.errs, err)
		} else if rules, err := spec.Compile(l.e.schema); err != nil {
			l.add(err, "targeting", "")
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
			l.add(err, "display", "")
		} else {
			f.display = d
			f.def.Display, _ = json.Marshal(d)
		}
	}
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
	} else if o.MaxActionsPerTurn < 0 || o.MaxActionsPerTurn > MaxActionsPerTurnLimit {
		l.fail("options.maxActionsPerTurn", "", fmt.Sprintf("must be between 1 and %d, got %d", MaxActionsPerTurnLimit, o.MaxActionsPerTurn), nil)
	}
	if o.MaxAnswerLength == 0 {
		o.MaxAnswerLength = DefaultMaxAnswerLength
	} else if o.MaxAnswerLength < 0 || o.MaxAnswerLength > MaxAnswerLengthLimit {
		l.fail("options.maxAnswerLength", "", fmt.Sprintf("must be between 1 and %d characters, got %d", MaxAnswerLengthLimit, o.MaxAnswerLength), nil)
	}
	if o.GeneralErrorMessage == "" {
		o.GeneralErrorMessage = l.text(catalog.GeneralError)
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

func (l *loader) decodeAction(i int) {
	f := l.f
	ad := &f.def.Actions[i]
	path := "actions[" + strconv.Itoa(i) + "]"
	switch {
	case ad.Name == "":
		l.fail(path+".name", "", "missing action name", nil)
	case ad.Name == welcomeName:
		l.fail(path+".name", ad.Name, `the action name "welcome" is reserved`, nil)
	case reservedName(ad.Name):
		l.fail(path+".name", ad.Name, fmt.Sprintf("action names starting with %q are reserved", reservedPrefix), nil)
	default:
		if j, dup := f.index[ad.Name]; dup {
			l.fail(path+".name", ad.Name, fmt.Sprintf("action name %q is already used by actions[%d]", ad.Name, j), ErrDuplicateAction)
		} else {
			f.index[ad.Name] = i
		}
	}
	n := &node{def: ad, next: -1, onFailure: -1}
	f.nodes = append(f.nodes, n)
	for j, b := range ad.Branches {
		bp := path + ".branches[" + strconv.Itoa(j) + "]"
		c, err := l.e.env.Compile(b.If)
		if err != nil {
			for _, pe := range condition.Problems(err) {
				pe.Err = fmt.Errorf("%w: %w", ErrCondition, pe.Err)
			}
			l.add(err, bp+".if", ad.Name)
			continue
		}
		l.uses(c)
		if err := l.checkOpens(c); err != nil {
			l.add(err, bp+".if", ad.Name)
			continue
		}
		n.branches = append(n.branches, c)
	}
	typ, ok := l.e.types[ad.Type]
	if !ok {
		l.fail(path+".type", ad.Name, fmt.Sprintf("unknown action type %q (known: %s)", ad.Type, strings.Join(l.e.ActionTypes(), ", ")), ErrUnknownActionType)
		return
	}
	n.act = typ.New()
	settings := ad.Settings
	if len(settings) == 0 || string(settings) == "null" {
		settings = []byte("{}")
	}
	base := path + ".settings"
	if reflect.ValueOf(n.act).Kind() != reflect.Pointer {
		// A non-pointer action value cannot be decoded into: it has no settings.
		if string(bytes.TrimSpace(settings)) != "{}" {
			l.fail(base, ad.Name, fmt.Sprintf("action type %q takes no settings", ad.Type), nil)
			return
		}
	} else if err := decodeStrict(settings, n.act, base); err != nil {
		err.(*condition.Error).Action = ad.Name
		l.errs = append(l.errs, err)
		return
	}
	p := &provisioner{l: l, n: n}
	before := len(l.errs)
	l.add(compileMessages(p, reflect.ValueOf(n.act), ""), base, ad.Name)
	if pr, ok := n.act.(action.Provisioner); ok {
		l.addProvision(callProvision(pr, p), path, ad.Name)
	}
	if len(l.errs) > before {
		return
	}
	canon, err := json.Marshal(n.act)
	if err != nil {
		l.fail(base, ad.Name, "settings cannot be encoded: "+err.Error(), err)
		return
	}
	if string(canon) == "{}" {
		canon = nil
	}
	ad.Settings = canon
}

// addProvision records the problems Provision returned: paths are relative
// to the settings, and a missing store or port is reported at the type.
func (l *loader) addProvision(err error, path, act string) {
	if err == nil {
		return
	}
	probs := condition.Problems(err)
	if len(probs) == 0 {
		l.add(err, path+".settings", act)
		return
	}
	for _, pe := range probs {
		if pe.Path == "" && errors.Is(pe.Err, builtin.ErrMissingPort) {
			c := *pe
			c.Path, c.Action = path+".type", act
			l.errs = append(l.errs, &c)
			continue
		}
		l.add(pe, path+".settings", act)
	}
}

// callProvision runs an action's Provision, turning a panic into an error
// so that a faulty action type cannot take the host down at load time.
func callProvision(pr action.Provisioner, p *provisioner) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("provisioning panicked: %v", r)
		}
	}()
	return pr.Provision(p)
}

// uses notes whether a compiled condition or template reads `available`,
// so that turns of flows that never do need not ask for it.
func (l *loader) uses(x interface{ Uses(string) bool }) {
	if x.Uses("available") {
		l.f.usesAvailable = true
	}
}

// provisioner is the action.Provision of one action (n) or of the welcome
// message (n nil). Paths are relative to the settings; the loader prefixes
// them.
type provisioner struct {
	l *loader
	n *node
}

var _ action.Provision = (*provisioner)(nil)

func (p *provisioner) ActionName() string {
	if p.n == nil {
		return ""
	}
	return p.n.def.Name
}

func (p *provisioner) Language() string { return p.l.f.def.Language }

func (p *provisioner) ActionNames() []string {
	names := make([]string, 0, len(p.l.f.def.Actions))
	for _, ad := range p.l.f.def.Actions {
		if ad.Name != "" {
			names = append(names, ad.Name)
		}
	}
	return names
}

func (p *provisioner) Property(obj action.Object, name string) condition.PropertyDef {
	return p.l.e.schema.Def(string(obj), name)
}

func (p *provisioner) Template(path, text string) (*condition.Template, error) {
	t, err := p.l.e.env.CompileTemplate(text)
	if err != nil {
		return nil, condition.WithPath(err, path, "")
	}
	p.l.uses(t)
	if err := p.l.checkOpens(t); err != nil {
		return nil, condition.WithPath(err, path, "")
	}
	return t, nil
}

func (p *provisioner) Condition(path, expr string) (*condition.Condition, error) {
	c, err := p.l.e.env.Compile(expr)
	if err != nil {
		return nil, condition.WithPath(err, path, "")
	}
	p.l.uses(c)
	if err := p.l.checkOpens(c); err != nil {
		return nil, condition.WithPath(err, path, "")
	}
	return c, nil
}

func (p *provisioner) Errorf(path, format string, args ...any) error {
	cause := fmt.Errorf(format, args...)
	e := &condition.Error{Path: path, Msg: cause.Error()}
	if errors.Unwrap(cause) != nil {
		e.Err = cause
	}
	return e
}

func (p *provisioner) Reference(path, actionName string) {
	if p.n != nil {
		p.n.refs = append(p.n.refs, settingRef{path: path, name: actionName})
	}
}

func (p *provisioner) Waits() {
	if p.n != nil {
		p.n.waits = true
	}
}

func (p *provisioner) ChoosesNext() { p.l.f.dynamic = true }

func (p *provisioner) AcceptSignal(name string) {
	if p.n != nil && !slices.Contains(p.n.signals, name) {
		p.n.signals = append(p.n.signals, name)
	}
}

// messagesType is the type whose values the loader compiles in settings.
var messagesType = reflect.TypeFor[action.Messages]()

// holdsMessages caches, per type, whether a value of it can hold Messages.
var holdsMessages sync.Map // reflect.Type → bool

// mayHoldMessages reports whether a value of type t can hold Messages in an
// exported field, an element or a map value, at any depth.
func mayHoldMessages(t reflect.Type) bool {
	if v, ok := holdsMessages.Load(t); ok {
		return v.(bool)
	}
	holdsMessages.Store(t, false) // a recursive type is settled by its other fields
	found := false
	switch t.Kind() {
	case reflect.Slice:
		found = t == messagesType || mayHoldMessages(t.Elem())
	case reflect.Array, reflect.Pointer, reflect.Map:
		found = mayHoldMessages(t.Elem())
	case reflect.Struct:
		for i := 0; i < t.NumField() && !found; i++ {
			if f := t.Field(i); f.IsExported() || f.Anonymous {
				found = mayHoldMessages(f.Type)
			}
		}
	}
	holdsMessages.Store(t, found)
	return found
}

// compileMessages compiles every Messages value reachable from v through
// exported fields (named as in JSON), elements and map values, so that no
// message of an action's settings reaches a visitor as raw template text.
// path is the JSON path of v relative to the settings.
func compileMessages(p action.Provision, v reflect.Value, path string) error {
	if !v.IsValid() || !mayHoldMessages(v.Type()) {
		return nil
	}
	if v.Type() == messagesType {
		return v.Interface().(action.Messages).Compile(p, path)
	}
	var errs []error
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			errs = append(errs, compileMessages(p, v.Elem(), path))
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			errs = append(errs, compileMessages(p, v.Index(i), path+"["+strconv.Itoa(i)+"]"))
		}
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		for _, k := range keys {
			errs = append(errs, compileMessages(p, v.MapIndex(k), joinPath(path, fmt.Sprint(k))))
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() && !f.Anonymous {
				continue
			}
			name, embedded := jsonName(f)
			if name == "-" {
				continue
			}
			fp := path
			if !embedded {
				fp = joinPath(path, name)
			}
			errs = append(errs, compileMessages(p, v.Field(i), fp))
		}
	}
	return errors.Join(errs...)
}

// jsonName returns a struct field's name in JSON, and whether it is an
// embedded struct whose fields JSON flattens into the parent.
func jsonName(f reflect.StructField) (string, bool) {
	tag, hasTag := f.Tag.Lookup("json")
	name, _, _ := strings.Cut(tag, ",")
	if name == "" && f.Anonymous && (f.Type.Kind() == reflect.Struct || f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct) {
		return "", true
	}
	if !hasTag || name == "" {
		name = f.Name
	}
	return name, false
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
		for _, x := range n.refs {
			out = append(out, ref{i, joinPath(p+".settings", x.path), x.name})
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
	dynamic := f.dynamic
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
				f.warnings = append(f.warnings, &condition.Error{
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
	waits := func(i int) bool { return f.nodes[i].waits }
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
	l.warnLongRuns(refs)
}
