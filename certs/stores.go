package certs

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	keystore "github.com/pavlo-v-chernykh/keystore-go/v4"
	"software.sslmate.com/src/go-pkcs12"
)

// encodeKeyStore is a PKCS#12 key store with the key, the leaf and the
// intermediate, as Hono's script exported them (openssl pkcs12 -export
// without -name, so the entry has no friendly name; keytool lists it as
// alias "1"). Hono's files used RC2-40 and a SHA-1 MAC, which OpenSSL 3 reads
// only with -legacy; the modern encoder (PBES2, AES-256, HMAC-SHA-256) is
// read by OpenSSL 1.1.1 and later and by Java 12 and later.
func encodeKeyStore(key crypto.Signer, leaf *x509.Certificate, chain []*x509.Certificate, password string) ([]byte, error) {
	data, err := pkcs12.Modern.Encode(key, leaf, chain, password)
	if err != nil {
		return nil, fmt.Errorf("encode key store: %w", err)
	}
	return data, nil
}

// DecodeKeyStore reads a PKCS#12 key store: its key, its certificate and the
// chain that came with it.
func DecodeKeyStore(data []byte, password string) (key crypto.Signer, leaf *x509.Certificate, chain []*x509.Certificate, err error) {
	defer recoverAs(&err, "key store")
	if err := checkPKCS12Iterations(data); err != nil {
		return nil, nil, nil, err
	}
	k, leaf, chain, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		return nil, nil, nil, err
	}
	key, ok := k.(crypto.Signer)
	if !ok {
		return nil, nil, nil, fmt.Errorf("unsupported private key %T", k)
	}
	return key, leaf, chain, nil
}

// encodeTrustStore is trustStore.jks: the root and the intermediate as
// trusted certificate entries, aliases "root" and "ca", as Hono's script
// imported them with keytool.
func encodeTrustStore(root, intermediate *x509.Certificate, now time.Time) ([]byte, error) {
	ks := keystore.New(keystore.WithOrderedAliases())
	for _, e := range []struct {
		alias string
		cert  *x509.Certificate
	}{{TrustStoreRootAlias, root}, {TrustStoreCAAlias, intermediate}} {
		err := ks.SetTrustedCertificateEntry(e.alias, keystore.TrustedCertificateEntry{
			CreationTime: now,
			Certificate:  keystore.Certificate{Type: "X509", Content: e.cert.Raw},
		})
		if err != nil {
			return nil, fmt.Errorf("trust store entry %s: %w", e.alias, err)
		}
	}
	var b bytes.Buffer
	if err := ks.Store(&b, []byte(TrustStorePassword)); err != nil {
		return nil, fmt.Errorf("encode trust store: %w", err)
	}
	return b.Bytes(), nil
}

// TrustEntry is one entry of a JKS trust store.
type TrustEntry struct {
	Alias string
	// Cert is nil for a private key entry, which a trust store should not
	// hold.
	Cert *x509.Certificate
}

// DecodeTrustStore reads a JKS key store and returns its entries by alias.
// A wrong password is an error: JKS files carry a keyed digest.
func DecodeTrustStore(data []byte, password string) (entries []TrustEntry, err error) {
	defer recoverAs(&err, "trust store")
	if err := checkJKSBounds(data); err != nil {
		return nil, err
	}
	ks := keystore.New(keystore.WithOrderedAliases())
	if err := ks.Load(bytes.NewReader(data), []byte(password)); err != nil {
		return nil, err
	}
	for _, alias := range ks.Aliases() {
		if ks.IsPrivateKeyEntry(alias) {
			entries = append(entries, TrustEntry{Alias: alias})
			continue
		}
		e, err := ks.GetTrustedCertificateEntry(alias)
		if err != nil {
			return nil, fmt.Errorf("entry %s: %w", alias, err)
		}
		c, err := x509.ParseCertificate(e.Certificate.Content)
		if err != nil {
			return nil, fmt.Errorf("entry %s: %w", alias, err)
		}
		entries = append(entries, TrustEntry{Alias: alias, Cert: c})
	}
	if len(entries) == 0 {
		return nil, errors.New("no entries")
	}
	return entries, nil
}

// recoverAs turns a panic of a decoding library on hostile input into an
// error. NOTE: the lint reads files that honoctl did not write; no input
// may crash it.
func recoverAs(err *error, what string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%s: malformed input (%v)", what, r)
	}
}
