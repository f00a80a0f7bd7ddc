package config

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	"software.sslmate.com/src/go-pkcs12"
)

// Format is a key or trust store format, Hono's FileFormat.
type Format string

// The formats Hono 0.7 reads.
const (
	FormatPEM    Format = "PEM"
	FormatJKS    Format = "JKS"
	FormatPKCS12 Format = "PKCS12"
)

// DetectFormat returns the explicit format if given (keyFormat,
// trustStoreFormat), else the one Hono derives from the file's extension:
// .pem .key .crt are PEM, .jks is JKS, .p12 .pfx are PKCS12.
func DetectFormat(path, explicit string) (Format, error) {
	if explicit != "" {
		switch f := Format(strings.ToUpper(explicit)); f {
		case FormatPEM, FormatJKS, FormatPKCS12:
			return f, nil
		}
		return "", fmt.Errorf("%s: format %q: want PEM, JKS or PKCS12", path, explicit)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".pem", ".key", ".crt":
		return FormatPEM, nil
	case ".jks":
		return FormatJKS, nil
	case ".p12", ".pfx":
		return FormatPKCS12, nil
	}
	return "", fmt.Errorf("%s: cannot tell the format from the extension "+
		"(.pem .key .crt, .jks, .p12 .pfx); set keyFormat or trustStoreFormat", path)
}

// KeyPair loads the configured key and certificate chain: the PEM pair
// when both paths are set, else the key store. It returns nil, nil when
// neither is configured.
func (t *TLS) KeyPair() (*tls.Certificate, error) {
	switch {
	case t.KeyPath != "" && t.CertPath != "":
		return pemKeyPair(t.KeyPath, t.CertPath, t.KeyFormat)
	case t.KeyStorePath != "":
		return keyStorePair(t.KeyStorePath, t.KeyStorePassword, t.KeyFormat)
	}
	return nil, nil
}

func pemKeyPair(keyPath, certPath, explicit string) (*tls.Certificate, error) {
	for _, p := range []string{keyPath, certPath} {
		f, err := DetectFormat(p, explicit)
		if err != nil {
			return nil, err
		}
		if f != FormatPEM {
			// Hono: keyPath and certPath are PEM; stores go in keyStorePath.
			return nil, fmt.Errorf("%s: keyPath and certPath must be PEM, not %s; use keyStorePath for a store", p, f)
		}
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return nil, fmt.Errorf("certificate file: %w", err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("key %s with certificate %s: %w", keyPath, certPath, err)
	}
	return &pair, nil
}

func keyStorePair(path, password, explicit string) (*tls.Certificate, error) {
	f, err := DetectFormat(path, explicit)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key store: %w", err)
	}
	var key crypto.PrivateKey
	var chain []*x509.Certificate
	switch f {
	case FormatPKCS12:
		k, leaf, cas, err := pkcs12.DecodeChain(data, password)
		if err != nil {
			return nil, fmt.Errorf("PKCS#12 key store %s: %w", path, err)
		}
		key, chain = k, append([]*x509.Certificate{leaf}, cas...)
	case FormatJKS:
		key, chain, err = jksKeyPair(data, password)
		if err != nil {
			return nil, fmt.Errorf("JKS key store %s: %w", path, err)
		}
	default:
		return nil, fmt.Errorf("%s: a key store is PKCS12 or JKS; use keyPath and certPath for PEM", path)
	}
	pair := &tls.Certificate{PrivateKey: key, Leaf: chain[0]}
	for _, c := range chain {
		pair.Certificate = append(pair.Certificate, c.Raw)
	}
	return pair, nil
}

// jksKeyPair returns the first private key entry of a JKS store; its key
// password is the store password, as Hono (Vert.x JksOptions) assumes.
func jksKeyPair(data []byte, password string) (crypto.PrivateKey, []*x509.Certificate, error) {
	ks := keystore.New()
	if err := ks.Load(bytes.NewReader(data), []byte(password)); err != nil {
		return nil, nil, err
	}
	for _, alias := range ks.Aliases() {
		if !ks.IsPrivateKeyEntry(alias) {
			continue
		}
		e, err := ks.GetPrivateKeyEntry(alias, []byte(password))
		if err != nil {
			return nil, nil, fmt.Errorf("entry %s: %w", alias, err)
		}
		key, err := x509.ParsePKCS8PrivateKey(e.PrivateKey)
		if err != nil {
			return nil, nil, fmt.Errorf("entry %s: %w", alias, err)
		}
		var chain []*x509.Certificate
		for _, c := range e.CertificateChain {
			cert, err := x509.ParseCertificate(c.Content)
			if err != nil {
				return nil, nil, fmt.Errorf("entry %s: %w", alias, err)
			}
			chain = append(chain, cert)
		}
		if len(chain) == 0 {
			return nil, nil, fmt.Errorf("entry %s has no certificate", alias)
		}
		return key, chain, nil
	}
	return nil, nil, errors.New("no private key entry")
}

// TrustAnchors loads the configured trust store. It returns nil, nil when
// none is configured.
func (t *TLS) TrustAnchors() ([]*x509.Certificate, error) {
	if t.TrustStorePath == "" {
		return nil, nil
	}
	return LoadTrustStore(t.TrustStorePath, t.TrustStorePassword, t.TrustStoreFormat)
}

// LoadTrustStore reads the certificates of a PEM file, a JKS store
// (trusted certificate entries) or a PKCS#12 trust store.
func LoadTrustStore(path, password, explicit string) ([]*x509.Certificate, error) {
	f, err := DetectFormat(path, explicit)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("trust store: %w", err)
	}
	var certs []*x509.Certificate
	switch f {
	case FormatPEM:
		certs, err = pemCertificates(data)
	case FormatJKS:
		certs, err = jksCertificates(data, password)
	case FormatPKCS12:
		certs, err = pkcs12.DecodeTrustStore(data, password)
	}
	if err != nil {
		return nil, fmt.Errorf("%s trust store %s: %w", f, path, err)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s trust store %s holds no certificate", f, path)
	}
	return certs, nil
}

func pemCertificates(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return certs, nil
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
}

func jksCertificates(data []byte, password string) ([]*x509.Certificate, error) {
	ks := keystore.New()
	if err := ks.Load(bytes.NewReader(data), []byte(password)); err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for _, alias := range ks.Aliases() {
		if !ks.IsTrustedCertificateEntry(alias) {
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
		certs = append(certs, c)
	}
	return certs, nil
}
