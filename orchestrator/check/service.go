package check

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// Service view check identifiers: what each service says of itself.
const (
	IDServiceReady = "service.ready" // the service's own readiness, per link
	IDServiceLog   = "service.log"   // TLS errors in the service's own log
	IDTLSEngine    = "tls.engine"    // the TLS engine a service uses, against the render
)

// readiness is the part of hono-sim's /readiness body the check reads
// (internal/sim/health): every listener and link, its state and error.
type readiness struct {
	Outcome string `json:"outcome"`
	Checks  []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Data   struct {
			Kind   string `json:"kind"`
			Target string `json:"target"`
			State  string `json:"state"`
			Error  string `json:"error"`
			TLS    *struct {
				Version string `json:"tls_version"`
				Cipher  string `json:"cipher"`
			} `json:"tls"`
		} `json:"data"`
	} `json:"checks"`
}

// ReadinessProber reads each hono-sim service's readiness on the stack
// network. Its zero value is ready to use.
type ReadinessProber struct {
	// Timeout bounds each request. Default: 3 s.
	Timeout time.Duration
	// URL returns the readiness URL of a service. Default:
	// http://<alias>:8088/readiness.
	URL func(s topology.Service) string
}

// Jobs returns one job per service of the topology.
func (p *ReadinessProber) Jobs(top *topology.Topology) []Job {
	var jobs []Job
	for _, s := range top.Services {
		jobs = append(jobs, func(ctx context.Context) []Finding { return p.Probe(ctx, top, s) })
	}
	return jobs
}

// Probe reads one service's readiness and reports each of its links, and
// each listener that is down, on the channel it serves, with the service's
// own error text as evidence.
func (p *ReadinessProber) Probe(ctx context.Context, top *topology.Topology, s topology.Service) []Finding {
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	url := "http://" + net.JoinHostPort(s.Alias(), strconv.Itoa(topology.HealthPort.Container)) + "/readiness"
	if p.URL != nil {
		url = p.URL(s)
	}
	r, err := getReadiness(ctx, url)
	if err != nil {
		var out []Finding
		for _, l := range linksOf(top, s) {
			out = append(out, Finding{Channel: l.Channel, Link: l.String(), Check: IDServiceReady, Status: Fail,
				Message: s.Name + " does not answer its readiness: " + err.Error(),
				Hint:    fmt.Sprintf("see why %s is not running: honoctl status, honoctl logs %s", s.Name, s.Name)})
		}
		return out
	}

	// One finding per link: several blocks to the same server
	// (registration, credentials, tenant) fail the link if one is down.
	var out []Finding
	byLink := map[string]int{}
	for _, c := range r.Checks {
		switch c.Data.Kind {
		case "link":
			l, ok := clientLink(top, s, c.Data.Target)
			if !ok {
				continue // not a link of the topology, such as the command link
			}
			i, seen := byLink[l.String()]
			if seen && (c.Status == "UP" || out[i].Status == Fail) {
				continue
			}
			fd := readyFinding(top, s, l, c.ID, c.Status == "UP", c.Data.State, c.Data.Error)
			if c.Data.TLS != nil {
				fd.Evidence = append(fd.Evidence, Evidence{"version", c.Data.TLS.Version})
			}
			if seen {
				out[i] = fd
			} else {
				byLink[l.String()] = len(out)
				out = append(out, fd)
			}
		case "listener":
			if c.Status == "UP" {
				continue
			}
			for _, l := range serverLinks(top, s, c.Data.Target) {
				fix := fixFor(top, l)
				out = append(out, Finding{Channel: l.Channel, Link: l.String(), Check: IDServiceReady, Status: Fail,
					Message:  fmt.Sprintf("%s reports its listener %s %s: %s", s.Name, c.ID, c.Data.State, c.Data.Error),
					Evidence: []Evidence{{"service", s.Name}, {"listener", c.ID}, {"error", c.Data.Error}},
					Hint:     fmt.Sprintf("the listener's key and certificate: %s and %s", fix.ServerCert, fix.ServerConfig)})
			}
		}
	}
	return out
}

func readyFinding(top *topology.Topology, s topology.Service, l topology.Link, id string, up bool, state, errText string) Finding {
	fd := Finding{Channel: l.Channel, Link: l.String(), Check: IDServiceReady,
		Evidence: []Evidence{{"service", s.Name}, {"link", id}, {"state", state}}}
	if up {
		fd.Status, fd.Message = Pass, s.Name+" reports "+id+" connected"
		return fd
	}
	fd.Status, fd.Message = Fail, fmt.Sprintf("%s reports %s %s", s.Name, id, state)
	if errText != "" {
		fd.Message += ": " + errText
		fd.Evidence = append(fd.Evidence, Evidence{"error", errText})
	}
	fix := fixFor(top, l)
	fd.Hint = fmt.Sprintf("the error is %s's own: check %s and the settings %s.* in %s, and the server's %s",
		s.Name, fix.ClientTrust, fix.ClientPrefix, fix.ClientConfig, fix.ServerCert)
	return fd
}

func getReadiness(ctx context.Context, url string) (*readiness, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	var r readiness
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%s: %s, not hono-sim's readiness JSON: %w", url, resp.Status, err)
	}
	return &r, nil
}

// linksOf are the links a service takes part in, as client first.
func linksOf(top *topology.Topology, s topology.Service) []topology.Link {
	var client, server []topology.Link
	for _, l := range top.Links {
		switch s.Name {
		case l.Client:
			client = append(client, l)
		case l.Server:
			server = append(server, l)
		}
	}
	return append(client, server...)
}

// clientLink is the service's link to target (host:port as it dials it).
func clientLink(top *topology.Topology, s topology.Service, target string) (topology.Link, bool) {
	for _, l := range top.Links {
		if l.Client == s.Name && net.JoinHostPort(l.Hostname, strconv.Itoa(l.Port.Container)) == target {
			return l, true
		}
	}
	return topology.Link{}, false
}

// serverLinks are the links that reach the service's listener on addr.
func serverLinks(top *topology.Topology, s topology.Service, addr string) []topology.Link {
	_, port, _ := net.SplitHostPort(addr)
	var out []topology.Link
	for _, l := range top.Links {
		if l.Server == s.Name && strconv.Itoa(l.Port.Container) == port {
			out = append(out, l)
		}
	}
	return out
}
