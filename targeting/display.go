package targeting

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Display is the JSON form of a flow's "display" section: how the host
// presents the chat. The library does not render anything; a host reads
// these settings. It is plain data with no custom decoding, so a strict
// decoder rejects unknown fields; Validate checks the string choices. The
// zero Display is valid and means the host's defaults: heading of the host's
// choosing, the welcome message popped up on desktop, only the launcher on
// mobile, no triggers (the message pops up on page load), the host's colour.
type Display struct {
	// Heading is who the chat says the visitor is talking to.
	Heading Heading `json:"heading"`
	// DesktopBehavior is BehaviorPopMessage (default), BehaviorLauncherOnly
	// or BehaviorOpenChat. Tablets follow the desktop behaviour.
	DesktopBehavior string `json:"desktopBehavior,omitempty"`
	// MobileBehavior is BehaviorPopMessage or BehaviorLauncherOnly
	// (default).
	MobileBehavior string `json:"mobileBehavior,omitempty"`
	// Triggers say when a behaviour that pops or opens the chat takes
	// effect.
	Triggers Triggers `json:"triggers"`
	// AccentColor is the widget colour, "#rgb" or "#rrggbb"; "" is the
	// host's default.
	AccentColor string `json:"accentColor,omitempty"`
	// BrandingAlias is the name shown for the agent instead of a person's
	// (custom branding), at most 100 characters; "" means none.
	BrandingAlias string `json:"brandingAlias,omitempty"`
	// Position is where the widget sits: PositionBottomRight (default)
	// or PositionBottomLeft.
	Position string `json:"position,omitempty"`
	// QuickRepliesOutside shows the welcome message's quick replies
	// straight under the popped-up welcome message, outside the chat
	// window (SPEC §5), rather than only inside it.
	QuickRepliesOutside bool `json:"quickRepliesOutside,omitempty"`
	// HelpTab is the widget's knowledge-base help tab; nil means none.
	HelpTab *HelpTab `json:"helpTab,omitempty"`
}

// Values of Display.Position.
const (
	PositionBottomRight = "bottom_right"
	PositionBottomLeft  = "bottom_left"
)

// HelpTab is the knowledge-base help tab of the chat widget (seeds 002 and
// 004): visitors look for answers themselves. The zero value is off.
type HelpTab struct {
	// Enabled shows the tab.
	Enabled bool `json:"enabled"`
	// KnowledgeBaseID is the knowledge base the tab shows (required when
	// enabled); the host resolves it.
	KnowledgeBaseID string `json:"knowledgeBaseId,omitempty"`
	// Mode is HelpTabSearch (default: a search box) or HelpTabBrowse
	// (the categories and articles to browse).
	Mode string `json:"mode,omitempty"`
}

// Values of HelpTab.Mode.
const (
	HelpTabSearch = "search"
	HelpTabBrowse = "browse"
)

// Values of Display.DesktopBehavior and Display.MobileBehavior.
const (
	// BehaviorPopMessage pops the welcome message up as a prompt beside
	// the launcher.
	BehaviorPopMessage = "pop_message"
	// BehaviorLauncherOnly shows only the chat launcher.
	BehaviorLauncherOnly = "launcher_only"
	// BehaviorOpenChat shows the welcome message and opens the chat window
	// (desktop only).
	BehaviorOpenChat = "open_chat"
)

// Heading is the chat heading. The zero Heading leaves the heading to the
// host.
type Heading struct {
	// Type is HeadingCustom (default when Name or AvatarURL is set),
	// HeadingUsers or HeadingContactOwner.
	Type string `json:"type,omitempty"`
	// Name is the custom heading's name (HeadingCustom only, required).
	Name string `json:"name,omitempty"`
	// AvatarURL is the custom heading's picture, an absolute http or https
	// URL (HeadingCustom only, optional).
	AvatarURL string `json:"avatarUrl,omitempty"`
	// UserIDs are the users shown (HeadingUsers only); when there are more
	// than HeadingMaxUsers, ShownUsers picks that many at random.
	UserIDs []string `json:"userIds,omitempty"`
	// FallbackUserID is shown when the contact has no owner
	// (HeadingContactOwner only, required).
	FallbackUserID string `json:"fallbackUserId,omitempty"`
}

// Values of Heading.Type.
const (
	// HeadingCustom shows a custom name and avatar.
	HeadingCustom = "custom"
	// HeadingUsers shows specific users.
	HeadingUsers = "users"
	// HeadingContactOwner shows the contact's owner, or a fallback user.
	HeadingContactOwner = "contact_owner"
)

// HeadingMaxUsers is how many users a heading shows at most.
const HeadingMaxUsers = 3

// ShownUsers returns the users a HeadingUsers heading shows: all of UserIDs
// when there are at most HeadingMaxUsers, else HeadingMaxUsers of them
// picked at random with intn (such as math/rand/v2's IntN; it must return a
// number in [0, n)). Randomness is injected so results can be reproduced.
// It returns nil for other heading types.
func (h *Heading) ShownUsers(intn func(n int) int) []string {
	if h.Type != HeadingUsers {
		return nil
	}
	ids := slices.Clone(h.UserIDs)
	if len(ids) <= HeadingMaxUsers {
		return ids
	}
	for i := range HeadingMaxUsers { // partial Fisher–Yates shuffle
		j := i + intn(len(ids)-i)
		ids[i], ids[j] = ids[j], ids[i]
	}
	return ids[:HeadingMaxUsers]
}

// Triggers say when the welcome message pops up or the chat opens. With
// several triggers set, the first to fire counts; with none, it happens on
// page load. The zero Triggers has none.
type Triggers struct {
	// ExitIntent fires when the pointer leaves the page towards the
	// browser's bar (desktop only).
	ExitIntent bool `json:"exitIntent,omitempty"`
	// TimeOnPageSeconds fires after that many seconds on the page, 1 to
	// 3600; 0 is off.
	TimeOnPageSeconds int `json:"timeOnPageSeconds,omitempty"`
	// ScrollPercent fires when that percentage of the page has been
	// scrolled, 1 to 100; 0 is off.
	ScrollPercent int `json:"scrollPercent,omitempty"`
}

// Any reports whether any trigger is set.
func (t Triggers) Any() bool {
	return t.ExitIntent || t.TimeOnPageSeconds > 0 || t.ScrollPercent > 0
}

// Behavior returns the effective behaviour on a device, defaults applied:
// MobileBehavior on Mobile, DesktopBehavior on every other device.
func (d *Display) Behavior(dev Device) string {
	if dev == Mobile {
		if d.MobileBehavior == "" {
			return BehaviorLauncherOnly
		}
		return d.MobileBehavior
	}
	if d.DesktopBehavior == "" {
		return BehaviorPopMessage
	}
	return d.DesktopBehavior
}

// Validate reports every problem in the display settings, joined with
// errors.Join; each is a *condition.Error whose Path is relative to the
// display section (such as "heading.userIds[0]") and whose Err is
// ErrInvalid. A nil *Display is valid.
func (d *Display) Validate() error {
	if d == nil {
		return nil
	}
	var errs problems
	d.Heading.validate(&errs)
	switch d.DesktopBehavior {
	case "", BehaviorPopMessage, BehaviorLauncherOnly, BehaviorOpenChat:
	default:
		errs.add("desktopBehavior", "unknown behaviour %q (want %s, %s or %s)", d.DesktopBehavior, BehaviorPopMessage, BehaviorLauncherOnly, BehaviorOpenChat)
	}
	switch d.MobileBehavior {
	case "", BehaviorPopMessage, BehaviorLauncherOnly:
	case BehaviorOpenChat:
		errs.add("mobileBehavior", "%q is for desktop only (want %s or %s)", d.MobileBehavior, BehaviorPopMessage, BehaviorLauncherOnly)
	default:
		errs.add("mobileBehavior", "unknown behaviour %q (want %s or %s)", d.MobileBehavior, BehaviorPopMessage, BehaviorLauncherOnly)
	}
	if t := d.Triggers; t.TimeOnPageSeconds < 0 || t.TimeOnPageSeconds > 3600 {
		errs.add("triggers.timeOnPageSeconds", "%d is outside 0 to 3600", t.TimeOnPageSeconds)
	}
	if t := d.Triggers; t.ScrollPercent < 0 || t.ScrollPercent > 100 {
		errs.add("triggers.scrollPercent", "%d is outside 0 to 100", t.ScrollPercent)
	}
	if d.Triggers.Any() && d.Behavior(Desktop) == BehaviorLauncherOnly && d.Behavior(Mobile) == BehaviorLauncherOnly {
		errs.add("triggers", "triggers have no effect when both desktopBehavior and mobileBehavior are %q", BehaviorLauncherOnly)
	}
	if c := d.AccentColor; c != "" && !isHexColor(c) {
		errs.add("accentColor", "%q is not a colour (#rgb or #rrggbb)", c)
	}
	checkLabel(&errs, "brandingAlias", d.BrandingAlias)
	switch d.Position {
	case "", PositionBottomRight, PositionBottomLeft:
	default:
		errs.add("position", "unknown position %q (want %s or %s)", d.Position, PositionBottomRight, PositionBottomLeft)
	}
	if h := d.HelpTab; h != nil {
		switch h.Mode {
		case "", HelpTabSearch, HelpTabBrowse:
		default:
			errs.add("helpTab.mode", "unknown mode %q (want %s or %s)", h.Mode, HelpTabSearch, HelpTabBrowse)
		}
		if h.Enabled && strings.TrimSpace(h.KnowledgeBaseID) == "" {
			errs.add("helpTab.knowledgeBaseId", "an enabled help tab needs a knowledge base")
		}
	}
	return errs.err()
}

func (h *Heading) validate(errs *problems) {
	typ := h.Type
	if typ == "" && (h.Name != "" || h.AvatarURL != "") {
		typ = HeadingCustom
	}
	custom, users, owner := typ == HeadingCustom, typ == HeadingUsers, typ == HeadingContactOwner
	switch typ {
	case "", HeadingCustom, HeadingUsers, HeadingContactOwner:
	default:
		errs.add("heading.type", "unknown heading type %q (want %s, %s or %s)", h.Type, HeadingCustom, HeadingUsers, HeadingContactOwner)
		return
	}
	if typ == "" && (len(h.UserIDs) > 0 || h.FallbackUserID != "") {
		errs.add("heading.type", "missing heading type (want %s or %s)", HeadingUsers, HeadingContactOwner)
		return
	}
	if custom {
		if h.Name == "" {
			errs.add("heading.name", "a custom heading needs a name")
		}
		checkLabel(errs, "heading.name", h.Name)
		if h.AvatarURL != "" {
			u, err := url.Parse(h.AvatarURL)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				errs.add("heading.avatarUrl", "%q is not an absolute http(s) URL", h.AvatarURL)
			}
		}
	} else {
		if h.Name != "" {
			errs.add("heading.name", "only a %s heading has a name", HeadingCustom)
		}
		if h.AvatarURL != "" {
			errs.add("heading.avatarUrl", "only a %s heading has an avatar", HeadingCustom)
		}
	}
	switch {
	case users && len(h.UserIDs) == 0:
		errs.add("heading.userIds", "a %s heading needs at least one user", HeadingUsers)
	case !users && len(h.UserIDs) > 0:
		errs.add("heading.userIds", "only a %s heading has users", HeadingUsers)
	}
	for i, id := range h.UserIDs {
		switch {
		case id == "":
			errs.add(fmt.Sprintf("heading.userIds[%d]", i), "empty user ID")
		case slices.Index(h.UserIDs, id) < i:
			errs.add(fmt.Sprintf("heading.userIds[%d]", i), "user %q is listed twice", id)
		}
	}
	switch {
	case owner && h.FallbackUserID == "":
		errs.add("heading.fallbackUserId", "a %s heading needs a fallback user for contacts without an owner", HeadingContactOwner)
	case !owner && h.FallbackUserID != "":
		errs.add("heading.fallbackUserId", "only a %s heading has a fallback user", HeadingContactOwner)
	}
}

// checkLabel limits a shown name to 100 printable characters.
func checkLabel(errs *problems, path, s string) {
	switch {
	case !utf8.ValidString(s):
		errs.add(path, "not valid UTF-8")
	case utf8.RuneCountInString(s) > 100:
		errs.add(path, "longer than 100 characters")
	case slices.ContainsFunc([]rune(s), func(r rune) bool { return !unicode.IsPrint(r) }):
		errs.add(path, "contains control characters")
	}
}

func isHexColor(c string) bool {
	if (len(c) != 4 && len(c) != 7) || c[0] != '#' {
		return false
	}
	for i := 1; i < len(c); i++ {
		if !isHex(c[i]) {
			return false
		}
	}
	return true
}
