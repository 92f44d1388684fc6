package memory

import (
	"context"
	"sync"

	"github.com/chatflow/chatflow/action"
)

// Agents is an in-memory action.Agents: the AI customer agent's
// availability as a switch the host or a test sets. The zero value reports
// the agent unavailable. Agents is safe for concurrent use and must not be
// copied after first use.
//
// Use it with the Directory of package targeting/availability (its Memory
// type) to run Send to customer agent and Send to team member:
//
//	agents := memory.NewAgents(true)
//	ports := &action.Ports{Directory: availability.NewMemory(), Agents: agents}
//	…
//	agents.SetAvailable(false) // later conversations fall back to people
type Agents struct {
	mu        sync.RWMutex
	available bool
	err       error
}

var _ action.Agents = (*Agents)(nil)

// NewAgents returns an Agents that reports the given availability.
func NewAgents(available bool) *Agents { return &Agents{available: available} }

// SetAvailable changes the reported availability.
func (a *Agents) SetAvailable(available bool) {
	a.mu.Lock()
	a.available = available
	a.mu.Unlock()
}

// SetErr makes Available fail with err (nil restores normal answers), to
// test how a flow copes with an agent service that is down.
func (a *Agents) SetErr(err error) {
	a.mu.Lock()
	a.err = err
	a.mu.Unlock()
}

// Available implements action.Agents. It returns ctx.Err() when the context
// has ended.
func (a *Agents) Available(ctx context.Context) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.err != nil {
		return false, a.err
	}
	return a.available, nil
}
