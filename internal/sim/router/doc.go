// Package router plays the Qpid Dispatch Router that Hono 0.7 deploys, from
// the same qdrouterd.json: its listeners with their sslProfiles (the
// external one taking SASL PLAIN, checked through the Auth Server over TLS
// by the authServicePlugin; the internal one requiring a client certificate
// and SASL EXTERNAL, the peer named by the profile's uidFormat), the vhost
// policy, and the routing of telemetry and events from senders to
// receivers, passing the receivers' credit back to the senders.
//
// TODO: link routes and connectors (Hono's Artemis broker for events) are
// not played; events are routed like telemetry. Per-group session, frame
// and message size limits are read but not enforced.
package router
