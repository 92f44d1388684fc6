package action_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chatflow/chatflow/action"
)

func TestRichTextHTML(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"**Hi** _there_", "<strong>Hi</strong> <em>there</em>"},
		{"see [the docs](https://example.com/a?b=1&c=2)", `see <a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer" target="_blank">the docs</a>`},
		{"[mail](mailto:help@example.com)", `<a href="mailto:help@example.com" rel="noopener noreferrer" target="_blank">mail</a>`},
		{"[x](javascript:alert(1))", "x)"}, // the target ends at the first ")"
		{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"**<b>**", "<strong>&lt;b&gt;</strong>"},
		{"a\nb", "a<br>b"},
		{"Options:\n- one\n- **two**\nend", "Options:<ul><li>one</li><li><strong>two</strong></li></ul>end"},
		{"**open\nbold**", "**open<br>bold**"},
		{"snake_case and 2*3", "snake_case and 2*3"},
	} {
		if got := action.RichTextHTML(tc.in); got != tc.want {
			t.Errorf("RichTextHTML(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRichTextPlain(t *testing.T) {
	got := action.RichTextPlain("**Hi** _you_, see [docs](https://example.com)\n- one")
	if want := "Hi you, see docs (https://example.com)\n• one"; got != want {
		t.Errorf("RichTextPlain = %q, want %q", got, want)
	}
}

// Whatever the input, the HTML has only the subset's tags.
func FuzzRichTextHTML(f *testing.F) {
	for _, s := range []string{"**a** _b_ [c](https://d)", "<img src=x onerror=alert(1)>", "[a](javascript:x)\n- b", `[a](https://x" onclick="y)`} {
		f.Add(s)
	}
	tag := regexp.MustCompile(`<[^>]*>`)
	allowed := regexp.MustCompile(`^(<strong>|</strong>|<em>|</em>|<ul>|</ul>|<li>|</li>|<br>|</a>|<a href="(https?|mailto):[^"<>]*" rel="noopener noreferrer" target="_blank">)$`)
	f.Fuzz(func(t *testing.T, s string) {
		out := action.RichTextHTML(s)
		for _, m := range tag.FindAllString(out, -1) {
			if !allowed.MatchString(strings.ToLower(m)) {
				t.Fatalf("RichTextHTML(%q) has the tag %q", s, m)
			}
		}
	})
}
