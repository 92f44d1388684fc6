package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScriptedChatSalesLead(t *testing.T) {
	var out bytes.Buffer
	in := strings.NewReader("hi\nAda\nnot-an-email\nada@example.com\n4\n")
	require.NoError(t, run(context.Background(), "qualify-leads", "", in, &out, false))
	got := out.String()
	for _, want := range []string{
		"bot> Hi there! 👋 Want to find out how we can help your business?",
		"     1) Yes, let's go",
		"you> Ada",
		"bot> Nice to meet you, Ada. What's your work email address?",
		"bot> That doesn't look like an email address.",
		"     4) More than 200",
		"bot> Thanks, Ada! A sales representative will email ada@example.com within one business day.",
		"-- conversation finished",
		"   lifecyclestage = salesqualifiedlead",
		"   company_size = 201+",
	} {
		assert.Contains(t, got, want)
	}
}

func TestScriptedChatQuitsAndSummarizes(t *testing.T) {
	var out bytes.Buffer
	in := strings.NewReader("hello\nBo\n/quit\nnever read\n")
	require.NoError(t, run(context.Background(), "qualify-leads", "", in, &out, false))
	got := out.String()
	assert.Contains(t, got, "-- conversation active")
	assert.Contains(t, got, "   firstname = Bo", "values of an unknown visitor are kept with the session")
	assert.NotContains(t, got, "never read")
}

func TestUnknownTemplate(t *testing.T) {
	err := run(context.Background(), "nope", "", strings.NewReader(""), &bytes.Buffer{}, false)
	assert.ErrorContains(t, err, `unknown template: "nope"`)
}

// With -db, quitting and running again resumes the conversation: the bot
// remembers the name given in the first run, and the finished
// conversation's contact is in the file.
func TestResumesAfterRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "chat.db")
	var first bytes.Buffer
	require.NoError(t, run(context.Background(), "qualify-leads", db, strings.NewReader("hi\nAda\n/quit\n"), &first, false))
	assert.Contains(t, first.String(), "What's your work email address?")
	assert.Contains(t, first.String(), "-- conversation active")

	var second bytes.Buffer
	require.NoError(t, run(context.Background(), "qualify-leads", db, strings.NewReader("ada@example.com\n201+\n"), &second, false))
	got := second.String()
	assert.Contains(t, got, "Resuming your conversation")
	assert.NotContains(t, got, "Hi there!", "the welcome message is not sent again")
	assert.Contains(t, got, "bot> Thanks, Ada! A sales representative will email ada@example.com within one business day.")
	assert.Contains(t, got, "-- conversation finished")
	assert.Contains(t, got, "   company_size = 201+")

	// The finished conversation is not resumed: a third run starts anew.
	var third bytes.Buffer
	require.NoError(t, run(context.Background(), "qualify-leads", db, strings.NewReader("/quit\n"), &third, false))
	assert.Contains(t, third.String(), "Hi there!")
}

// -stats prints the analytics after a scripted run, the unfinished
// conversation swept as abandoned, and -funnel writes the SVG.
func TestStats(t *testing.T) {
	var out bytes.Buffer
	svg := filepath.Join(t.TempDir(), "funnel.svg")
	in := strings.NewReader("hi\nAda\nada@example.com\n")
	require.NoError(t, chat(context.Background(), options{template: "qualify-leads", stats: true, funnel: svg}, in, &out))
	s := out.String()
	assert.Contains(t, s, "-- conversation abandoned")
	assert.Contains(t, s, "started 1, engaged 1, completed 0, handed off 0, abandoned 1")
	assert.Regexp(t, `ask_size\s+1\s+0\s+0\s+0\s+0\s+1`, s)
	assert.Contains(t, s, `"flowId": "qualify-leads"`)
	data, err := os.ReadFile(svg)
	require.NoError(t, err)
	assert.Contains(t, string(data), "<svg")
	assert.Contains(t, string(data), "ask_size")
}
