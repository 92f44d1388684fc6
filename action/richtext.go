package action

import (
	"errors"
	"fmt"
	"html"
	"net/url"
	"strings"
)

// RichTextBubble is a text bubble with a small, safe markup (seeds 001
// and 002: formatted message bubbles). Never HTML: a host renders it with
// RichTextHTML, or shows RichTextPlain where a channel has no formatting.
// The markup:
//
//	**bold**            bold
//	_italic_            italic
//	[label](https://…)  a link; http, https and mailto only
//	- item              a bulleted line (at the start of a line)
//	a line break        a line break
//
// Anything else is text: "<b>" shows as "<b>", and markers without their
// closing half show as themselves. Values that personalization tokens
// insert can form markup too, but never anything outside this subset, and
// never a link other than http, https or mailto. A rich text bubble's
// static text is checked when the flow loads: raw HTML tags and links with
// another scheme are load errors.
const RichTextBubble BubbleType = "rich_text"

// ErrRichText is matched by the load error of a rich text bubble with raw
// HTML or a link that is not http, https or mailto.
var ErrRichText = errors.New("invalid rich text")

// checkRichText reports raw HTML and links RichTextHTML would not render.
func checkRichText(text string) error {
	for i := 0; i+1 < len(text); i++ {
		if text[i] == '<' && (isLetter(text[i+1]) || text[i+1] == '/' || text[i+1] == '!') {
			return fmt.Errorf("%w: rich text is not HTML (found %q); use **bold**, _italic_ and [label](url)", ErrRichText, text[i:min(len(text), i+8)])
		}
	}
	for _, s := range parseInline(text) {
		if s.kind == spanLink && !safeLink(s.url) {
			return fmt.Errorf("%w: link %q is not an http, https or mailto URL", ErrRichText, s.url)
		}
	}
	return nil
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// safeLink reports whether a link target may be rendered.
func safeLink(raw string) bool {
	if strings.ContainsAny(raw, " \t\r\n") {
		return false
	}
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != ""
	case "mailto":
		return u.Opaque != ""
	}
	return false
}

type spanKind uint8

const (
	spanText spanKind = iota
	spanBold
	spanItalic
	spanLink
)

// span is a piece of one line of rich text.
type span struct {
	kind spanKind
	text string // the text, or a link's label
	url  string // a link's target
}

// parseInline splits text (a line, or many) into spans. Markers need their
// closing half on the same line; a link whose target is not safe is text.
func parseInline(text string) []span {
	var out []span
	var plain strings.Builder
	flush := func() {
		if plain.Len() > 0 {
			out = append(out, span{kind: spanText, text: plain.String()})
			plain.Reset()
		}
	}
	for i := 0; i < len(text); {
		rest := text[i:]
		if c := rest[0]; c != '*' && c != '_' && c != '[' {
			plain.WriteByte(c)
			i++
			continue
		}
		line := rest
		if nl := strings.IndexByte(line, '\n'); nl >= 0 {
			line = line[:nl]
		}
		switch {
		case strings.HasPrefix(rest, "**"):
			if end := strings.Index(line[2:], "**"); end > 0 {
				flush()
				out = append(out, span{kind: spanBold, text: line[2 : 2+end]})
				i += end + 4
				continue
			}
		case rest[0] == '_':
			if end := strings.IndexByte(line[1:], '_'); end > 0 {
				flush()
				out = append(out, span{kind: spanItalic, text: line[1 : 1+end]})
				i += end + 2
				continue
			}
		case rest[0] == '[':
			if mid := strings.Index(line, "]("); mid > 1 {
				if end := strings.IndexByte(line[mid+2:], ')'); end > 0 {
					flush()
					out = append(out, span{kind: spanLink, text: line[1:mid], url: line[mid+2 : mid+2+end]})
					i += mid + 3 + end
					continue
				}
			}
		}
		plain.WriteByte(text[i])
		i++
	}
	flush()
	return out
}

// RichTextHTML renders rich text (see RichTextBubble) as HTML: only
// <strong>, <em>, <a href rel target>, <ul>, <li> and <br>, with every
// text escaped. A link whose target is not http, https or mailto is shown
// as its label.
func RichTextHTML(text string) string {
	var b strings.Builder
	lines := strings.Split(text, "\n")
	inList := false
	for i, line := range lines {
		item, isItem := strings.CutPrefix(line, "- ")
		switch {
		case isItem && !inList:
			b.WriteString("<ul>")
			inList = true
		case !isItem && inList:
			b.WriteString("</ul>")
			inList = false
		case !isItem && i > 0:
			b.WriteString("<br>")
		}
		if isItem {
			b.WriteString("<li>")
			writeInlineHTML(&b, item)
			b.WriteString("</li>")
			continue
		}
		writeInlineHTML(&b, line)
	}
	if inList {
		b.WriteString("</ul>")
	}
	return b.String()
}

func writeInlineHTML(b *strings.Builder, line string) {
	for _, s := range parseInline(line) {
		t := html.EscapeString(s.text)
		switch s.kind {
		case spanBold:
			b.WriteString("<strong>" + t + "</strong>")
		case spanItalic:
			b.WriteString("<em>" + t + "</em>")
		case spanLink:
			if safeLink(s.url) {
				b.WriteString(`<a href="` + html.EscapeString(s.url) + `" rel="noopener noreferrer" target="_blank">` + t + "</a>")
			} else {
				b.WriteString(t)
			}
		default:
			b.WriteString(t)
		}
	}
}

// RichTextPlain renders rich text as plain text, for channels without
// formatting: markers dropped, a link as "label (url)".
func RichTextPlain(text string) string {
	var b strings.Builder
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		if item, ok := strings.CutPrefix(line, "- "); ok {
			b.WriteString("• ")
			line = item
		}
		for _, s := range parseInline(line) {
			b.WriteString(s.text)
			if s.kind == spanLink {
				b.WriteString(" (" + s.url + ")")
			}
		}
	}
	return b.String()
}
