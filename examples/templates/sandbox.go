package templates

import (
	"context"
	"time"

	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/chatflow/chatflow/targeting/availability"
)

// Sandbox is a set of in-memory stores and ports holding sample data —
// help articles, a support team, a meeting link — enough to run every
// template. It is what the terminal demo and the template tests use.
type Sandbox struct {
	Contacts      *memory.Contacts
	Sessions      *memory.Sessions
	Consent       *memory.ConsentRecords
	KnowledgeBase *memory.KnowledgeBase
	Directory     *availability.Memory
	Agents        *memory.Agents
	Tickets       *memory.Tickets
	Lists         *memory.Lists
	Workflows     *memory.Workflows
	Meetings      *memory.Meetings
	Subscriptions *memory.Subscriptions
}

// SampleArticles are the sandbox's help-center articles.
var SampleArticles = []store.Article{
	{ID: "reset-password", Title: "Reset your password", Subtitle: "Forgot your password? Choose a new one.", Category: "Account",
		Tags: []string{"password", "login"}, Body: "Click Forgot password on the sign-in page and follow the link we email you.",
		URL: "https://help.example.com/reset-password"},
	{ID: "two-factor", Title: "Turn on two-factor authentication", Category: "Account", Tags: []string{"security", "login"},
		Body: "Protect your account with a code from an authenticator app.", URL: "https://help.example.com/two-factor"},
	{ID: "invoices", Title: "Download your invoices", Category: "Billing", Tags: []string{"invoice", "billing", "receipt"},
		Body: "Invoices for every payment are under Settings, Billing.", URL: "https://help.example.com/invoices"},
	{ID: "change-plan", Title: "Change your plan", Category: "Billing", Tags: []string{"plan", "upgrade", "pricing"},
		Body: "Upgrade or downgrade at any time; we prorate the difference.", URL: "https://help.example.com/change-plan"},
	{ID: "export-data", Title: "Export your data", Category: "Data", Tags: []string{"export", "csv"},
		Body: "Export contacts and conversations as CSV from the Data menu.", URL: "https://help.example.com/export-data"},
	{ID: "partner-pricing", Title: "Partner pricing", Category: "Billing", Tags: []string{"partner", "pricing", "discount"},
		Body: "Partners get volume discounts on every plan.", URL: "https://help.example.com/partner-pricing", Restricted: true},
}

// NewSandbox returns a sandbox with the sample data: the support team
// ("ana" available, "ben" away), an available AI agent, the "sales-demo"
// meeting link, a "chat-leads" list and an "onboarding" workflow.
func NewSandbox() *Sandbox {
	s := &Sandbox{
		Contacts: memory.NewContacts(), Sessions: memory.NewSessions(), Consent: memory.NewConsentRecords(),
		KnowledgeBase: memory.NewKnowledgeBase(), Directory: availability.NewMemory(), Agents: memory.NewAgents(true),
		Tickets: memory.NewTickets(), Lists: memory.NewLists("chat-leads"), Workflows: memory.NewWorkflows("onboarding"),
		Meetings: memory.NewMeetings(map[string]store.MeetingLink{
			"sales-demo": {URL: "https://meetings.example.com/sales-demo", AvailableSoon: true},
		}),
		Subscriptions: memory.NewSubscriptions(),
	}
	if err := s.KnowledgeBase.Add(SampleArticles...); err != nil {
		panic(err) // the sample articles are fixed; failing here is a bug
	}
	s.Directory.SetStatus("ana", availability.Available)
	s.Directory.SetStatus("ben", availability.Away)
	s.Directory.SetTeam("support", "ana", "ben")
	return s
}

// Stores returns the sandbox's stores.
func (s *Sandbox) Stores() store.Stores {
	return store.Stores{
		Contacts: s.Contacts, Companies: s.Contacts, Sessions: s.Sessions, Consent: s.Consent,
		Subscriptions: s.Subscriptions, Lists: s.Lists, Workflows: s.Workflows, Tickets: s.Tickets,
		KnowledgeBase: s.KnowledgeBase, Meetings: s.Meetings,
	}
}

// Ports returns the sandbox's ports.
func (s *Sandbox) Ports() builtin.Ports {
	return builtin.Ports{Directory: s.Directory, Agents: s.Agents}
}

// Config returns an engine configuration on the sandbox. The `available`
// condition variable is true when a member of the "support" team is
// available.
func (s *Sandbox) Config() engine.Config {
	support := &availability.Channel{Mode: availability.ByUsers, TeamIDs: []string{"support"}}
	return engine.Config{
		Stores: s.Stores(), Ports: s.Ports(),
		Available: func(ctx context.Context, _ string, now time.Time) (bool, error) {
			return support.Available(ctx, s.Directory, now)
		},
	}
}
