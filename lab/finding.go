package lab

import (
	"regexp"
	"strings"

	"github.com/honoctl/honoctl/orchestrator/check"
)

// IDEngine is the check id of the TLS engine finding.
const IDEngine = "tls.engine"

// The TLS engines a Hono 0.7 service can log.
const (
	EngineOpenSSL = "openssl"
	EngineJDK     = "jdk"
)

// TLSEngine is what a service's log says about its TLS engine.
type TLSEngine struct {
	// Engine is EngineOpenSSL, EngineJDK or empty when the log names none.
	Engine string
	// Version is OpenSSL's version string; "null" when OpenSSL was forced
	// (nativeTlsRequired) without tcnative.
	Version string
	// Available is Netty's OpenSsl.isAvailable() from the DEBUG line,
	// empty when the log lacks it.
	Available string
	// Cause is why Netty could not load tcnative, when the log says.
	Cause string
}

var (
	openSSLLine   = regexp.MustCompile(`using OpenSSL \[version: ([^\]]*)\] instead of JDK's default SSL engine`)
	availableLine = regexp.MustCompile(`OpenSSL \[available: (true|false)`)
	causeLine     = regexp.MustCompile(`OpenSSL unavailable: (.*)`)
	notAvailable  = regexp.MustCompile(`OpenSSL is not available|failed to load the required native library`)
)

// ReadEngine reads Hono's engine lines (AbstractServiceBase) from log.
func ReadEngine(log string) TLSEngine {
	var t TLSEngine
	if m := openSSLLine.FindStringSubmatch(log); m != nil {
		t.Engine, t.Version = EngineOpenSSL, m[1]
	} else if strings.Contains(log, "using JDK's default SSL engine") {
		t.Engine = EngineJDK
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

// EngineFinding judges the TLS engine of service from its log, for the
// lab's endpoints, which are no topology services.
//
// TODO: check.LogFindings reads the same lines for a stack's services
// (e2e/lab_check_test.go feeds it the lab's logs); the two should share
// one reader once check exports it, so that they cannot drift apart.
//
// want is the engine it should use (empty: either). OpenSSL forced
// without tcnative, which stops a Hono service from starting, fails and
// names the missing jar.
func EngineFinding(service, log, want string) check.Finding {
	t := ReadEngine(log)
	f := check.Finding{Link: service, Check: IDEngine}
	if t.Engine != "" {
		f.Evidence = append(f.Evidence, check.Evidence{Key: "engine", Value: t.Engine})
	}
	if t.Version != "" {
		f.Evidence = append(f.Evidence, check.Evidence{Key: "openssl version", Value: t.Version})
	}
	if t.Cause != "" {
		f.Evidence = append(f.Evidence, check.Evidence{Key: "tcnative", Value: t.Cause})
	}

	switch {
	case t.Engine == EngineOpenSSL && (t.Version == "null" || t.Available == "false" || t.Cause != ""):
		f.Status = check.Fail
		f.Message = service + " requires OpenSSL (nativeTlsRequired) but Netty's tcnative is missing " +
			"from /opt/hono/extensions, so its TLS server cannot start"
		if t.Cause != "" {
			f.Message += ": " + t.Cause
		}
		f.Hint = "put a tcnative variant into the extensions folder (scripts/fetch-tcnative.sh debian " +
			"or boringssl), or drop nativeTlsRequired from " + service + "'s configuration"
	case t.Engine == "":
		f.Status = check.Warn
		f.Message = service + "'s log names no TLS engine (Hono logs it at INFO when a TLS server starts)"
		f.Hint = "read the start of " + service + "'s log (honoctl logs " + service + ")"
	case want != "" && t.Engine != want:
		f.Status = check.Fail
		f.Message = service + " uses the " + engineName(t) + ", not the " + engineName(TLSEngine{Engine: want})
		f.Hint = hintFor(want)
	default:
		f.Status = check.Pass
		f.Message = service + " uses the " + engineName(t)
	}
	return f
}

func engineName(t TLSEngine) string {
	if t.Engine == EngineOpenSSL {
		if t.Version != "" {
			return "OpenSSL engine (" + t.Version + ")"
		}
		return "OpenSSL engine"
	}
	return "JDK's default engine"
}

func hintFor(want string) string {
	if want == EngineOpenSSL {
		return "put a tcnative variant into /opt/hono/extensions (scripts/fetch-tcnative.sh debian); " +
			"Netty then finds it and Hono picks OpenSSL"
	}
	return "remove the tcnative jar from /opt/hono/extensions (scripts/fetch-tcnative.sh none)"
}
