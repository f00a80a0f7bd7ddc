package certs

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// What an earlier run left is kept only when it is still right: running
// stacks trust the CA, and a certificate that is renewed for no reason
// makes every service that holds the old one a stranger.

// loadCA reads the CA of an earlier run. reason is empty when it can be
// kept, and otherwise says why a new CA is made.
func loadCA(dir string, o Options) (root, inter *ca, reason string) {
	if o.Force {
		return nil, nil, reasonForce
	}
	var missing []string
	for _, f := range []string{RootKey, RootCert, CAKey, CACert} {
		if _, err := os.Stat(filepath.Join(dir, f)); errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, f)
		}
	}
	switch {
	case len(missing) == 4:
		return nil, nil, reasonNew
	case len(missing) > 0:
		return nil, nil, fmt.Sprintf("CA incomplete, %s missing", missing[0])
	}
	root, err := loadPair(dir, RootKey, RootCert)
	if err != nil {
		return nil, nil, err.Error()
	}
	inter, err = loadPair(dir, CAKey, CACert)
	if err != nil {
		return nil, nil, err.Error()
	}
	switch {
	case !root.cert.IsCA || !inter.cert.IsCA:
		return nil, nil, "CA certificate without CA:true"
	case root.cert.CheckSignatureFrom(root.cert) != nil:
		return nil, nil, RootCert + " is not self-signed"
	case inter.cert.CheckSignatureFrom(root.cert) != nil:
		return nil, nil, CACert + " is not signed by " + RootCert
	}
	for _, c := range []*x509.Certificate{root.cert, inter.cert} {
		if r := validityReason(c, o.Now); r != "" {
			return nil, nil, "CA " + r
		}
	}
	k, ok := keyTypeOf(inter.cert.PublicKey)
	switch {
	case !ok:
		return nil, nil, fmt.Sprintf("CA key is %s, not a type honoctl makes", k)
	case o.KeyType != "" && k != o.KeyType:
		return nil, nil, fmt.Sprintf("CA key is %s, %s asked for", k, o.KeyType)
	}
	return root, inter, ""
}

// loadPair reads a key and the first certificate of a file, and checks that
// they belong together.
func loadPair(dir, keyFile, certFile string) (*ca, error) {
	data, err := os.ReadFile(filepath.Join(dir, keyFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s missing", keyFile)
	}
	if err != nil {
		return nil, fmt.Errorf("%s unreadable", keyFile)
	}
	key, _, err := ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", keyFile, err)
	}
	data, err = os.ReadFile(filepath.Join(dir, certFile))
	if err != nil {
		return nil, fmt.Errorf("%s unreadable", certFile)
	}
	certs, err := ParseCerts(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", certFile, err)
	}
	if !keyMatches(key, certs[0].PublicKey) {
		return nil, fmt.Errorf("%s does not match %s", keyFile, certFile)
	}
	return &ca{cert: certs[0], key: key}, nil
}

// loadLeaf reads a service's key and certificate. reason is empty when they
// can be kept: the file holds the leaf and the current intermediate, the
// leaf is signed by it, matches the key, carries the subject, names, usages
// and key type asked for, and does not expire soon.
func loadLeaf(dir string, s topology.Service, inter *ca, want KeyType, now time.Time) (crypto.Signer, *x509.Certificate, string) {
	if _, err := os.Stat(filepath.Join(dir, s.CertFile())); errors.Is(err, fs.ErrNotExist) {
		return nil, nil, reasonNew
	}
	p, err := loadPair(dir, s.KeyFile(), s.CertFile())
	if err != nil {
		return nil, nil, err.Error()
	}
	data, _ := os.ReadFile(filepath.Join(dir, s.CertFile()))
	chain, _ := ParseCerts(data)
	leaf := p.cert
	switch {
	case len(chain) != 2 || !chain[1].Equal(inter.cert):
		return nil, nil, "chain is not the leaf and " + CACert
	case leaf.CheckSignatureFrom(inter.cert) != nil:
		return nil, nil, "not issued by the current CA"
	case leaf.Subject.String() != Subject(s.CertName).String():
		return nil, nil, "subject is " + leaf.Subject.String()
	case !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) ||
		!slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageClientAuth):
		return nil, nil, "extended key usage lacks serverAuth or clientAuth"
	}
	if missing := missingNames(leaf, s); len(missing) > 0 {
		return nil, nil, "does not cover " + missing[0]
	}
	if r := validityReason(leaf, now); r != "" {
		return nil, nil, r
	}
	if k, _ := keyTypeOf(leaf.PublicKey); k != want {
		return nil, nil, fmt.Sprintf("key is %s, %s asked for", k, want)
	}
	return p.key, leaf, ""
}

// validityReason says why c is not fit to be kept at now: not yet valid,
// expired or expiring soon: within RenewBefore, or within the last third of
// its life for a short-lived certificate (--days 30 would otherwise be
// renewed on every run).
func validityReason(c *x509.Certificate, now time.Time) string {
	renew := min(RenewBefore, c.NotAfter.Sub(c.NotBefore)/3)
	switch {
	case now.Before(c.NotBefore):
		return "not valid before " + c.NotBefore.UTC().Format(time.RFC3339)
	case now.After(c.NotAfter):
		return "expired " + c.NotAfter.UTC().Format(time.RFC3339)
	case c.NotAfter.Sub(now) < renew:
		return "expires " + c.NotAfter.UTC().Format(time.RFC3339)
	}
	return ""
}

// missingNames are the host names and addresses of s that c does not
// cover.
func missingNames(c *x509.Certificate, s topology.Service) []string {
	var missing []string
	for _, n := range append(s.DNSNames(), s.IPAddresses()...) {
		if c.VerifyHostname(n) != nil {
			missing = append(missing, n)
		}
	}
	return missing
}

// staleBytes says why dir/name must be written with want, or "" when it
// holds exactly that.
func staleBytes(dir, name string, want []byte, reason string) string {
	if reason != "" {
		return reason
	}
	got, err := os.ReadFile(filepath.Join(dir, name))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return reasonNew
	case err != nil || !bytes.Equal(got, want):
		return "not the current CA's"
	}
	return ""
}

// staleTrustStore says why trustStore.jks must be written, or "" when it
// holds the current root and intermediate under Hono's aliases.
func staleTrustStore(dir string, root, inter *ca, reason string) string {
	if reason != "" {
		return reason
	}
	data, err := os.ReadFile(filepath.Join(dir, TrustStore))
	if errors.Is(err, fs.ErrNotExist) {
		return reasonNew
	}
	entries, err := DecodeTrustStore(data, TrustStorePassword)
	if err != nil || len(entries) != 2 {
		return "unreadable or not the current CA's"
	}
	for _, e := range entries {
		want := map[string]*x509.Certificate{TrustStoreRootAlias: root.cert, TrustStoreCAAlias: inter.cert}[e.Alias]
		if want == nil || e.Cert == nil || !e.Cert.Equal(want) {
			return "not the current CA's"
		}
	}
	return ""
}

// staleKeyStore says why a kept service's key store must be written, or ""
// when it holds the service's key, certificate and the intermediate.
func staleKeyStore(dir string, ks KeyStore, p *leafPlan, inter *ca) string {
	data, err := os.ReadFile(filepath.Join(dir, ks.File))
	if errors.Is(err, fs.ErrNotExist) {
		return reasonNew
	}
	key, leaf, chain, err := DecodeKeyStore(data, ks.Password)
	switch {
	case err != nil:
		return "unreadable with Hono's password"
	case !leaf.Equal(p.cert) || !keyMatches(key, leaf.PublicKey):
		return "not the service's key and certificate"
	case len(chain) != 1 || !chain[0].Equal(inter.cert):
		return "chain is not " + CACert
	}
	return ""
}
