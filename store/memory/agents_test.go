package memory_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/chatflow/chatflow/store/memory"
)

func TestAgents(t *testing.T) {
	ctx := context.Background()
	var zero memory.Agents
	ok, err := zero.Available(ctx)
	assert.NoError(t, err)
	assert.False(t, ok, "the zero value reports the agent unavailable")

	a := memory.NewAgents(true)
	ok, err = a.Available(ctx)
	assert.NoError(t, err)
	assert.True(t, ok)

	a.SetAvailable(false)
	ok, _ = a.Available(ctx)
	assert.False(t, ok)

	down := errors.New("agent service down")
	a.SetAvailable(true)
	a.SetErr(down)
	_, err = a.Available(ctx)
	assert.ErrorIs(t, err, down)
	a.SetErr(nil)
	ok, err = a.Available(ctx)
	assert.NoError(t, err)
	assert.True(t, ok)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = a.Available(cancelled)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestAgentsConcurrent(t *testing.T) {
	ctx := context.Background()
	a := memory.NewAgents(false)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				if g%2 == 0 {
					a.SetAvailable(i%2 == 0)
				}
				_, _ = a.Available(ctx)
			}
		}()
	}
	wg.Wait()
}
