// Package scenario is the catalogue of TLS and AMQP breakages honoctl can
// apply to a stack on purpose, to reproduce what a Hono deployment shows
// when that mistake is made: an expired certificate, a missing
// intermediate, a wrong password. A breakage changes only what the real
// mistake changes (a certificate, a key, a trust store, a configuration
// key), in the stack folder after honoctl certs and render; a plain
// honoctl up (or certs and render) puts the healthy files back.
//
// The checks know nothing of this package: they find a breakage the way
// they find any problem. What a breakage adds is its explanation, appended
// to the hints of the findings it causes (Annotate).
package scenario

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// Stage is the step of the stack's making a breakage belongs to: what
// honoctl certs writes, or what honoctl render writes.
type Stage string

// The stages: certs/ or config/.
const (
	StageCerts  Stage = "certs"
	StageRender Stage = "render"
)

// Scenario is one entry of the catalogue.
type Scenario struct {
	// Name is what --break takes: "expired-cert".
	Name string `json:"name"`
	// Breaks says what is changed, in a line.
	Breaks string `json:"breaks"`
	// Sees is what a user sees: the error text Hono's Java services, the
	// router or a device client print.
	Sees string `json:"sees"`
	// Fix is how the real mistake is repaired.
	Fix string `json:"fix"`
	// Cause is the explanation a finding's hint gets when the stack runs
	// with the breakage, the way a colleague would explain it.
	Cause string `json:"cause"`
	// Stage is where the breakage lives: certs/ or config/.
	Stage Stage `json:"stage"`
	// Default is the target when none is given: a service or a channel.
	Default string `json:"default"`
	// Warning is true when the breakage warns rather than fails.
	Warning bool `json:"warning,omitempty"`
	// Upstream is true when the breakage applies to the upstream flavor
	// only.
	Upstream bool `json:"upstream_only,omitempty"`

	apply func(*env) error
}

// Applied is a breakage as applied to a stack folder; breaks.json lists
// them.
type Applied struct {
	Scenario string `json:"scenario"`
	Target   string `json:"target"`
	// Services are those whose files changed, and whose links show it.
	Services []string `json:"services"`
	// Channels are the channels whose findings the breakage explains.
	Channels []topology.Channel `json:"channels"`
	// Marks identify findings the breakage causes on links of services
	// it did not change: the user name of a changed password, which the
	// checks log in with elsewhere too.
	Marks []string `json:"marks,omitempty"`
	// Files are the changed files, relative to the stack folder.
	Files []string `json:"files"`
	// Detail says exactly what changed.
	Detail string    `json:"detail"`
	At     time.Time `json:"at"`
}

// Spec is the --break form of an applied breakage: "NAME:TARGET".
func (a Applied) Spec() string { return a.Scenario + ":" + a.Target }

// ErrNotApplicable says a breakage cannot be reproduced on this stack (a
// flavor it does not apply to, a target it has no meaning for).
var ErrNotApplicable = errors.New("does not apply")

// Catalogue lists every breakage, in the order honoctl scenarios prints.
func Catalogue() []Scenario { return slices.Clone(catalogue) }

// Lookup finds a breakage by name.
func Lookup(name string) (Scenario, bool) {
	i := slices.IndexFunc(catalogue, func(s Scenario) bool { return s.Name == name })
	if i < 0 {
		return Scenario{}, false
	}
	return catalogue[i], true
}

// Parse reads "NAME[:TARGET]" and checks the name.
func Parse(spec string) (Scenario, string, error) {
	name, target, _ := strings.Cut(strings.TrimSpace(spec), ":")
	s, ok := Lookup(name)
	if !ok {
		return Scenario{}, "", fmt.Errorf("breakage %q: not in the catalogue; honoctl scenarios lists them: %s",
			name, strings.Join(names(), ", "))
	}
	if target == "" {
		target = s.Default
	}
	return s, target, nil
}

func names() []string {
	out := make([]string, len(catalogue))
	for i, s := range catalogue {
		out[i] = s.Name
	}
	return out
}

// Apply applies the breakage spec ("NAME[:SERVICE|CHANNEL]") to the stack
// folder dir of topology top and returns what it changed. It does not
// record it: Record does, once every breakage of a command is applied.
func Apply(dir string, top *topology.Topology, spec string, now time.Time) (Applied, error) {
	s, target, err := Parse(spec)
	if err != nil {
		return Applied{}, err
	}
	if s.Upstream && top.Options.Flavor != topology.FlavorUpstream {
		return Applied{}, fmt.Errorf("--break %s: %w to the sim flavor: hono-sim uses Go's crypto/tls "+
			"and has no OpenSSL to require; render with --images upstream to reproduce it", s.Name, ErrNotApplicable)
	}
	e := &env{dir: dir, top: top, now: now, s: s,
		applied: Applied{Scenario: s.Name, Target: target, At: now.UTC()}}
	if err := e.resolve(target); err != nil {
		return Applied{}, fmt.Errorf("--break %s: %w", spec, err)
	}
	if err := s.apply(e); err != nil {
		return Applied{}, fmt.Errorf("--break %s: %w", spec, err)
	}
	slices.Sort(e.applied.Files)
	e.applied.Files = slices.Compact(e.applied.Files)
	slices.Sort(e.applied.Channels)
	e.applied.Channels = slices.Compact(e.applied.Channels)
	return e.applied, nil
}
