package memory

import (
	"context"
	"sync"
)

// Agents reports whether the AI customer agent is available: a switch the
// host or a test sets, for the built-in actions that hand a conversation to
// the agent. It has the method Available(ctx) (bool, error) those actions
// ask for. It is not a store (it persists nothing), so store.Stores has no
// field for it.
//
// The zero value reports the agent unavailable. Agents is safe for
// concurrent use and must not be copied after first use.
type Agents struct {
	mu        sync.RWMutex
	available bool
	err       error
}

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

// Available reports the availability last set, or the error set with
// SetErr. It returns ctx.Err() when the context has ended.
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
