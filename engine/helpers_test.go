package engine_test

import (
	"os"
	"testing"

	"github.com/chatflow/chatflow/action/builtin"
	"github.com/chatflow/chatflow/engine"
	"github.com/chatflow/chatflow/engine/enginetest"
	"github.com/chatflow/chatflow/store"
	"github.com/chatflow/chatflow/store/memory"
	"github.com/chatflow/chatflow/targeting/availability"
)

// testPorts are the services a test gives the engine; config splits them
// into Config.Stores and Config.Ports.
type testPorts struct {
	Subscriptions store.Subscriptions
	Lists         store.Lists
	Workflows     store.Workflows
	Tickets       store.Tickets
	KnowledgeBase store.KnowledgeBase
	Meetings      store.Meetings
	Directory     availability.Directory
	Agents        builtin.Agents
	Snippets      map[string]builtin.Snippet
	Webhooks      *builtin.WebhookPolicy
}

// config returns an engine configuration with these services; the stores
// it leaves nil are filled by enginetest (or by withMemory).
func (p *testPorts) config() engine.Config {
	return engine.Config{
		Stores: store.Stores{Subscriptions: p.Subscriptions, Lists: p.Lists, Workflows: p.Workflows,
			Tickets: p.Tickets, KnowledgeBase: p.KnowledgeBase, Meetings: p.Meetings},
		Ports: builtin.Ports{Directory: p.Directory, Agents: p.Agents, Snippets: p.Snippets, Webhooks: p.Webhooks},
	}
}

// withMemory fills the contact, session and consent stores of cfg with
// fresh memory stores.
func withMemory(cfg engine.Config) engine.Config {
	m := memory.New()
	if cfg.Stores.Contacts == nil {
		cfg.Stores.Contacts, cfg.Stores.Companies = m.Contacts, m.Companies
	}
	if cfg.Stores.Sessions == nil {
		cfg.Stores.Sessions = m.Sessions
	}
	if cfg.Stores.Consent == nil {
		cfg.Stores.Consent = m.Consent
	}
	return cfg
}

// loadFlow loads a flow on an engine with every memory store.
func loadFlow(data []byte) (*engine.Flow, error) {
	e, err := engine.New(engine.Config{Stores: memory.New(), Ports: builtin.Ports{
		Directory: availability.NewMemory(), Agents: memory.NewAgents(true), Snippets: map[string]builtin.Snippet{}}})
	if err != nil {
		return nil, err
	}
	return e.Load(data)
}

// updating reports whether golden files are being rewritten.
func updating() bool { return os.Getenv(enginetest.UpdateEnv) != "" }

// golden compares got with a golden file.
func golden(t testing.TB, path string, got []byte) {
	t.Helper()
	enginetest.Golden(t, path, got, updating())
}
