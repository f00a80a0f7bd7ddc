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

// Summary says what Generate did.
type Summary struct {
	// Dir is the folder the PKI is in.
	Dir string
	// Written lists the files written, with the reason for each.
	Written []Written
	// Kept lists the files that were valid and left as they were.
	Kept []string
	// Expires is the earliest expiry of a service certificate.
	Expires time.Time
	// CAExpires is the expiry of the intermediate CA.
	CAExpires time.Time
}

// Written is one file Generate wrote and why.
type Written struct {
	File   string
	Reason string
}

// Reasons a file is written.
const (
	reasonNew   = "new"
	reasonForce = "--force"
	reasonNewCA = "new CA"
)

// leafPlan is a service's certificate: kept, or to be issued and why.
type leafPlan struct {
	svc    topology.Service
	want   KeyType
	key    crypto.Signer
	cert   *x509.Certificate
	reason string // empty when kept
}

// Generate writes the demo PKI of topology t into dir (the stack folder's
// certs/). An existing CA and the valid certificates it issued are kept, so
// that running stacks keep trusting them, unless o.Force; a service without
// a valid certificate gets one from the same CA.
func Generate(dir string, t *topology.Topology, o Options) (*Summary, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	sum := &Summary{Dir: dir}

	// The CA: kept when whole and valid, else new, and then every leaf too.
	root, inter, caReason := loadCA(dir, o)
	if o.KeyType == "" {
		o.KeyType = ECDSAP256
		if caReason == "" {
			o.KeyType, _ = keyTypeOf(inter.cert.PublicKey)
		}
	}
	plans := make([]*leafPlan, len(t.Services))
	for i, s := range t.Services {
		p := &leafPlan{svc: s, want: ServiceKeyType(s, o.KeyType)}
		switch {
		case o.Force:
			p.reason = reasonForce
		case caReason == reasonNew:
			p.reason = reasonNew
		case caReason != "":
			p.reason = reasonNewCA
		default:
			p.key, p.cert, p.reason = loadLeaf(dir, s, inter, p.want, o.Now)
		}
		plans[i] = p
	}

	// Keys, all at once.
	var types []KeyType
	if caReason != "" {
		types = append(types, o.KeyType, o.KeyType)
	}
	for _, p := range plans {
		if p.reason != "" {
			types = append(types, p.want)
		}
	}
	keys, err := newKeys(types)
	if err != nil {
		return nil, err
	}

	// Certificates.
	if caReason != "" {
		if root, err = newRoot(keys[0], o.Now); err != nil {
			return nil, err
		}
		if inter, err = newIntermediate(keys[1], root, o.Now); err != nil {
			return nil, err
		}
		keys = keys[2:]
	}
	for _, p := range plans {
		if p.reason == "" {
			continue
		}
		p.key, keys = keys[0], keys[1:]
		if p.cert, err = newLeaf(p.svc, p.key, inter, o.Now, o.Days); err != nil {
			return nil, err
		}
	}

	// Files.
	b := &batch{dir: dir}
	defer b.discard()
	if err := stageCA(b, sum, root, inter, caReason); err != nil {
		return nil, err
	}
	for _, p := range plans {
		if err := stageLeaf(b, sum, p, inter); err != nil {
			return nil, err
		}
		if sum.Expires.IsZero() || p.cert.NotAfter.Before(sum.Expires) {
			sum.Expires = p.cert.NotAfter
		}
	}
	if err := b.commit(); err != nil {
		return nil, err
	}
	sum.CAExpires = inter.cert.NotAfter
	return sum, nil
}

// stageCA stages the CA files when the CA is new, and the trust files when
// they are missing or stale.
func stageCA(b *batch, sum *Summary, root, inter *ca, reason string) error {
	trusted := encodeCerts(inter.cert, root.cert)
	jks, err := encodeTrustStore(root.cert, inter.cert, inter.cert.NotBefore)
	if err != nil {
		return err
	}
	files := []struct {
		name   string
		data   []byte
		mode   fs.FileMode
		stale  string
		secret bool
	}{
		{RootKey, nil, secretMode, reason, true},
		{RootCert, encodeCerts(root.cert), publicMode, reason, false},
		{CAKey, nil, secretMode, reason, true},
		{CACert, encodeCerts(inter.cert), publicMode, reason, false},
		{TrustedCerts, trusted, publicMode, staleBytes(b.dir, TrustedCerts, trusted, reason), false},
		{TrustStore, jks, publicMode, staleTrustStore(b.dir, root, inter, reason), false},
	}
	for _, f := range files {
		if f.stale == "" {
			sum.Kept = append(sum.Kept, f.name)
			continue
		}
		data := f.data
		if f.secret {
			key := root.key
			if f.name == CAKey {
				key = inter.key
			}
			if data, err = encodeKey(key); err != nil {
				return err
			}
		}
		if err := b.add(f.name, data, f.mode); err != nil {
			return err
		}
		sum.Written = append(sum.Written, Written{f.name, f.stale})
	}
	return nil
}

// stageLeaf stages a service's key, certificate and key store, or keeps
// them.
func stageLeaf(b *batch, sum *Summary, p *leafPlan, inter *ca) error {
	s := p.svc
	ks, hasStore := KeyStoreOf(s)
	if p.reason == "" {
		sum.Kept = append(sum.Kept, s.KeyFile(), s.CertFile())
		if !hasStore {
			return nil
		}
		if stale := staleKeyStore(b.dir, ks, p, inter); stale != "" {
			return stageKeyStore(b, sum, ks, p, inter, stale)
		}
		sum.Kept = append(sum.Kept, ks.File)
		return nil
	}

	keyPEM, err := encodeKey(p.key)
	if err != nil {
		return err
	}
	if err := b.add(s.KeyFile(), keyPEM, secretMode); err != nil {
		return err
	}
	if err := b.add(s.CertFile(), encodeCerts(p.cert, inter.cert), publicMode); err != nil {
		return err
	}
	sum.Written = append(sum.Written, Written{s.KeyFile(), p.reason}, Written{s.CertFile(), p.reason})
	if hasStore {
		return stageKeyStore(b, sum, ks, p, inter, p.reason)
	}
	return nil
}

func stageKeyStore(b *batch, sum *Summary, ks KeyStore, p *leafPlan, inter *ca, reason string) error {
	data, err := encodeKeyStore(p.key, p.cert, []*x509.Certificate{inter.cert}, ks.Password)
	if err != nil {
		return fmt.Errorf("%s: %w", ks.File, err)
	}
	if err := b.add(ks.File, data, secretMode); err != nil {
		return err
	}
	sum.Written = append(sum.Written, Written{ks.File, reason})
	return nil
}

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
