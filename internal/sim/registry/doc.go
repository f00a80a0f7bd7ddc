// Package registry plays Hono 0.7's Device Registry (services/device-registry)
// on its AMQP port: the registration ("assert", "get"), credentials ("get")
// and tenant ("get") request/response APIs over TLS on 5671, with clients
// authenticated by SASL PLAIN delegated to the Auth Server, answered from
// the registry's data files (device-identities.json, credentials.json,
// tenants.json) and registration assertions signed with the configured
// shared secret.
//
// TODO: the REST API on 8443/8080 (hono.registry.rest) and the AMQP
// operations that change data (register, update, deregister, add,
// remove) are not played; they answer 501. Hono's getting-started step
// that registers device 4711 over HTTP therefore has no stand-in, and the
// stack seeds device-identities.json instead.
package registry
