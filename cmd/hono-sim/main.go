// Command hono-sim stands in for the services of an Eclipse Hono 0.7 stack
// (Auth Server, Device Registry, Hono Messaging, the Dispatch Router and the
// HTTP, MQTT and Kura adapters) on the wire: same ports, same TLS, same
// configuration files. It is one static binary; the first argument picks
// the role:
//
//	hono-sim http-adapter            # SPRING_CONFIG_LOCATION names the YAML
//	hono-sim router -c qdrouterd.json
//	hono-sim health [URL]            # exit 0 when readiness answers 200
//
// Configuration is read as Hono reads it: the file SPRING_CONFIG_LOCATION
// names, then HONO_* variables (HONO_HTTP_KEY_PATH or HONO_HTTP_KEYPATH),
// then --hono.x.y=z arguments. Settings hono-sim does not read or cannot
// honour are logged as warnings at start.
//
// The log (log/slog text on stdout) is its own, never Hono's. Lines a
// check can rely on:
//
//	msg="hono-sim: a stand-in, not Eclipse Hono" role=... stands_in_for=... tls_engine="Go crypto/tls (hono-sim stand-in)"
//	msg="TLS server" name=<block> key=... cert=... trust=... protocols=... client_auth=none|request|require engine=...
//	msg="TLS client" name=<block> ... client_cert=none|sent verify=... engine=...
//	msg="TLS handshake failed" listener=<block> remote=... cause=... error=...
//	msg="connection failed" name=<block> address=... cause=... error=... retry_in=...
//
// Causes are those of tlsconf.Classify: unknown authority, host name
// mismatch, certificate expired or not yet valid, no client certificate,
// protocol version, ... Readiness (GET /readiness on
// hono.app.healthCheckPort) lists every listener and link with its state,
// TLS version, cipher and peer subject, or its error.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
