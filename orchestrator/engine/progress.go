package engine

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Step is where a service is on its way up (or down).
type Step string

// The states a service goes through; StepFailed, StepHealthy, StepRunning and StepKept end it.
const (
	StepBuilding Step = "building"
	StepBuilt    Step = "built"
	StepCreated  Step = "created"
	StepStarting Step = "starting"
	StepWaiting  Step = "waiting"
	StepHealthy  Step = "healthy"
	StepRunning  Step = "running"
	StepKept     Step = "up to date"
	StepFailed   Step = "failed"
	StepStopping Step = "stopping"
	StepRemoved  Step = "removed"
)

// Event is one step of one service (or image, network, volume).
type Event struct {
	// Name is the service, or "image X", "network X", "volume X".
	Name string
	Step Step
	// Detail says more: what it waits for, why it failed.
	Detail string
	// Logs are the last lines a failed service wrote.
	Logs []string
}

// Progress receives the events of an operation. Implementations must be
// safe for concurrent use: services start in parallel.
type Progress interface {
	Event(Event)
}

type discard struct{}

func (discard) Event(Event) {}

// Discard drops every event.
var Discard Progress = discard{}

// NewPlainProgress writes one line per event: for CI logs, NO_COLOR and
// anything that is not a terminal.
func NewPlainProgress(w io.Writer) Progress {
	return &plain{w: w, start: time.Now()}
}

type plain struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

func (p *plain) Event(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	line := fmt.Sprintf("%5.1fs %s: %s", time.Since(p.start).Seconds(), e.Name, e.Step)
	if e.Detail != "" {
		line += " (" + e.Detail + ")"
	}
	fmt.Fprintln(p.w, line)
	for _, l := range e.Logs {
		fmt.Fprintf(p.w, "      | %s\n", l)
	}
}

// NewTTYProgress keeps one line per name, rewritten in place; the log
// lines of a failure are printed under the table by Close. Close ends it.
func NewTTYProgress(w io.Writer) *TTYProgress {
	return &TTYProgress{w: w, start: time.Now(), index: map[string]int{}}
}

// TTYProgress is the terminal's live display.
type TTYProgress struct {
	mu     sync.Mutex
	w      io.Writer
	start  time.Time
	names  []string
	index  map[string]int
	events []Event
	drawn  int
}

// Event updates the line of e.Name and redraws.
func (p *TTYProgress) Event(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	i, ok := p.index[e.Name]
	if !ok {
		i = len(p.names)
		p.index[e.Name] = i
		p.names = append(p.names, e.Name)
		p.events = append(p.events, e)
	}
	p.events[i] = e
	p.draw()
}

// Close prints the last log lines of what failed, below the lines.
func (p *TTYProgress) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.events {
		if len(e.Logs) == 0 {
			continue
		}
		fmt.Fprintf(p.w, "last lines of %s:\n", e.Name)
		for _, l := range e.Logs {
			fmt.Fprintf(p.w, "  | %s\n", l)
		}
	}
}

func (p *TTYProgress) draw() {
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn) // back to the first line
	}
	width := 0
	for _, n := range p.names {
		width = max(width, len(n))
	}
	for _, e := range p.events {
		mark := map[Step]string{StepHealthy: "✔", StepRunning: "✔", StepKept: "✔", StepBuilt: "✔",
			StepFailed: "✘", StepRemoved: "✔"}[e.Step]
		// A network or volume is done once created; a service goes on.
		if e.Step == StepCreated && strings.Contains(e.Name, " ") {
			mark = "✔"
		}
		if mark == "" {
			mark = "…"
		}
		line := fmt.Sprintf("%s %-*s  %s", mark, width, e.Name, e.Step)
		if e.Detail != "" {
			line += " (" + e.Detail + ")"
		}
		fmt.Fprintf(&b, "\x1b[2K%s\n", line)
	}
	fmt.Fprintf(&b, "\x1b[2K%.1fs\n", time.Since(p.start).Seconds())
	p.drawn = len(p.events) + 1
	io.WriteString(p.w, b.String())
}
