// Package messaging plays Hono 0.7's Hono Messaging (services/messaging):
// protocol adapters send telemetry and events to it over TLS on 5671,
// authenticated by SASL PLAIN delegated to the Auth Server. It checks each
// message (content type, Data body, device_id, and the registration
// assertion the Device Registry signed), annotates it and forwards it to
// the Dispatch Router's internal listener over TLS with its client
// certificate and SASL EXTERNAL, passing the router's credit upstream.
package messaging
