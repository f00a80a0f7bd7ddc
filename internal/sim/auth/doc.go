// Package auth plays Hono 0.7's Auth Server (services/auth) and holds the
// client side that Hono's other services and the Dispatch Router use to
// reach it.
//
// The server speaks AMQP 1.0 over TLS on 5671 (and plain on 5672 when the
// insecure port is enabled). It authenticates with SASL PLAIN and EXTERNAL
// against the permissions file, hands an authenticated client its token
// (a JWT, RS256 with the server's TLS key unless a shared secret is
// configured) on a receiving link from "cbs", and answers the Dispatch
// Router's ADDRESS-AUTHZ capability in its Open frame.
//
// The client (Client) logs in on behalf of another service's SASL PLAIN
// client, as Hono's AuthenticationServerClient does, and validates the token
// it gets with the Auth Server's certificate or the shared secret.
package auth
