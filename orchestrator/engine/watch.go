package engine

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
)

// watcher routes the engine's events about a project's containers to the
// services waiting on them, so that a wait ends when the health check
// passes, not at the next poll. Polling every container often loads a
// small machine's engine and slows the very starts it waits for.
type watcher struct {
	mu     sync.Mutex
	subs   map[string]chan struct{}
	broken atomic.Bool
}

// watch subscribes to the container events of project until ctx ends.
func (e *Engine) watch(ctx context.Context, project string) *watcher {
	w := &watcher{subs: map[string]chan struct{}{}}
	msgs, errs := e.cli.Events(ctx, events.ListOptions{Filters: filters.NewArgs(
		filters.Arg("type", string(events.ContainerEventType)),
		filters.Arg("label", LabelProject+"="+project))})
	go func() {
		for {
			select {
			case m := <-msgs:
				// Health checks run as execs: those events say nothing yet.
				if !strings.HasPrefix(string(m.Action), "exec_") {
					w.poke(m.Actor.ID)
				}
			case <-errs:
				w.broken.Store(true)
				return
			}
		}
	}()
	return w
}

// events is the channel that says "look again" for container id.
func (w *watcher) events(id string) <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	ch, ok := w.subs[id]
	if !ok {
		ch = make(chan struct{}, 1)
		w.subs[id] = ch
	}
	return ch
}

func (w *watcher) poke(id string) {
	select {
	case <-w.events(id):
	default:
	}
	w.mu.Lock()
	ch := w.subs[id]
	w.mu.Unlock()
	select {
	case ch <- struct{}{}:
	default:
	}
}

// fallback is how long a wait goes without an event before it looks
// anyway: events can be missed before the subscription is up.
func (w *watcher) fallback() time.Duration {
	if w == nil || w.broken.Load() {
		return 100 * time.Millisecond
	}
	return 500 * time.Millisecond
}
