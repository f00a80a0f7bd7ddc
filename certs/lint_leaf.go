package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// lintService checks service s's key, chain file and key store against what
// its clients and peers need.
func (l *linter) lintService(s topology.Service) {
	key, leaf := l.lintChainFile(s.CertFile(), s.KeyFile(), &s)
	if leaf == nil {
		return
	}
	l.lintSAN(s, leaf)
	l.lintLeafUsage(s, leaf)
	l.run(IDKeyType, s.CertFile())
	if _, isRSA := leaf.PublicKey.(*rsa.PublicKey); NeedsRSA(s) && !isRSA {
		why := "Hono 0.7 loads PEM keys with vert.x 3.5.3, which reads only RSA keys"
		if s.Role == topology.RoleAuth {
			why += ", and the Auth Server signs tokens RS256 with " + s.KeyFile()
		}
		l.fail(IDKeyType, s.CertFile(), "issue it an RSA key: honoctl certs --force --dir <stack> "+
			"(honoctl gives the Java services RSA 2048 unless told rsa3072 or rsa4096)",
			"the key of %s is %s: %s", s.Name, describeKey(leaf.PublicKey), why)
	}
	if key != nil {
		l.lintKeyStore(s, key, leaf)
	}
}

// lintChainFile checks a "<name>-cert.pem" file and its key: the leaf comes
// first, each certificate is issued by the next, the chain is complete up
// to a root of trusted-certs.pem, the key matches, and the leaf is valid
// and strong enough. It returns the key and the leaf when they could be
// read.
func (l *linter) lintChainFile(certFile, keyFile string, s *topology.Service) (crypto.Signer, *x509.Certificate) {
	hint := "put the service's certificate chain there (leaf, then ca-cert.pem), or " + hintRenew
	optionalKey := s == nil
	chain := l.readCerts(certFile, false, hint)
	var key crypto.Signer
	if !optionalKey || l.exists(keyFile) {
		key = l.readKey(keyFile)
	}
	if len(chain) == 0 {
		return key, nil
	}
	leaf := chain[0]

	l.lintOrder(certFile, chain, key)
	l.lintIssuedBy(certFile, leaf, chain[1:])
	if key != nil {
		l.run(IDKeyMatch, keyFile)
		if !keyMatches(key, leaf.PublicKey) {
			l.fail(IDKeyMatch, keyFile, "put the key that "+certFile+" was issued for there, or "+hintRenew,
				"the key does not belong to %s, the first certificate of %s", name(leaf), certFile)
		}
	}
	l.lintValidity(certFile, leaf)
	l.lintStrength(certFile, leaf)
	return key, leaf
}

// lintOrder checks the shape of a chain file: the leaf first, then each
// issuer, and enough of them that a client trusting only a root of
// trusted-certs.pem can build the path.
func (l *linter) lintOrder(file string, chain []*x509.Certificate, key crypto.Signer) {
	l.run(IDOrder, file)
	hint := "write the leaf first, then its issuers: cat <name>.pem ca-cert.pem > " + file
	if chain[0].IsCA {
		l.fail(IDOrder, file, hint, "the first certificate, %s, is a CA; servers send the file in order, "+
			"so the leaf must come first", name(chain[0]))
	}
	for i, c := range chain[1:] {
		if key != nil && keyMatches(key, c.PublicKey) {
			l.fail(IDOrder, file, hint, "the leaf %s is certificate %d; it must come first", name(c), i+2)
		}
	}
	for i := 1; i < len(chain); i++ {
		if chain[i-1].CheckSignatureFrom(chain[i]) != nil {
			l.fail(IDOrder, file, hint, "certificate %d, %s, did not issue certificate %d, %s",
				i+1, name(chain[i]), i, name(chain[i-1]))
			return
		}
	}
	if len(l.roots) == 0 || chain[0].IsCA {
		return
	}
	// Complete: the path to a root needs no intermediate but those in the
	// file. Peers that trust only the root (root-cert.pem) rely on that.
	if verify(chain[0], l.roots, chain[1:], l.now) != nil && verify(chain[0], l.trusted, chain[1:], l.now) == nil {
		l.fail(IDOrder, file, "append the intermediate after the leaf: cat <name>.pem ca-cert.pem > "+file,
			"chain incomplete: %s holds %d certificate(s) and lacks the intermediate between %s and the root; "+
				"peers that trust only the root cannot build the path", file, len(chain), name(chain[0]))
	}
}

// hostNames are the names clients dial to reach s: from the links of the
// topology, and the names every service answers to. Published ports are
// also reached on s's IP addresses, reported as warnings.
func (l *linter) hostNames(s topology.Service) (names, addrs []string) {
	names = s.DNSNames()
	for _, ln := range l.top.Links {
		if ln.Server == s.Name && ln.TLS && !slices.Contains(names, ln.Hostname) {
			names = append(names, ln.Hostname)
		}
	}
	return names, s.IPAddresses()
}

func (l *linter) lintSAN(s topology.Service, leaf *x509.Certificate) {
	file := s.CertFile()
	l.run(IDSAN, file)
	names, addrs := l.hostNames(s)
	var missing, missingAddrs []string
	for _, n := range names {
		if leaf.VerifyHostname(n) != nil {
			missing = append(missing, n)
		}
	}
	for _, a := range addrs {
		if leaf.VerifyHostname(a) != nil {
			missingAddrs = append(missingAddrs, a)
		}
	}
	have := sanList(leaf)
	if len(missing) > 0 {
		l.fail(IDSAN, file, hintRenew+"; its SAN must hold "+strings.Join(names, ", "),
			"%s does not cover %s, which clients of %s dial (SAN: %s); they fail hostname verification",
			name(leaf), strings.Join(missing, ", "), s.Name, have)
	}
	if len(missingAddrs) > 0 {
		l.warn(IDSAN, file, hintRenew+"; honoctl adds "+strings.Join(addrs, " and ")+" to the SAN",
			"%s does not cover %s: clients that reach the published port by address fail hostname "+
				"verification (SAN: %s)", name(leaf), strings.Join(missingAddrs, ", "), have)
	}
}

func sanList(c *x509.Certificate) string {
	var out []string
	out = append(out, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		out = append(out, ip.String())
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// lintLeafUsage checks that the leaf may be used as s uses it: as a TLS
// server certificate always, as a client certificate where s presents one.
func (l *linter) lintLeafUsage(s topology.Service, leaf *x509.Certificate) {
	file := s.CertFile()
	l.run(IDUsage, file)
	hint := "re-issue it with keyUsage digitalSignature, keyEncipherment, keyAgreement and " +
		"extendedKeyUsage serverAuth, clientAuth: honoctl certs --force --dir <stack>"
	if leaf.IsCA {
		l.fail(IDUsage, file, hint, "%s is a CA certificate (CA:true); a service needs an end-entity certificate",
			name(leaf))
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		l.fail(IDUsage, file, hint, "key usage of %s lacks digitalSignature, which a TLS server signs "+
			"the handshake with (ECDHE, TLS 1.3)", name(leaf))
	}
	if !hasEKU(leaf, x509.ExtKeyUsageServerAuth) {
		l.fail(IDUsage, file, hint, "extended key usage of %s lacks serverAuth: TLS clients of %s refuse it",
			name(leaf), s.Name)
	}
	for _, ln := range l.top.Links {
		if ln.Client == s.Name && ln.TLS && ln.ClientCert && !hasEKU(leaf, x509.ExtKeyUsageClientAuth) {
			l.fail(IDUsage, file, hint, "extended key usage of %s lacks clientAuth: %s presents it as a client "+
				"certificate to %s (channel %d), which refuses it", name(leaf), s.Name, ln.Hostname, int(ln.Channel))
			return
		}
	}
}

// hasEKU reports whether c may be used for u: a certificate without
// extended key usage may be used for anything (RFC 5280 4.2.1.12).
func hasEKU(c *x509.Certificate, u x509.ExtKeyUsage) bool {
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return true
	}
	return slices.Contains(c.ExtKeyUsage, u) || slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny)
}

// lintStrength checks the key of c and, unless it signed itself, the
// algorithm its issuer signed it with.
func (l *linter) lintStrength(file string, c *x509.Certificate) {
	l.run(IDKeyStrength, file)
	hint := "re-issue it with a stronger key: honoctl certs --force --key-type ecdsa-p256 (or rsa2048 and up)"
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			l.fail(IDKeyStrength, file, hint, "%s has an RSA key of %d bits; TLS peers want at least 2048",
				name(c), k.N.BitLen())
		}
	case *ecdsa.PublicKey:
		if k.Curve.Params().BitSize < 256 {
			l.fail(IDKeyStrength, file, hint, "%s has an ECDSA key on %s; TLS peers want P-256 or larger",
				name(c), k.Curve.Params().Name)
		}
	}
	switch c.SignatureAlgorithm {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
		if !isSelfSigned(c) {
			l.fail(IDKeyStrength, file, "re-issue it with SHA-256: honoctl certs --force",
				"%s is signed with %v, which TLS peers reject", name(c), c.SignatureAlgorithm)
		}
	}
}

// lintKeyStore checks s's PKCS#12 key store, when there is one: it opens
// with the password Hono's configuration gives it and holds the same key
// and certificate as the PEM files.
func (l *linter) lintKeyStore(s topology.Service, key crypto.Signer, leaf *x509.Certificate) {
	ks, ok := KeyStoreOf(s)
	if !ok {
		return
	}
	data, ok := l.read(ks.File, true, "")
	if !ok {
		return
	}
	hint := "re-create it from the PEM files: openssl pkcs12 -export -inkey " + s.KeyFile() +
		" -in " + s.CertFile() + " -out " + ks.File + " (with Hono's password), or " + hintRenew
	ksKey, ksLeaf, _, err := DecodeKeyStore(data, ks.Password)
	if err != nil {
		l.fail(IDMissing, ks.File, hint, "unreadable as a PKCS#12 key store with Hono's password for it: %v", err)
		return
	}
	l.run(IDKeyStore, ks.File)
	if !ksLeaf.Equal(leaf) || !keyMatches(key, ksKey.Public()) {
		l.fail(IDKeyStore, ks.File, hint, "holds %s (serial %x), not the key and certificate of %s and %s",
			name(ksLeaf), ksLeaf.SerialNumber, s.KeyFile(), s.CertFile())
	}
}

func describeKey(pub crypto.PublicKey) string {
	if k, ok := keyTypeOf(pub); ok || k != "" {
		return string(k)
	}
	return fmt.Sprintf("%T", pub)
}

func (l *linter) exists(name string) bool {
	_, err := os.Stat(filepath.Join(l.dir, name))
	return err == nil
}
