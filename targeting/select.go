package targeting

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chatflow/chatflow/targeting/availability"
)

// DefaultOpenFragment is the URL fragment that opens the chat at once
// (https://example.com/pricing#hs-chat-open) when Request.OpenFragment is
// empty.
const DefaultOpenFragment = "hs-chat-open"

// ErrNoAvailability is returned (wrapped) by Select when the chosen chatflow
// shows only while its team is available and Request.Available is nil.
var ErrNoAvailability = errors.New("targeting: no availability callback")

// PageView is one page a visitor is looking at. The zero PageView is a page
// with an empty URL on an unknown device.
type PageView struct {
	// URL is the page's absolute URL, as the browser shows it. A URL that
	// starts with "/" is taken as a path without a host.
	URL string
	// Device is the visitor's device type; "" is unknown.
	Device Device
}

// Candidate is one chatflow competing for a page view. A nil Rules shows
// the chatflow on all pages to every visitor, always.
type Candidate struct {
	// ID identifies the chatflow to the host; Select does not interpret it.
	ID string
	// Rules are the chatflow's compiled targeting.
	Rules *Rules
	// Disabled marks a chatflow that is switched off: Select never
	// chooses it (engine.Engine.Candidates sets it).
	Disabled bool
}

// AvailabilityFunc reports whether the team of a chatflow is available now.
// Its shape is that of the engine's availability callback, so a host can
// use one function for both. ChannelAvailability builds one on package
// availability.
type AvailabilityFunc func(ctx context.Context, chatflowID string) (bool, error)

// ChannelAvailability returns an AvailabilityFunc that answers with the
// chat channel of each chatflow: channels[id].Available(ctx, dir, now()).
// A chatflow without an entry counts as available (the zero Channel is
// 24/7). The map must not be modified while the function is in use.
func ChannelAvailability(dir availability.Directory, channels map[string]availability.Channel, now func() time.Time) AvailabilityFunc {
	return func(ctx context.Context, id string) (bool, error) {
		ch, ok := channels[id]
		if !ok {
			return true, nil
		}
		return ch.Available(ctx, dir, now())
	}
}

// Request is the input of Select besides the candidates. The zero Request
// is a page view with an empty URL, an unknown visitor and no availability
// callback.
type Request struct {
	// View is the page being viewed.
	View PageView
	// Visitor returns the visitor, lazily; nil means an unknown visitor.
	Visitor VisitorFunc
	// Available is asked about the chosen chatflow when it shows only
	// while its team is available. It is required in that case.
	Available AvailabilityFunc
	// OpenFragment is the fragment name that opens the chat at once;
	// "" means DefaultOpenFragment.
	OpenFragment string
	// Explain asks for an Explanation of every candidate that is not
	// chosen. It costs time and memory, and it may fetch the visitor for
	// a candidate that ranks below the chosen one.
	Explain bool
}

// Decision is what Select chose. The zero Decision chose nothing.
type Decision struct {
	// Chosen is the highest-priority candidate whose targeting (page and
	// visitor rules) matches, pointing into the slice given to Select;
	// nil if none matches.
	Chosen *Candidate
	// Hidden reports that Chosen shows only while its team is available and
	// the team is not: the host shows no chatflow. Lower-priority
	// candidates are not tried, because priority does not look at
	// availability.
	Hidden bool
	// OpenNow reports that the page URL's fragment is the open-at-once
	// fragment: the host should open the chat straight away.
	OpenNow bool
	// Explanations, when Request.Explain is set, say for every candidate
	// other than Chosen why it is not shown, in candidate order.
	Explanations []Explanation
}

// Shown returns the chatflow to show: Chosen unless it is Hidden, else nil.
func (d Decision) Shown() *Candidate {
	if d.Hidden {
		return nil
	}
	return d.Chosen
}

// Outcome classifies why a candidate is not shown. The zero value is not
// used by Select.
type Outcome uint8

const (
	// NotOnPage: none of the candidate's page rules matches the URL.
	NotOnPage Outcome = iota + 1
	// Excluded: an exclusion rule matches.
	Excluded
	// WrongAudience: the visitor is known and the audience is unknown
	// visitors, or the other way round.
	WrongAudience
	// NoFilterGroup: no filter group matches the visitor.
	NoFilterGroup
	// Outranked: the candidate matches, but a higher-priority one was
	// chosen.
	Outranked
	// Disabled: the chatflow is switched off (Candidate.Disabled).
	Disabled
	// ExcludedVisitor: a visitor exclusion group matches the visitor
	// (VisitorRules.ExclusionGroups).
	ExcludedVisitor
)

var outcomeNames = [...]string{"", "not_on_page", "excluded", "wrong_audience", "no_filter_group", "outranked", "disabled", "excluded_visitor"}

// String returns the outcome's name, such as "excluded".
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) && o != 0 {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// Explanation says why one candidate is not shown, in words a host can show
// to the person who configures chatflows.
type Explanation struct {
	// ID is the candidate's ID.
	ID string
	// Index is the candidate's position in the slice given to Select.
	Index int
	// Outcome classifies the reason.
	Outcome Outcome
	// Rule is the JSON path of the deciding rule inside the targeting
	// section, such as "exclusionRules[1]"; "" when no single rule decided.
	Rule string
	// Reason is a sentence such as
	// `excluded by exclusionRules[1]: URL contains "/privacy"`.
	Reason string
}

// Select chooses the chatflow to show for one page view: the first of cands
// (in priority order) whose page rules and visitor rules match. It parses the
// page URL once, evaluates the page rules of each candidate before anything
// else, and calls req.Visitor at most once, only when some candidate's page
// rules pass and it has visitor rules. If the chosen chatflow shows only
// while its team is available, req.Available is asked about it alone; when
// the team is unavailable the decision is Hidden and no lower-priority
// chatflow is tried (SPEC: priority does not look at availability).
//
// Errors from req.Visitor and req.Available are returned, wrapped. Select
// keeps no state; it is safe to call concurrently, and cands is only read.
func Select(ctx context.Context, cands []Candidate, req Request) (Decision, error) {
	p := newPage(req.View)
	frag := req.OpenFragment
	if frag == "" {
		frag = DefaultOpenFragment
	}
	d := Decision{OpenNow: p.u.fragment == frag}
	vs := visitorState{fn: req.Visitor}
	if req.Explain && len(cands) > 1 {
		d.Explanations = make([]Explanation, 0, len(cands)-1)
	}
	var outranked string // the reason shared by every candidate outranked by Chosen
	for i := range cands {
		c := &cands[i]
		if c.Disabled {
			if req.Explain {
				d.Explanations = append(d.Explanations, Explanation{ID: c.ID, Index: i, Outcome: Disabled, Reason: "the chatflow is switched off"})
			}
			continue
		}
		if req.Explain {
			e, ok, err := c.Rules.explain(ctx, &p, &vs)
			if err != nil {
				return Decision{}, err
			}
			switch {
			case ok && d.Chosen == nil:
				d.Chosen = c
				continue
			case ok:
				if outranked == "" {
					outranked = fmt.Sprintf("matches, but %q has higher priority", d.Chosen.ID)
				}
				e = Explanation{Outcome: Outranked, Reason: outranked}
			}
			e.ID, e.Index = c.ID, i
			d.Explanations = append(d.Explanations, e)
			continue
		}
		ok, err := c.Rules.match(ctx, &p, &vs)
		if err != nil {
			return Decision{}, err
		}
		if ok {
			d.Chosen = c
			break
		}
	}
	if d.Chosen != nil && d.Chosen.Rules.NeedsAvailability() {
		if req.Available == nil {
			return Decision{}, fmt.Errorf("%w: chatflow %q shows only when its team is available", ErrNoAvailability, d.Chosen.ID)
		}
		avail, err := req.Available(ctx, d.Chosen.ID)
		if err != nil {
			return Decision{}, fmt.Errorf("targeting: availability of chatflow %q: %w", d.Chosen.ID, err)
		}
		d.Hidden = !avail
	}
	return d, nil
}

// errVisitor wraps a VisitorFunc failure.
func errVisitor(err error) error { return fmt.Errorf("targeting: visitor: %w", err) }

// pagePass reports whether the page rules let the page through.
func (r *Rules) pagePass(p *page) bool {
	if len(r.include) > 0 {
		in := false
		for i := range r.include {
			if r.include[i].match(p) {
				in = true
				break
			}
		}
		if !in {
			return false
		}
	}
	for i := range r.exclude {
		if r.exclude[i].match(p) {
			return false
		}
	}
	return true
}

// match reports whether the rules match the page and visitor.
func (r *Rules) match(ctx context.Context, p *page, vs *visitorState) (bool, error) {
	if r == nil {
		return true, nil
	}
	if !r.pagePass(p) {
		return false, nil
	}
	if !r.NeedsVisitor() {
		return true, nil
	}
	v, err := vs.get(ctx)
	if err != nil {
		return false, errVisitor(err)
	}
	return r.visitorPass(v), nil
}

// visitorPass applies the visitor exclusions, the audience and the filter
// groups.
func (r *Rules) visitorPass(v *Visitor) bool {
	for _, g := range r.excluded {
		if groupPass(g, v) {
			return false
		}
	}
	switch r.audience {
	case audKnown:
		if !v.Known {
			return false
		}
	case audUnknown:
		if v.Known {
			return false
		}
	}
	if len(r.groups) == 0 {
		return true
	}
	for _, g := range r.groups {
		if groupPass(g, v) {
			return true
		}
	}
	return false
}

func groupPass(g []filter, v *Visitor) bool {
	for i := range g {
		if !g[i].match(v) {
			return false
		}
	}
	return true
}

// explain is match with reasons. It checks exclusions first, because an
// exclusion is the more useful reason when both apply.
func (r *Rules) explain(ctx context.Context, p *page, vs *visitorState) (Explanation, bool, error) {
	if r == nil {
		return Explanation{}, true, nil
	}
	for i := range r.exclude {
		if x := &r.exclude[i]; x.match(p) {
			return Explanation{Outcome: Excluded, Rule: x.path, Reason: x.excluded}, false, nil
		}
	}
	if !r.pagePass(p) {
		return Explanation{Outcome: NotOnPage, Rule: r.notOnPageRule, Reason: r.notOnPage}, false, nil
	}
	if !r.NeedsVisitor() {
		return Explanation{}, true, nil
	}
	v, err := vs.get(ctx)
	if err != nil {
		return Explanation{}, false, errVisitor(err)
	}
	for gi, g := range r.excluded {
		if groupPass(g, v) {
			rule := fmt.Sprintf("visitorRules.exclusionGroups[%d]", gi)
			descs := make([]string, len(g))
			for i := range g {
				descs[i] = g[i].desc
			}
			return Explanation{Outcome: ExcludedVisitor, Rule: rule, Reason: "excluded by " + rule + ": " + strings.Join(descs, " and ")}, false, nil
		}
	}
	switch {
	case r.audience == audKnown && !v.Known:
		return Explanation{Outcome: WrongAudience, Rule: "visitorRules.audience", Reason: "shown only to known contacts; the visitor is not one"}, false, nil
	case r.audience == audUnknown && v.Known:
		return Explanation{Outcome: WrongAudience, Rule: "visitorRules.audience", Reason: "shown only to unknown visitors; the visitor is a known contact"}, false, nil
	}
	if r.visitorPass(v) {
		return Explanation{}, true, nil
	}
	if !v.Known && !r.facts {
		return Explanation{Outcome: NoFilterGroup, Rule: "visitorRules.filterGroups", Reason: "filters match only known contacts; the visitor is not one"}, false, nil
	}
	var b strings.Builder
	b.WriteString("no filter group matches: ")
	rule := "visitorRules.filterGroups"
	for gi, g := range r.groups {
		for fi := range g {
			if f := &g[fi]; !f.match(v) {
				if gi > 0 {
					b.WriteString("; ")
				}
				b.WriteString(f.path + ": " + f.desc)
				if len(r.groups) == 1 {
					rule = f.path
				}
				break
			}
		}
	}
	return Explanation{Outcome: NoFilterGroup, Rule: rule, Reason: b.String()}, false, nil
}
