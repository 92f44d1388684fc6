// Command chat is a terminal chat with a chatflow bot on memory stores, or
// on a SQLite file that keeps the conversation across restarts.
//
//	go run ./examples/chat                       # the Qualify leads bot
//	go run ./examples/chat -template NAME        # another template
//	go run ./examples/chat -list                 # the template names
//	go run ./examples/chat -db chat.db           # stores in chat.db: quit, run again, go on
//	go run ./examples/chat -stats -funnel f.svg  # then the bot's analytics, and its funnel as SVG
//
// Type your answers; for quick replies type the option's number or its text.
// /booked pretends you booked an offered meeting; /quit leaves. The bots run
// on in-memory stores with sample data: help articles, a support team
// ("ana" available, "ben" away), a meeting link. When standard input is not a terminal the program reads the
// visitor's lines from it without prompting or pausing, so it can be scripted:
//
//	printf 'hi\nAda\nada@example.com\n3\n' | go run ./examples/chat
//
// With -stats the program feeds every reply to an analytics aggregator
// (package engine/analytics) and, after the conversation, prints the
// report: a table per action and the JSON export. A conversation the
// script left unfinished is swept as abandoned first (not with -db, whose
// conversation may be resumed). -funnel also writes the SVG funnel.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chatflow/chatflow/action"
	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/analytics"
	"github.com/chatflow/chatflow/examples/templates"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/sqlite"
)

func main() {
	name := flag.String("template", "qualify-leads", "the template to chat with")
	list := flag.Bool("list", false, "list the templates and exit")
	dbPath := flag.String("db", "", "keep the stores in this SQLite file, so that a conversation resumes after a restart")
	stats := flag.Bool("stats", false, "after the conversation, print the bot's analytics (a table and JSON)")
	funnel := flag.String("funnel", "", "with -stats, also write the analytics funnel as SVG to this file")
	flag.Parse()
	if *list {
		fmt.Println(strings.Join(templates.Names(), "\n"))
		return
	}
	fi, err := os.Stdin.Stat()
	interactive := err == nil && fi.Mode()&os.ModeCharDevice != 0
	opts := options{template: *name, db: *dbPath, interactive: interactive, stats: *stats || *funnel != "", funnel: *funnel}
	if err := chat(context.Background(), opts, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

// run chats with the named template, reading the visitor's lines from in.
// Interactive mode prompts and shows typing delays; otherwise the visitor's
// lines are echoed so the output reads as a transcript. With a dbPath the
// stores are in that SQLite file, and an unfinished conversation of an
// earlier run goes on where it stopped.
func run(ctx context.Context, name, dbPath string, in io.Reader, out io.Writer, interactive bool) error {
	return chat(ctx, options{template: name, db: dbPath, interactive: interactive}, in, out)
}

// options are the command's flags.
type options struct {
	template, db string
	interactive  bool
	// stats prints the analytics after the conversation; funnel, if set,
	// is where the SVG funnel is written.
	stats  bool
	funnel string
}

// chat is run with every option.
func chat(ctx context.Context, opts options, in io.Reader, out io.Writer) error {
	name, dbPath, interactive := opts.template, opts.db, opts.interactive
	var agg *analytics.Aggregator
	observe := func(*engine.Reply) {}
	if opts.stats {
		agg = analytics.New(analytics.Config{})
		observe = agg.AddReply
	}
	data, err := templates.JSON(name)
	if err != nil {
		return err
	}
	sb := templates.NewSandbox()
	cfg := sb.Config()
	if dbPath != "" {
		db, err := openSandboxDB(ctx, dbPath, sb)
		if err != nil {
			return err
		}
		defer db.Close()
		cfg.Stores = db.Stores()
	}
	contacts := cfg.Stores.Contacts
	eng, err := engine.New(cfg)
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
	conv, resumed, err := conversation(ctx, eng)
	if err != nil {
		return err
	}
	reply := &engine.Reply{}
	if resumed {
		fmt.Fprintf(out, "Resuming your conversation with %q where you left off. Type /quit to leave.\n\n", flow.Name())
	} else {
		reply, err = eng.Start(ctx, engine.StartRequest{ConversationID: conv, FlowID: flow.ID(), Channel: "chat"})
		if err != nil {
			return err
		}
		observe(reply)
		fmt.Fprintf(out, "Chatting with %q. Type /quit to leave.\n", flow.Name())
		if c := reply.Consent; c != nil && c.DataProcessing != nil {
			fmt.Fprintf(out, "(privacy notice) %s\n", c.DataProcessing.Text)
		}
		fmt.Fprintln(out)
		show(out, reply, interactive)
	}
	// Message IDs must differ from those of earlier runs on the same
	// database, or the engine would take the new lines for redeliveries.
	runID := strconv.FormatInt(time.Now().UnixNano(), 36)
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
			input := engine.Input{ConversationID: conv, MessageID: runID + "-m" + strconv.Itoa(n), Signal: builtin.SignalMeetingBooked}
			if next, err := eng.Handle(ctx, input); err != nil {
				fmt.Fprintln(out, "(", err, ")")
			} else {
				reply = next
				observe(reply)
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
		input := engine.Input{ConversationID: conv, MessageID: runID + "-m" + strconv.Itoa(n), Text: text}
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
		observe(reply)
		show(out, reply, interactive)
		if reply.Status.Over() {
			break
		}
	}
	if agg != nil && dbPath == "" {
		// The visitor of a script that stops mid-conversation never comes
		// back: sweep as if the session timeout had passed.
		res, err := eng.Sweep(ctx, engine.SweepRequest{Now: time.Now().Add(time.Duration(flow.Options().SessionTimeout) + time.Second)})
		if err != nil {
			return err
		}
		for _, r := range res.Replies {
			observe(r)
		}
	}
	if err := summary(ctx, out, eng, contacts, conv); err != nil {
		return err
	}
	if agg != nil {
		return printStats(out, agg.Report(analytics.Query{FlowID: flow.ID(), Version: flow.Version(), Actions: flow.ActionNames()}), opts.funnel)
	}
	return nil
}

// printStats prints an analytics report as a table and as JSON, and
// writes its funnel to funnelPath when set.
func printStats(out io.Writer, r analytics.Report, funnelPath string) error {
	fmt.Fprintf(out, "\n-- analytics of %s v%d\n", r.FlowID, r.Version)
	fmt.Fprintf(out, "   started %d, engaged %d, completed %d, handed off %d, abandoned %d\n", r.Started, r.Engaged, r.Completed, r.HandedOff, r.Abandoned)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "   action\treached\tcompleted\tskipped\tfailed\trejected\tdrop-off")
	for _, s := range r.Funnel {
		fmt.Fprintf(tw, "   %s\t%d\t%d\t%d\t%d\t%d\t%d\n", s.Action, s.Reached, s.Completed, s.Skipped, s.Failed, s.Rejected, s.DropOff)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s\n", data)
	if funnelPath == "" {
		return nil
	}
	var svg bytes.Buffer
	if err := analytics.WriteFunnelSVG(&svg, r); err != nil {
		return err
	}
	if err := os.WriteFile(funnelPath, svg.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "-- funnel written to %s\n", funnelPath)
	return nil
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

// conversation returns the conversation to chat in: the first of
// "terminal", "terminal-2", … that is not over, and whether it was started
// by an earlier run.
func conversation(ctx context.Context, eng *engine.Engine) (id string, resumed bool, err error) {
	for n := 1; ; n++ {
		id = "terminal"
		if n > 1 {
			id += "-" + strconv.Itoa(n)
		}
		s, err := eng.Session(ctx, id)
		switch {
		case errors.Is(err, engine.ErrUnknownConversation):
			return id, false, nil
		case err != nil:
			return "", false, err
		case !s.Status.Over():
			return id, true, nil
		}
	}
}

// openSandboxDB opens (creating and migrating if need be) the SQLite
// database at path and adds the sandbox's sample data to it: its help
// articles, list, workflow and meeting link. Adding them again is
// harmless.
func openSandboxDB(ctx context.Context, path string, sb *templates.Sandbox) (*sqlite.DB, error) {
	db, err := sqlite.Open(ctx, sqlite.Config{Path: path})
	if err != nil {
		return nil, err
	}
	err = db.Migrate(ctx)
	if err == nil {
		err = db.KnowledgeBase().Add(ctx, templates.SampleArticles...)
	}
	if err == nil {
		err = db.Lists().CreateList(ctx, "chat-leads")
	}
	if err == nil {
		err = db.Workflows().CreateWorkflow(ctx, "onboarding", true)
	}
	if err == nil {
		var link store.MeetingLink
		if link, err = sb.Meetings.Link(ctx, "sales-demo"); err == nil {
			err = db.Meetings().SetLink(ctx, "sales-demo", link)
		}
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// summary prints what the bot recorded about the visitor.
func summary(ctx context.Context, out io.Writer, eng *engine.Engine, contacts store.Contacts, conv string) error {
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
