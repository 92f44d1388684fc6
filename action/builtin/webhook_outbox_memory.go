package builtin

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/chatflow/chatflow/action"
)

// The defaults of MemoryOutboxConfig.
const (
	DefaultOutboxWorkers     = 2
	DefaultOutboxQueueSize   = 256
	DefaultOutboxMaxAttempts = 5
)

// MemoryOutboxConfig configures a MemoryWebhookOutbox. Send is required;
// a field left zero takes its default.
type MemoryOutboxConfig struct {
	// Send makes one delivery attempt; normally the Send method of a
	// WebhookSender built from the engine's ports.
	Send func(ctx context.Context, d WebhookDelivery) error
	// Workers is how many deliveries are attempted at once;
	// DefaultOutboxWorkers when 0.
	Workers int
	// QueueSize bounds the deliveries waiting for a worker; Enqueue refuses
	// more with ErrOutboxFull. DefaultOutboxQueueSize when 0.
	QueueSize int
	// MaxAttempts bounds the attempts of one delivery;
	// DefaultOutboxMaxAttempts when 0.
	MaxAttempts int
	// Backoff is the wait after failed attempt n (1, 2, …); nil means
	// DefaultOutboxBackoff.
	Backoff func(attempt int) time.Duration
	// OnResult, if set, is told the outcome of every delivery: delivered,
	// failed for good, or dropped at shutdown. It is called from the
	// outbox's goroutines, one call at a time per worker; it should return
	// quickly.
	OnResult func(WebhookDeliveryResult)
}

// DefaultOutboxBackoff waits 1 s after the first failed attempt, then
// twice as long after each next one, up to a minute.
func DefaultOutboxBackoff(attempt int) time.Duration {
	d := time.Second
	for i := 1; i < attempt && d < time.Minute; i++ {
		d *= 2
	}
	return min(d, time.Minute)
}

// WebhookDeliveryResult is what became of a delivery.
type WebhookDeliveryResult struct {
	// Delivery is the delivery.
	Delivery WebhookDelivery
	// Attempts is how many attempts were made.
	Attempts int
	// Err is nil when it was delivered; else the last attempt's error, or
	// an error matching ErrOutboxClosed when it was dropped at shutdown.
	Err error
}

// Event returns the result as an action event, for a host that logs
// failures with the turns' events: EventWebhookFailed for a failure, the
// zero Event for a success.
func (r WebhookDeliveryResult) Event() action.Event {
	if r.Err == nil {
		return action.Event{}
	}
	return action.Event{Type: EventWebhookFailed, Time: r.Delivery.Created, Action: r.Delivery.Action, ActionType: WebhookType,
		FlowID: r.Delivery.FlowID, FlowVersion: r.Delivery.FlowVersion, Value: r.Delivery.ID,
		Reason: fmt.Sprintf("webhook not delivered after %d attempts: %v", r.Attempts, r.Err), Err: r.Err}
}

// MemoryWebhookOutbox is a WebhookOutbox that keeps deliveries in memory
// and delivers them in the background, retrying failures that may pass
// (WebhookRetryable) with backoff: for demos, tests and hosts that can
// lose a delivery when their process stops. Build it with
// NewMemoryWebhookOutbox, which starts its workers, and stop it with
// Shutdown (or Close): afterwards none of its goroutines is left. It is
// safe for concurrent use.
type MemoryWebhookOutbox struct {
	cfg   MemoryOutboxConfig
	queue chan WebhookDelivery
	wg    sync.WaitGroup
	// ctx is cancelled when a shutdown gives up waiting: attempts and
	// backoffs in progress stop.
	ctx   context.Context
	abort context.CancelFunc

	mu      sync.Mutex
	closed  bool
	stop    chan struct{}   // closed when the outbox stops taking deliveries
	pending map[string]bool // IDs queued or being delivered
}

// NewMemoryWebhookOutbox starts an outbox; cfg.Send is required.
func NewMemoryWebhookOutbox(cfg MemoryOutboxConfig) (*MemoryWebhookOutbox, error) {
	if cfg.Send == nil {
		return nil, errors.New("builtin: MemoryOutboxConfig.Send is required")
	}
	if cfg.Workers < 0 || cfg.QueueSize < 0 || cfg.MaxAttempts < 0 {
		return nil, fmt.Errorf("builtin: negative outbox setting (workers %d, queue %d, attempts %d)", cfg.Workers, cfg.QueueSize, cfg.MaxAttempts)
	}
	if cfg.Workers == 0 {
		cfg.Workers = DefaultOutboxWorkers
	}
	if cfg.QueueSize == 0 {
		cfg.QueueSize = DefaultOutboxQueueSize
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = DefaultOutboxMaxAttempts
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultOutboxBackoff
	}
	o := &MemoryWebhookOutbox{cfg: cfg, queue: make(chan WebhookDelivery, cfg.QueueSize),
		stop: make(chan struct{}), pending: map[string]bool{}}
	o.ctx, o.abort = context.WithCancel(context.Background())
	o.wg.Add(cfg.Workers)
	for range cfg.Workers {
		go o.work()
	}
	return o, nil
}

// Enqueue implements WebhookOutbox. A delivery whose ID is already queued
// or being delivered is dropped as a duplicate (the retry of a turn). It
// fails with ErrOutboxClosed after Shutdown began, and with ErrOutboxFull
// when the queue is full.
func (o *MemoryWebhookOutbox) Enqueue(_ context.Context, d WebhookDelivery) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case o.closed:
		return ErrOutboxClosed
	case o.pending[d.ID]:
		return nil
	}
	select {
	case o.queue <- d:
		o.pending[d.ID] = true
		return nil
	default:
		return fmt.Errorf("%w: %d deliveries are waiting", ErrOutboxFull, cap(o.queue))
	}
}

// Len returns how many deliveries are queued or being delivered.
func (o *MemoryWebhookOutbox) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.pending)
}

// Shutdown stops taking deliveries and waits until those queued are
// delivered or given up, retries included. When ctx is done first, the
// attempts and backoffs in progress are cut short, the deliveries left are
// dropped (reported to OnResult with ErrOutboxClosed), and Shutdown
// returns ctx's error once every goroutine of the outbox has ended.
// Calling it again waits again.
func (o *MemoryWebhookOutbox) Shutdown(ctx context.Context) error {
	o.mu.Lock()
	if !o.closed {
		o.closed = true
		close(o.stop)
	}
	o.mu.Unlock()
	done := make(chan struct{})
	go func() {
		o.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		o.abort()
		return nil
	case <-ctx.Done():
		o.abort()
		<-done
		return ctx.Err()
	}
}

// Close stops the outbox at once: the deliveries not yet made are dropped
// (reported to OnResult with ErrOutboxClosed). It returns when every
// goroutine of the outbox has ended.
func (o *MemoryWebhookOutbox) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = o.Shutdown(ctx)
	return nil
}

// work delivers queued deliveries until the outbox stops and its queue is
// empty.
func (o *MemoryWebhookOutbox) work() {
	defer o.wg.Done()
	for {
		select {
		case d := <-o.queue:
			o.deliver(d)
		case <-o.stop:
			for {
				select {
				case d := <-o.queue:
					o.deliver(d)
				default:
					return
				}
			}
		}
	}
}

// deliver attempts d until it succeeds, fails for good, runs out of
// attempts or the outbox is aborted, and reports the result.
func (o *MemoryWebhookOutbox) deliver(d WebhookDelivery) {
	res := WebhookDeliveryResult{Delivery: d}
	defer func() {
		o.mu.Lock()
		delete(o.pending, d.ID)
		o.mu.Unlock()
		if o.cfg.OnResult != nil {
			o.cfg.OnResult(res)
		}
	}()
	for {
		if err := o.ctx.Err(); err != nil {
			res.Err = fmt.Errorf("%w: dropped at shutdown", ErrOutboxClosed)
			if res.Attempts > 0 {
				res.Err = fmt.Errorf("%w: dropped at shutdown after %d attempts", ErrOutboxClosed, res.Attempts)
			}
			return
		}
		res.Attempts++
		res.Err = o.send(d)
		if res.Err == nil || res.Attempts >= o.cfg.MaxAttempts || !WebhookRetryable(res.Err) {
			if res.Err != nil && o.ctx.Err() != nil {
				res.Err = fmt.Errorf("%w: attempt %d cut short: %w", ErrOutboxClosed, res.Attempts, res.Err)
			}
			return
		}
		t := time.NewTimer(o.cfg.Backoff(res.Attempts))
		select {
		case <-t.C:
		case <-o.ctx.Done():
			t.Stop()
		}
	}
}

// send makes one attempt, turning a panic of the host's Send into an
// error so that a worker survives it.
func (o *MemoryWebhookOutbox) send(d WebhookDelivery) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: sending panicked: %v", ErrWebhookDelivery, p)
		}
	}()
	return o.cfg.Send(o.ctx, d)
}
