package check

import (
	"regexp"
	"strings"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// TLSEngine is what a Hono 0.7 service's log says about its TLS engine
// (AbstractServiceBase.addTlsKeyCertOptions and Netty's OpenSsl, facts
// sheet section 6).
type TLSEngine struct {
	// Engine is topology.EngineOpenSSL, topology.EngineJDK, or empty when
	// the log names none.
	Engine topology.Engine
	// Version is OpenSSL's version string; "null" when OpenSSL was forced
	// (nativeTlsRequired) without tcnative.
	Version string
	// Available is Netty's OpenSsl.isAvailable() from the DEBUG line,
	// empty when the log lacks it.
	Available string
	// Cause is why Netty could not load tcnative, when the log says.
	Cause string
}

// Hono's engine lines, logged at INFO when a TLS server starts, and
// Netty's DEBUG lines about tcnative.
var (
	openSSLLine   = regexp.MustCompile(`using OpenSSL \[version: ([^\]]*)\] instead of JDK's default SSL engine`)
	jdkLine       = regexp.MustCompile(`using JDK's default SSL engine`)
	availableLine = regexp.MustCompile(`OpenSSL \[available: (true|false)`)
	causeLine     = regexp.MustCompile(`OpenSSL unavailable: (.*)`)
	notAvailable  = regexp.MustCompile(`OpenSSL is not available|failed to load the required native library`)
)

// ReadEngine reads a Java service's log for its TLS engine. The stack's
// checks and the TLS engine lab read the same lines through it.
func ReadEngine(log string) TLSEngine {
	var t TLSEngine
	if m := openSSLLine.FindStringSubmatch(log); m != nil {
		t.Engine, t.Version = topology.EngineOpenSSL, m[1]
	} else if jdkLine.MatchString(log) {
		t.Engine = topology.EngineJDK
	}
	if m := availableLine.FindStringSubmatch(log); m != nil {
		t.Available = m[1]
	}
	if m := causeLine.FindStringSubmatch(log); m != nil {
		t.Cause = strings.TrimSpace(m[1])
	} else if m := notAvailable.FindString(log); m != "" {
		t.Cause = m
	}
	return t
}

// Missing tells whether OpenSSL was asked for but tcnative did not load:
// a Hono service then cannot start its TLS server.
func (t TLSEngine) Missing() bool {
	return t.Engine == topology.EngineOpenSSL && (t.Version == "null" || t.Available == "false" || t.Cause != "")
}
