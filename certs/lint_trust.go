package certs

import (
	"crypto/x509"
	"slices"
	"time"
)

const hintTrusted = "it holds the intermediate then the root: cat ca-cert.pem root-cert.pem > " + TrustedCerts

// lintTrust checks the trust material every service reads: trusted-certs.pem
// and, when present, trustStore.jks, ca-cert.pem and root-cert.pem.
func (l *linter) lintTrust() {
	l.trusted = l.readCerts(TrustedCerts, false, "create it: honoctl certs --dir <stack>, or "+hintTrusted)
	l.run(IDTrustStore, TrustedCerts)
	for i, c := range l.trusted {
		if isSelfSigned(c) {
			l.roots = append(l.roots, c)
		}
		if !c.IsCA {
			l.fail(IDTrustStore, TrustedCerts, "keep only CA certificates in it; "+hintTrusted,
				"holds an end-entity certificate, %s (certificate %d), instead of a CA: "+
					"peers would trust exactly that certificate and not what the CA issued", name(c), i+1)
			continue
		}
		l.lintCA(TrustedCerts, c)
	}
	// The CA's own files are optional: a stack needs only the bundle.
	for _, f := range []struct{ cert, key string }{{CACert, CAKey}, {RootCert, RootKey}} {
		certs := l.readCerts(f.cert, true, "")
		if len(certs) == 0 {
			continue
		}
		l.lintIssuedBy(f.cert, certs[0], certs[1:])
		l.lintValidity(f.cert, certs[0])
		if !l.exists(f.key) {
			continue
		}
		if key := l.readKey(f.key); key != nil {
			l.run(IDKeyMatch, f.key)
			if !keyMatches(key, certs[0].PublicKey) {
				l.fail(IDKeyMatch, f.key, "put the CA's key there, or make a new CA: honoctl certs --force --dir <stack>",
					"the key does not belong to %s in %s: certificates cannot be issued from this CA", name(certs[0]), f.cert)
			}
		}
	}
	l.lintTrustStore()
}

// lintCA checks a CA certificate of the trust bundle: validity, strength
// and that it may sign certificates.
func (l *linter) lintCA(file string, c *x509.Certificate) {
	l.lintValidity(file, c)
	l.lintStrength(file, c)
	l.run(IDUsage, file)
	if c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageCertSign == 0 {
		l.fail(IDUsage, file, "re-create the CA with keyUsage keyCertSign, cRLSign: honoctl certs --force",
			"%s is a CA whose key usage lacks keyCertSign: peers refuse what it signed", name(c))
	}
}

// lintIssuedBy checks that c chains to trusted-certs.pem.
func (l *linter) lintIssuedBy(file string, c *x509.Certificate, inters []*x509.Certificate) {
	if len(l.trusted) == 0 {
		return // reported as missing
	}
	l.run(IDChain, file)
	if err := verify(c, l.trusted, inters, l.now); err != nil {
		l.fail(IDChain, file, "issue it from the CA in "+TrustedCerts+" (honoctl certs --dir <stack>), "+
			"or add its CA to "+TrustedCerts,
			"%s does not chain to %s: %v", name(c), TrustedCerts, err)
	}
}

// lintTrustStore checks trustStore.jks, which Java clients may be given
// instead of the PEM bundle: it opens with Hono's password, holds CA
// certificates only, and the same ones as trusted-certs.pem.
func (l *linter) lintTrustStore() {
	data, ok := l.read(TrustStore, true, "")
	if !ok {
		return
	}
	entries, err := DecodeTrustStore(data, TrustStorePassword)
	if err != nil {
		l.fail(IDMissing, TrustStore, "re-create it with the password Hono's configuration uses: honoctl certs --dir <stack>",
			"unreadable as a JKS trust store with Hono's password: %v", err)
		return
	}
	l.run(IDTrustStore, TrustStore)
	var held []*x509.Certificate
	for _, e := range entries {
		switch {
		case e.Cert == nil:
			l.fail(IDTrustStore, TrustStore, "remove the entry: keytool -delete -alias "+e.Alias,
				"entry %q holds a private key; a trust store holds certificates only", e.Alias)
		case !e.Cert.IsCA:
			l.fail(IDTrustStore, TrustStore, "remove the entry and import the CA: keytool -delete -alias "+e.Alias,
				"entry %q holds an end-entity certificate, %s, instead of a CA", e.Alias, name(e.Cert))
		default:
			held = append(held, e.Cert)
			l.lintValidity(TrustStore, e.Cert)
		}
	}
	for _, c := range l.trusted {
		if c.IsCA && !slices.ContainsFunc(held, c.Equal) {
			l.warn(IDTrustStore, TrustStore, "re-create it from "+TrustedCerts+": honoctl certs --dir <stack>",
				"lacks %s, which %s holds: Java clients given the JKS trust other CAs than the rest",
				name(c), TrustedCerts)
		}
	}
}

// lintValidity checks that c is valid at now and does not expire within
// RenewBefore.
func (l *linter) lintValidity(file string, c *x509.Certificate) {
	l.run(IDValidity, file)
	hint := "renew it: honoctl certs --dir <stack>"
	if c.IsCA {
		hint = "renew the CA and everything it issued: honoctl certs --force --dir <stack>"
	}
	switch left := c.NotAfter.Sub(l.now); {
	case l.now.Before(c.NotBefore):
		l.fail(IDValidity, file, "check the clock of the host that issued it, or "+hint,
			"%s is not valid before %s", name(c), stamp(c.NotBefore))
	case left < 0:
		l.fail(IDValidity, file, hint, "%s expired on %s", name(c), stamp(c.NotAfter))
	case left < RenewBefore:
		l.warn(IDValidity, file, hint, "%s expires on %s, in %d days", name(c), stamp(c.NotAfter),
			int(left.Hours()/24))
	}
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 MST") }
