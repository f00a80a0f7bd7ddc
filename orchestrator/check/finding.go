// Package check probes the TLS channels of a running Hono stack as each
// channel's client sees them, and turns what it sees into findings that say
// what is wrong and which file or setting fixes it.
package check

import (
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// Status is the outcome of one check.
type Status string

// The outcomes, from best to worst; Skip says the check could not run
// because something it needs failed first.
const (
	Pass Status = "pass"
	Warn Status = "warn"
	Fail Status = "fail"
	Skip Status = "skip"
)

// Check identifiers. They are stable: reports, CI and the scenarios refer to
// them.
const (
	IDHandshake  = "tls.handshake"   // TCP and TLS handshake as the client configures it
	IDChain      = "tls.chain"       // the server's chain verifies against the client's trust
	IDHostname   = "tls.hostname"    // the dialled host name is in the certificate's SAN
	IDValidity   = "tls.validity"    // not expired, not yet valid, or expiring soon
	IDVersions   = "tls.versions"    // protocol versions the server accepts
	IDCiphers    = "tls.ciphers"     // weak cipher suites the server accepts
	IDClientAuth = "tls.client-auth" // mutual TLS: refuses strangers, accepts the client
	IDPlaintext  = "tls.plaintext"   // the plain port next to the TLS one
	IDKey        = "tls.key"         // the chain's keys are strong enough (RSA 2048, P-256)
)

// Evidence is one observed fact behind a finding, such as the TLS version or
// the certificate chain the server sent.
type Evidence struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Finding is the result of one check on one link.
type Finding struct {
	Channel  topology.Channel `json:"channel"`
	Link     string           `json:"link"`
	Check    string           `json:"check"`
	Status   Status           `json:"status"`
	Message  string           `json:"message"`
	Evidence []Evidence       `json:"evidence,omitempty"`
	// Hint names the file or setting to change; set on every failure and
	// warning.
	Hint string `json:"hint,omitempty"`
}

// Worst returns the worst status among findings: Fail over Warn over Pass.
// Skipped checks do not count; a run with only skips passes.
func Worst(fs []Finding) Status {
	worst := Pass
	for _, f := range fs {
		switch {
		case f.Status == Fail:
			return Fail
		case f.Status == Warn:
			worst = Warn
		}
	}
	return worst
}
