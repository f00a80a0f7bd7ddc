// Package hono holds the domain logic that Eclipse Hono 0.7's services share
// and that the hono-sim roles need on the wire: the permissions file of the
// Auth Server and its authority matching, auth tokens and registration
// assertions (JWT), the Device Registry's credentials, tenants and device
// identities, and the Dispatch Router's vhost policy and address routing.
//
// Everything here is pure logic over data: no sockets, no logging. Each
// type follows the Hono class named in its doc comment, so that a stand-in
// decides exactly as the upstream service would.
package hono
