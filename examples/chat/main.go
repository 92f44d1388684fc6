// Command chat is a terminal chat with a chatflow bot on memory stores.
//
//	go run ./examples/chat                       # the Qualify leads bot
//	go run ./examples/chat -template NAME        # another template
//	go run ./examples/chat -list                 # the template names
//
// Type your answers; for quick replies type the option's number or its text.
// /booked pretends you booked an offered meeting; /quit leaves. The bots run
// on in-memory stores with sample data: help articles, a support team
// ("ana" available, "ben" away), a meeting link. When standard input is not a terminal the program reads the
// visitor's lines from it without prompting or pausing, so it can be scripted:
//
//	printf 'hi\nAda\nada@example.com\n3\n' | go run ./examples/chat
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/examples/templates"
	"github.com/chatflow/chatflow/store/memory"
)

func main() {
	name := flag.String("template", "qualify-leads", "the template to chat with")
	list := flag.Bool("list", false, "list the templates and exit")
	flag.Parse()
	if *list {
		fmt.Println(strings.Join(templates.Names(), "\n"))
		return
	}
	fi, err := os.Stdin.Stat()
	interactive := err == nil && fi.Mode()&os.ModeCharDevice != 0
	if err := run(context.Background(), *name, os.Stdin, os.Stdout, interactive); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

// run chats with the named template, reading the visitor's lines from in.
// Interactive mode prompts and shows typing delays; otherwise the visitor's
// lines are echoed so the output reads as a transcript.
func run(ctx context.Context, name string, in io.Reader, out io.Writer, interactive bool) error {
	data, err := templates.JSON(name)
	if err != nil {
		return err
	}
	sb := templates.NewSandbox()
	contacts := sb.Contacts
	eng, err := engine.New(sb.Config())
	if err != nil {
		return err
	}
	flow, err := eng.Load(data)
	if err != nil {
		return err
	}
	if err := eng.Publish(flow); err != nil {
		return err
	}
	const conv = "terminal"
	reply, err := eng.Start(ctx, engine.StartRequest{ConversationID: conv, FlowID: flow.ID(), Channel: "chat"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Chatting with %q. Type /quit to leave.\n", flow.Name())
	if c := reply.Consent; c != nil && c.DataProcessing != nil {
		fmt.Fprintf(out, "(privacy notice) %s\n", c.DataProcessing.Text)
	}
	fmt.Fprintln(out)
	show(out, reply, interactive)
	lines := bufio.NewScanner(in)
	for n := 1; ; n++ {
		if interactive {
			fmt.Fprint(out, "you> ")
		}
		if !lines.Scan() {
			break
		}
		text := strings.TrimSpace(lines.Text())
		if !interactive {
			fmt.Fprintf(out, "you> %s\n", text)
		}
		if text == "/quit" {
			break
		}
		if text == "/booked" {
			// Stands in for the host reporting a booking from the scheduler.
			input := engine.Input{ConversationID: conv, MessageID: "m" + strconv.Itoa(n), Signal: builtin.SignalMeetingBooked}
			if next, err := eng.Handle(ctx, input); err != nil {
				fmt.Fprintln(out, "(", err, ")")
			} else {
				reply = next
				show(out, reply, interactive)
			}
			if reply.Status.Over() {
				break
			}
			continue
		}
		if text == "" {
			continue
		}
		input := engine.Input{ConversationID: conv, MessageID: "m" + strconv.Itoa(n), Text: text}
		if q, ok := pick(reply, text); ok {
			input.Text, input.QuickReply = "", q
		}
		next, err := eng.Handle(ctx, input)
		switch {
		case errors.Is(err, engine.ErrInvalidInput):
			fmt.Fprintln(out, "(", err, ")")
			continue
		case err != nil:
			return err
		case next.Outcome == engine.OutcomeConversationOver:
			fmt.Fprintln(out, "(the bot is done; a team member would pick this up in the inbox)")
			continue
		}
		reply = next
		show(out, reply, interactive)
		if reply.Status.Over() {
			break
		}
	}
	return summary(ctx, out, eng, contacts, conv)
}

// pick maps a typed number to the quick reply it numbers.
func pick(r *engine.Reply, text string) (string, bool) {
	i, err := strconv.Atoi(text)
	if err != nil || i < 1 || i > len(r.QuickReplies) {
		return "", false
	}
	return r.QuickReplies[i-1].Value, true
}

func show(out io.Writer, r *engine.Reply, interactive bool) {
	for _, m := range r.Messages {
		if interactive && m.Delay > 0 {
			time.Sleep(min(m.Delay, 2*time.Second))
		}
		switch {
		case m.Type == builtin.MeetingBubble:
			fmt.Fprintf(out, "bot> [book a meeting: %s]\n", m.URL)
		case m.Type != action.TextBubble:
			fmt.Fprintf(out, "bot> [%s] %s %s\n", m.Type, m.URL, m.Text)
		case m.URL != "":
			fmt.Fprintf(out, "bot> %s — %s\n", m.Text, m.URL)
		default:
			fmt.Fprintf(out, "bot> %s\n", m.Text)
		}
	}
	for i, q := range r.QuickReplies {
		fmt.Fprintf(out, "     %d) %s\n", i+1, q.Text())
	}
	if r.Handoff != nil {
		fmt.Fprintf(out, "(handed over: %+v)\n", *r.Handoff)
	}
}

// summary prints what the bot recorded about the visitor.
func summary(ctx context.Context, out io.Writer, eng *engine.Engine, contacts *memory.Contacts, conv string) error {
	s, err := eng.Session(ctx, conv)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n-- conversation %s\n", s.Status)
	props := s.Pending
	if s.ContactID != "" {
		c, err := contacts.Contact(ctx, s.ContactID)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "-- contact %s\n", c.ID)
		props = c.Properties
	}
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(out, "   %s = %s\n", k, props[k])
	}
	return nil
}
