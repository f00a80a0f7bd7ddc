package amqp

import (
	"context"
	"sync"
)

// Tracker follows an unsettled message's delivery to its outcome.
type Tracker struct {
	link *link
	id   uint32
	done chan struct{}
	once sync.Once

	state DeliveryState
	err   error
}

// finish records the outcome once and wakes the waiters.
func (t *Tracker) finish(state DeliveryState, err error) {
	t.once.Do(func() {
		t.state, t.err = state, err
		close(t.done)
	})
}

// Done is closed when the receiver has settled the delivery or the link ended.
func (t *Tracker) Done() <-chan struct{} { return t.done }

// Wait waits for the outcome: nil when accepted, a *DeliveryError for
// rejected, released or modified, or the link's error.
func (t *Tracker) Wait(ctx context.Context) error {
	select {
	case <-t.done:
		return t.result()
	case <-ctx.Done():
		return t.link.linkErr(StageTransfer, nil, ctx.Err())
	}
}

func (t *Tracker) result() error {
	if t.err != nil {
		return t.err
	}
	if _, ok := t.state.(*Accepted); ok {
		return nil
	}
	return &DeliveryError{State: t.state}
}

// State is the delivery's terminal state, nil until Done.
func (t *Tracker) State() DeliveryState {
	select {
	case <-t.done:
		return t.state
	default:
		return nil
	}
}
