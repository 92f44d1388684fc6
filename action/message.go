package action

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/chatflow/chatflow/condition"
)

// BubbleType is the kind of a message bubble.
type BubbleType string

// The bubble types.
const (
	TextBubble  BubbleType = "text"
	ImageBubble BubbleType = "image"
	FileBubble  BubbleType = "file"
	VideoBubble BubbleType = "video"
)

// Bubble is one bubble of a message as written in flow JSON: either a plain
// string (a text bubble whose text is a template) or an object
// {"type":"image","url":"…","text":"alt text"}. Text may contain
// personalization tokens such as {{ contact.firstname }}.
type Bubble struct {
	// Type is the bubble's kind; empty means text.
	Type BubbleType `json:"type,omitempty"`
	// Text is the text (a template) or, for media, a caption.
	Text string `json:"text,omitempty"`
	// URL is the address of an image, file, video or link.
	URL string `json:"url,omitempty"`
	// Name is a file's display name.
	Name string `json:"name,omitempty"`

	tmpl *condition.Template
}

type bubbleJSON struct {
	Type BubbleType `json:"type,omitempty"`
	Text string     `json:"text,omitempty"`
	URL  string     `json:"url,omitempty"`
	Name string     `json:"name,omitempty"`
}

// UnmarshalJSON accepts a string or a strict object.
func (b *Bubble) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*b = Bubble{Text: s}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var j bubbleJSON
	if err := dec.Decode(&j); err != nil {
		return err
	}
	*b = Bubble{Type: j.Type, Text: j.Text, URL: j.URL, Name: j.Name}
	return nil
}

// MarshalJSON writes a text bubble as a plain string, others as objects.
func (b Bubble) MarshalJSON() ([]byte, error) {
	if (b.Type == "" || b.Type == TextBubble) && b.URL == "" && b.Name == "" {
		return json.Marshal(b.Text)
	}
	return json.Marshal(bubbleJSON{Type: b.Type, Text: b.Text, URL: b.URL, Name: b.Name})
}

// Messages is a message made of bubbles, as written in flow JSON.
type Messages []Bubble

// Compile checks the bubbles and compiles their text templates; path is the
// JSON path of the message within the settings (e.g. "message"). The loader
// calls it for every Messages value in an action's settings before
// Provision, so an action never needs to; calling it again is harmless.
func (m Messages) Compile(p Provision, path string) error {
	for i := range m {
		b := &m[i]
		bp := path + "[" + strconv.Itoa(i) + "]"
		switch b.Type {
		case "", TextBubble:
			if b.Text == "" {
				return p.Errorf(bp, "empty text bubble")
			}
		case RichTextBubble:
			if b.Text == "" {
				return p.Errorf(bp+".text", "empty rich text bubble")
			}
			if err := checkRichText(b.Text); err != nil {
				return p.Errorf(bp+".text", "%w", err)
			}
		case ImageBubble, FileBubble, VideoBubble:
			if b.URL == "" {
				return p.Errorf(bp+".url", "a %s bubble needs a url", b.Type)
			}
		default:
			return p.Errorf(bp+".type", "unknown bubble type %q (want text, rich_text, image, file or video)", b.Type)
		}
		if b.Text != "" {
			t, err := p.Template(bp, b.Text)
			if err != nil {
				return err
			}
			b.tmpl = t
		}
	}
	return nil
}

// Template returns the compiled text template of a compiled bubble, or nil
// for a bubble built at run time (whose text is said as it is).
func (b *Bubble) Template() *condition.Template { return b.tmpl }

// Message is one bubble the bot sends, rendered, as the host receives it.
type Message struct {
	// Type is the bubble's kind.
	Type BubbleType `json:"type"`
	// Text is the rendered text or caption.
	Text string `json:"text,omitempty"`
	// URL is the address of an image, file, video or link.
	URL string `json:"url,omitempty"`
	// Name is a file's display name.
	Name string `json:"name,omitempty"`
	// Delay is the typing delay the host shows before this message. In
	// JSON it is a duration string such as "800ms", as in flow JSON.
	Delay time.Duration `json:"-"`
}

type messageJSON struct {
	Type  BubbleType `json:"type"`
	Text  string     `json:"text,omitempty"`
	URL   string     `json:"url,omitempty"`
	Name  string     `json:"name,omitempty"`
	Delay string     `json:"delay,omitempty"`
}

// MarshalJSON writes the message with its delay as a duration string.
func (m Message) MarshalJSON() ([]byte, error) {
	j := messageJSON{Type: m.Type, Text: m.Text, URL: m.URL, Name: m.Name}
	if m.Delay != 0 {
		j.Delay = m.Delay.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (m *Message) UnmarshalJSON(data []byte) error {
	var j messageJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*m = Message{Type: j.Type, Text: j.Text, URL: j.URL, Name: j.Name}
	if j.Delay != "" {
		d, err := time.ParseDuration(j.Delay)
		if err != nil {
			return fmt.Errorf("message delay: %w", err)
		}
		m.Delay = d
	}
	return nil
}

// QuickReply is an option the visitor can click. In flow JSON it may name
// the action that follows when it is clicked ("next"); in replies to the host
// Next is always empty.
type QuickReply struct {
	// Value is what the bot receives when the option is clicked (and what is
	// saved to a property).
	Value string `json:"value"`
	// Label is what the visitor sees; empty means Value.
	Label string `json:"label,omitempty"`
	// Next optionally names the action that follows when this option is
	// chosen (a per-quick-reply branch).
	Next string `json:"next,omitempty"`
}

// Text returns the label, or the value when there is no label.
func (q QuickReply) Text() string {
	if q.Label != "" {
		return q.Label
	}
	return q.Value
}
