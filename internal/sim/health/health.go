// Package health serves a role's /liveness and /readiness on
// hono.app.healthCheckBindAddress:healthCheckPort, as Hono's services do on
// 8088, with a body that lists every listener and upstream link: its
// state, and for a TLS link the version, cipher and peer certificate, or the
// error that keeps it down.
package health

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/honoctl/honoctl/internal/sim/tlsconf"
)

// State is where a link or listener is.
type State string

// States of a link or listener.
const (
	Connecting State = "connecting"
	Connected  State = "connected"
	Failed     State = "failed"
	Listening  State = "listening"
	Down       State = "down"
)

// Status is what a role reports about itself. It is safe for concurrent use.
type Status struct {
	mu        sync.Mutex
	listeners []*Listener
	links     []*Link
}

// Listener is one server port of the role.
type Listener struct {
	status *Status
	name   string
	addr   string
	state  State
	err    string
}

// Link is one connection the role makes to a peer.
type Link struct {
	status   *Status
	name     string
	target   string
	required bool
	state    State
	tls      *tlsconf.State
	err      string
	since    time.Time
}

// NewStatus returns an empty status. It is not ready until the role has
// registered a listener or link and they are up: a role that is still
// starting must not look ready to compose's health check.
func NewStatus() *Status { return &Status{} }

// Listener registers a listener, down until Up is called.
func (s *Status) Listener(name, addr string) *Listener {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := &Listener{status: s, name: name, addr: addr, state: Down}
	s.listeners = append(s.listeners, l)
	return l
}

// Up marks the listener as accepting connections on addr.
func (l *Listener) Up(addr string) {
	l.status.mu.Lock()
	defer l.status.mu.Unlock()
	l.addr, l.state, l.err = addr, Listening, ""
}

// Down marks the listener as closed, with why.
func (l *Listener) Down(err error) {
	l.status.mu.Lock()
	defer l.status.mu.Unlock()
	l.state, l.err = Down, errText(err)
}

// Link registers a link to target. A required link must be connected for
// the role to be ready.
func (s *Status) Link(name, target string, required bool) *Link {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := &Link{status: s, name: name, target: target, required: required, state: Connecting, since: time.Now()}
	s.links = append(s.links, l)
	return l
}

// Connecting marks the link as being (re)established.
func (l *Link) Connecting() { l.set(Connecting, nil, nil) }

// Connected marks the link as up; cs is its TLS state, nil for plain TCP.
func (l *Link) Connected(cs *tls.ConnectionState) {
	var st *tlsconf.State
	if cs != nil {
		d := tlsconf.Describe(*cs)
		st = &d
	}
	l.set(Connected, st, nil)
}

// Failed marks the link as down because of err; a TLS error is explained
// with its cause.
func (l *Link) Failed(err error) { l.set(Failed, nil, err) }

func (l *Link) set(s State, st *tlsconf.State, err error) {
	l.status.mu.Lock()
	defer l.status.mu.Unlock()
	if l.state != s {
		l.since = time.Now()
	}
	l.state, l.tls = s, st
	if err != nil || s == Connected {
		l.err = errText(err)
	}
}

// Check is one entry of the readiness body, in the shape of Vert.x's
// health check handler that Hono uses ({"id", "status", "data"}).
type Check struct {
	ID     string    `json:"id"`
	Status string    `json:"status"` // UP or DOWN
	Data   CheckData `json:"data"`
}

// CheckData is what hono-sim adds to a check.
type CheckData struct {
	Kind     string         `json:"kind"` // listener or link
	Target   string         `json:"target"`
	State    State          `json:"state"`
	Required bool           `json:"required,omitempty"`
	TLS      *tlsconf.State `json:"tls,omitempty"`
	Since    *time.Time     `json:"since,omitempty"`
	Error    string         `json:"error,omitempty"`
}

// Report is the readiness body.
type Report struct {
	Outcome string  `json:"outcome"` // UP or DOWN
	Checks  []Check `json:"checks"`
}

// Report returns the current readiness: UP when every listener listens
// and every required link is connected.
func (s *Status) Report() Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := Report{Outcome: "UP", Checks: []Check{}}
	if len(s.listeners)+len(s.links) == 0 {
		r.Outcome = "DOWN" // starting
	}
	for _, l := range s.listeners {
		c := Check{ID: l.name, Status: "UP", Data: CheckData{Kind: "listener", Target: l.addr, State: l.state, Error: l.err}}
		if l.state != Listening {
			c.Status, r.Outcome = "DOWN", "DOWN"
		}
		r.Checks = append(r.Checks, c)
	}
	for _, l := range s.links {
		since := l.since
		c := Check{ID: l.name, Status: "UP", Data: CheckData{Kind: "link", Target: l.target, State: l.state,
			Required: l.required, TLS: l.tls, Since: &since, Error: l.err}}
		if l.state != Connected {
			c.Status = "DOWN"
			if l.required {
				r.Outcome = "DOWN"
			}
		}
		r.Checks = append(r.Checks, c)
	}
	return r
}

// Handler serves /liveness (200 while the process runs) and /readiness
// (200 when ready, 503 otherwise), both with a JSON body.
func (s *Status) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /liveness", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, Report{Outcome: "UP", Checks: []Check{}})
	})
	mux.HandleFunc("GET /readiness", func(w http.ResponseWriter, _ *http.Request) {
		r := s.Report()
		code := http.StatusOK
		if r.Outcome != "UP" {
			code = http.StatusServiceUnavailable
		}
		writeJSON(w, code, r)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away; nothing to do
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	if c := tlsconf.Classify(err); c != tlsconf.CauseOther {
		return tlsconf.Explain(err)
	}
	return err.Error()
}
