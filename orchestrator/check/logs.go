package check

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/honoctl/honoctl/orchestrator/render"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// hono-sim names its engine in its first line: tls_engine="Go crypto/tls ...".
var simLine = regexp.MustCompile(`tls_engine="(Go crypto/tls[^"]*)"`)

// tlsErrors are what the JDK and Netty write when a TLS handshake fails,
// whichever side and whatever the cause: they are the symptoms, not a list
// of breakages.
var tlsErrors = []string{
	"PKIX path building failed",
	"unable to find valid certification path",
	"No subject alternative names",
	"No name matching",
	"certificate_unknown",
	"bad_certificate",
	"certificate_expired",
	"CertificateExpiredException",
	"SSLHandshakeException",
	"handshake_failure",
}

// LogFindings reads each service's log (by service name): the TLS engine it
// started with, against what the render asked for, and for the upstream
// flavor the TLS errors it logged, leaving out those written during one of
// honoctl's probe runs. Lines may carry Docker's timestamps; lines without
// count as the service's own. hono-sim's own errors are in its readiness,
// which the in-network probe reads.
func LogFindings(top *topology.Topology, logs map[string]string, runs ProbeRuns) []Finding {
	var out []Finding
	for _, s := range top.Services {
		log, ok := logs[s.Name]
		if !ok || s.Role == topology.RoleRouter {
			continue // the router is no Java service; no engine to choose
		}
		out = append(out, engineFinding(top, s, log))
		if top.Options.Flavor == topology.FlavorUpstream {
			out = append(out, tlsErrorFindings(top, s, log, runs)...)
		}
	}
	return out
}

// engineLink is where a service's engine finding goes: the first link it
// serves, whose TLS the engine runs.
func engineLink(top *topology.Topology, s topology.Service) topology.Link {
	for _, l := range top.Links {
		if l.Server == s.Name {
			return l
		}
	}
	return linksOf(top, s)[0]
}

func engineFinding(top *topology.Topology, s topology.Service, log string) Finding {
	l := engineLink(top, s)
	fd := Finding{Channel: l.Channel, Link: l.String(), Check: IDTLSEngine,
		Evidence: []Evidence{{"service", s.Name}, {"asked", string(s.Engine)}}}
	if top.Options.Flavor == topology.FlavorSim {
		m := simLine.FindStringSubmatch(log)
		switch {
		case m == nil:
			fd.Status, fd.Message = Warn, s.Name+"'s log does not name its TLS engine"
			fd.Hint = "hono-sim logs tls_engine in its first line: see honoctl logs " + s.Name
		case s.Engine == topology.EngineOpenSSL:
			fd.Status, fd.Message = Skip, "hono-sim always uses Go's crypto/tls"
			fd.Evidence = append(fd.Evidence, Evidence{"log", m[1]})
		default:
			fd.Status, fd.Message = Pass, s.Name+": "+m[1]+", standing in for the JDK engine the render asked for"
			fd.Evidence = append(fd.Evidence, Evidence{"log", m[1]})
		}
		return fd
	}

	t := ReadEngine(log)
	got, version := string(t.Engine), t.Version
	fd.Evidence = append(fd.Evidence, Evidence{"log", got})
	ext := render.ExtensionDir + "/ (mounted at " + render.ExtensionsPath + ")"
	switch {
	case got == "":
		fd.Status, fd.Message = Warn, s.Name+"'s log has no \"using ... SSL engine\" line"
		fd.Hint = "Hono logs the engine at INFO when a TLS server starts; see honoctl logs " + s.Name
	case t.Missing():
		fd.Status, fd.Message = Fail, "OpenSSL is required (nativeTlsRequired) but no tcnative library loaded"
		if t.Cause != "" {
			fd.Message += ": " + t.Cause
		}
		fd.Hint = "put netty-tcnative-boringssl-static (2.0.10.Final, linux-x86_64) into " + ext
	case got != string(s.Engine):
		fd.Status = Fail
		fd.Message = fmt.Sprintf("%s uses the %s engine, the render asked for %s", s.Name, got, s.Engine)
		if s.Engine == topology.EngineOpenSSL {
			fd.Hint = "no working tcnative jar in " + ext + ": put netty-tcnative-boringssl-static there"
		} else {
			fd.Hint = "a tcnative jar in " + ext + " switches Hono to OpenSSL: remove it, or render with the openssl engine"
		}
	default:
		fd.Status, fd.Message = Pass, s.Name+" uses the "+got+" engine, as asked"
		if version != "" {
			fd.Evidence = append(fd.Evidence, Evidence{"OpenSSL version", version})
		}
	}
	return fd
}

// tlsErrorFindings reports the TLS error lines of a Java service's log.
// A line that names a host of the stack goes to the link between the two
// services and fails it; others (a handshake of a stranger) only warn, on
// the service's first link. Lines written while honoctl probed are left
// out: its probes fail handshakes on purpose (versions, ciphers, the
// tls.client-auth probe's stranger), and would warn on every later run.
//
// TODO: not verified against the upstream images: none can be pulled
// here; the lines follow the facts sheet, section 6.
func tlsErrorFindings(top *topology.Topology, s topology.Service, log string, runs ProbeRuns) []Finding {
	type key struct{ link, pattern string }
	seen := map[key]int{}
	var out []Finding
	for _, line := range strings.Split(log, "\n") {
		at, text := stamped(line)
		if !at.IsZero() && runs.Covers(at) {
			continue
		}
		line = text
		pattern := ""
		for _, p := range tlsErrors {
			if strings.Contains(line, p) {
				pattern = p
				break
			}
		}
		if pattern == "" {
			continue
		}
		l, tied := peerLink(top, s, line)
		k := key{l.String(), pattern}
		if i, ok := seen[k]; ok {
			out[i].Evidence[1].Value = fmt.Sprint(atoi(out[i].Evidence[1].Value) + 1)
			continue
		}
		fd := Finding{Channel: l.Channel, Link: l.String(), Check: IDServiceLog,
			Message:  fmt.Sprintf("%s logged %q", s.Name, pattern),
			Evidence: []Evidence{{"line", strings.TrimSpace(line)}, {"count", "1"}}}
		fix := fixFor(top, l)
		if tied {
			fd.Status = Fail
			fd.Hint = fmt.Sprintf("%s's own TLS error on this link: check %s and %s.* in %s, and the server's %s",
				s.Name, fix.ClientTrust, fix.ClientPrefix, fix.ClientConfig, fix.ServerCert)
		} else {
			fd.Status = Warn
			fd.Hint = "a TLS error the log does not tie to a link; a stranger's handshake (honoctl's own " +
				"probes among them) logs it too: see honoctl logs " + s.Name
		}
		seen[k] = len(out)
		out = append(out, fd)
	}
	return out
}

// peerLink is the link between s and the stack host a log line names.
func peerLink(top *topology.Topology, s topology.Service, line string) (topology.Link, bool) {
	for _, l := range linksOf(top, s) {
		peer := l.Server
		if peer == s.Name {
			peer = l.Client
		}
		if p, ok := top.Service(peer); ok && strings.Contains(line, p.Name) {
			return l, true
		}
	}
	return linksOf(top, s)[0], false
}

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}
