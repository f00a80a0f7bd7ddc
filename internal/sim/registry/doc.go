// Package registry plays Hono 0.7's Device Registry (services/device-registry).
//
// On its AMQP port it answers the registration ("assert", "get",
// "register", "update", "deregister"), credentials ("get") and tenant
// ("get") request/response APIs over TLS on 5671, with clients
// authenticated by SASL PLAIN delegated to the Auth Server and each
// operation checked against their authorities, from the registry's data
// files (device-identities.json, credentials.json, tenants.json), and
// signs registration assertions with the configured shared secret.
//
// On hono.registry.rest (8443 TLS, 8080 plain) it serves Hono 0.7's REST
// API for registrations, credentials and tenants, without authentication
// as in Hono 0.7. Its changes reach the AMQP API at once (the stores are
// shared under a mutex) and, with saveToFile, are written back to the
// data files. A tenant disabled or removed there reads so on the AMQP
// tenant API, where adapters look it up before each message; the
// registration "assert" does not look at the tenant, as in Hono 0.7.
//
// TODO: the credentials API's add, update, remove and the tenant API's
// add, update, remove over AMQP are not played and answer 501, so AMQP
// clients cannot change credentials or tenants yet; REST can.
package registry
