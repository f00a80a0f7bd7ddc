package lab

import (
	"github.com/honoctl/honoctl/orchestrator/check"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// IDEngine is the check id of the TLS engine finding.
const IDEngine = "tls.engine"

// The TLS engines a Hono 0.7 service can log.
const (
	EngineOpenSSL = string(topology.EngineOpenSSL)
	EngineJDK     = string(topology.EngineJDK)
)

// EngineFinding judges the TLS engine of service from its log, for the
// lab's endpoints, which are no topology services; it reads the log with
// check.ReadEngine, as the stack's checks do.
//
// want is the engine it should use (empty: either). OpenSSL forced
// without tcnative, which stops a Hono service from starting, fails and
// names the missing jar.
func EngineFinding(service, log, want string) check.Finding {
	t := check.ReadEngine(log)
	f := check.Finding{Link: service, Check: IDEngine}
	if t.Engine != "" {
		f.Evidence = append(f.Evidence, check.Evidence{Key: "engine", Value: string(t.Engine)})
	}
	if t.Version != "" {
		f.Evidence = append(f.Evidence, check.Evidence{Key: "openssl version", Value: t.Version})
	}
	if t.Cause != "" {
		f.Evidence = append(f.Evidence, check.Evidence{Key: "tcnative", Value: t.Cause})
	}

	switch {
	case t.Missing():
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
	case want != "" && string(t.Engine) != want:
		f.Status = check.Fail
		f.Message = service + " uses the " + engineName(t) + ", not the " + engineName(check.TLSEngine{Engine: topology.Engine(want)})
		f.Hint = hintFor(want)
	default:
		f.Status = check.Pass
		f.Message = service + " uses the " + engineName(t)
	}
	return f
}

func engineName(t check.TLSEngine) string {
	if t.Engine == topology.EngineOpenSSL {
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
