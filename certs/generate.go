package certs

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"io/fs"
	"os"
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
	keys, err := newKeys(o.Context, types)
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
