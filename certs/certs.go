// Package certs makes and checks the demo PKI of a Hono stack: a root CA, an
// intermediate CA, one key and certificate per service of the topology, and
// the PKCS#12 key stores and JKS trust store that Hono 0.7's demo-certs
// shipped. File names, subjects, passwords and aliases are Hono's (its
// demo-certs/create_certs.sh at 0.7), so the files drop into Hono's own
// deployment too.
package certs

import (
	"context"
	"crypto/x509/pkix"
	"fmt"
	"time"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// Files of the CA and the trust material, as Hono's demo-certs names them.
// The CA keys stay in the folder so that re-runs can issue certificates for
// new services from the same CA; no container mounts them.
const (
	RootKey            = "root-key.pem"
	RootCert           = "root-cert.pem"
	CAKey              = "ca-key.pem"
	CACert             = "ca-cert.pem"
	TrustedCerts       = "trusted-certs.pem" // the intermediate, then the root
	TrustStore         = "trustStore.jks"
	TrustStorePassword = "honotrust"
)

// Aliases of the two trusted certificate entries in trustStore.jks.
const (
	TrustStoreRootAlias = "root"
	TrustStoreCAAlias   = "ca"
)

// KeyStore is a service's PKCS#12 key store: its key, its certificate and
// the intermediate.
type KeyStore struct {
	File     string
	Password string
}

// keyStores are Hono 0.7's key stores by role; the dispatch router has none,
// it reads PEM files only.
var keyStores = map[topology.Role]KeyStore{
	topology.RoleAuth:        {"authServerKeyStore.p12", "authkeys"},
	topology.RoleMessaging:   {"honoKeyStore.p12", "honokeys"},
	topology.RoleRegistry:    {"deviceRegistryKeyStore.p12", "deviceregistrykeys"},
	topology.RoleHTTPAdapter: {"httpKeyStore.p12", "httpkeys"},
	topology.RoleMQTTAdapter: {"mqttKeyStore.p12", "mqttkeys"},
	topology.RoleKuraAdapter: {"kuraKeyStore.p12", "kurakeys"},
}

// KeyStoreOf returns the PKCS#12 key store of service s, if Hono gives it
// one.
func KeyStoreOf(s topology.Service) (KeyStore, bool) {
	ks, ok := keyStores[s.Role]
	return ks, ok
}

// Subject is the distinguished name Hono's demo certificates carry. The
// router maps SASL EXTERNAL peers to "O;OU;CN" and the Auth Server maps them
// by CN, so these values are part of the wire contract.
func Subject(cn string) pkix.Name {
	return pkix.Name{
		Country:            []string{"CA"},
		Locality:           []string{"Ottawa"},
		Organization:       []string{"Eclipse IoT"},
		OrganizationalUnit: []string{"Hono"},
		CommonName:         cn,
	}
}

// Lifetimes.
const (
	// DefaultDays is the validity of a service certificate, as Hono's
	// script gave it (-days 365).
	DefaultDays = 365
	// caLifetime outlives many re-runs, so that running stacks keep
	// trusting the CA while service certificates are re-issued.
	caLifetime = 10 * 365 * 24 * time.Hour
	// RenewBefore is how long before expiry a certificate counts as
	// expiring: Generate re-issues it and Lint warns.
	RenewBefore = 30 * 24 * time.Hour
	// backdate covers clocks of containers and hosts that lag a little.
	backdate = time.Hour
)

// Options shape Generate.
type Options struct {
	// KeyType is the key of the CAs and the services. Default: that of the
	// CA already in the folder, else ECDSA P-256. Services that can load
	// only RSA keys get RSA 2048 unless an RSA type is asked for (see
	// ServiceKeyType).
	KeyType KeyType
	// Days is the validity of service certificates. Default: DefaultDays.
	Days int
	// Force re-creates the CA and every certificate, even valid ones.
	Force bool
	// Now is the time certificates are checked and issued at. Default:
	// time.Now().
	Now time.Time
	// Context stops Generate while it makes keys, before anything is
	// written. Default: context.Background().
	Context context.Context
}

func (o Options) withDefaults() (Options, error) {
	if o.KeyType != "" {
		if _, err := ParseKeyType(string(o.KeyType)); err != nil {
			return o, err
		}
	}
	if o.Days == 0 {
		o.Days = DefaultDays
	}
	if o.Days < 1 || o.Days > 3650 {
		return o, fmt.Errorf("validity of %d days: want 1 to 3650", o.Days)
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Context == nil {
		o.Context = context.Background()
	}
	return o, nil
}
