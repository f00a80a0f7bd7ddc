package scenario

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// env is one breakage being applied: the stack, the links its target
// names, and what has been changed so far.
type env struct {
	dir string
	top *topology.Topology
	now time.Time
	s   Scenario

	// serverLinks are the links whose server side the target names: the
	// links to a service, or every link of a channel. clientLinks are
	// those whose client side it names.
	serverLinks, clientLinks []topology.Link

	applied Applied
}

// resolve turns a target, a service name or a channel (key or number),
// into the links it names.
func (e *env) resolve(target string) error {
	if target == targetStack {
		e.serverLinks, e.clientLinks = e.top.Links, e.top.Links
		return nil
	}
	if _, ok := e.top.Service(target); ok {
		for _, l := range e.top.Links {
			if l.Server == target {
				e.serverLinks = append(e.serverLinks, l)
			}
			if l.Client == target {
				e.clientLinks = append(e.clientLinks, l)
			}
		}
		return nil
	}
	ch, err := topology.ParseChannel(target)
	if err != nil {
		var svcs []string
		for _, s := range e.top.Services {
			svcs = append(svcs, s.Name)
		}
		return fmt.Errorf("target %q: not a service of this stack (%s) nor a channel (%s)",
			target, strings.Join(svcs, ", "), strings.Join(topology.ChannelKeys(), ", "))
	}
	e.serverLinks = e.top.LinksOf(ch)
	e.clientLinks = e.serverLinks
	if len(e.serverLinks) == 0 {
		return fmt.Errorf("target %q: this stack has no link on channel %s", target, ch.Key())
	}
	return nil
}

// servers are the distinct servers of the target's TLS links.
func (e *env) servers() []topology.Service {
	var out []topology.Service
	for _, l := range e.serverLinks {
		if !l.TLS || slices.ContainsFunc(out, func(s topology.Service) bool { return s.Name == l.Server }) {
			continue
		}
		out = append(out, e.top.MustService(l.Server))
	}
	return out
}

func isOutside(client string) bool {
	return client == topology.ClientApplication || client == topology.ClientDevice
}

// serverAffected records that service s changed as a server: every link to
// it shows the change, and so does every link on which it presents its
// certificate as a client.
func (e *env) serverAffected(s topology.Service) {
	e.service(s.Name)
	for _, l := range e.top.Links {
		if l.Server == s.Name || (l.Client == s.Name && l.ClientCert) {
			e.applied.Channels = append(e.applied.Channels, l.Channel)
		}
	}
}

// clientAffected records that client changed on link l.
func (e *env) clientAffected(client string, l topology.Link) {
	e.service(client)
	e.applied.Channels = append(e.applied.Channels, l.Channel)
}

func (e *env) service(name string) {
	if !slices.Contains(e.applied.Services, name) {
		e.applied.Services = append(e.applied.Services, name)
	}
}

func (e *env) touched(file, detail string) {
	e.applied.Files = append(e.applied.Files, file)
	if detail == "" {
		return
	}
	if e.applied.Detail != "" {
		e.applied.Detail += "; "
	}
	e.applied.Detail += detail
}
