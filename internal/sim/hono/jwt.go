package hono

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Default lifetimes of Hono 0.7 (SignatureSupportingConfigProperties).
const (
	DefaultTokenLifetime     = 600 * time.Second
	DefaultAssertionLifetime = 600 * time.Second
)

// Clock tolerances of the validating side.
const (
	// TokenLeeway is how long past its expiry a token is still honoured
	// (HonoSaslAuthenticatorFactory's expirationLeeway).
	TokenLeeway = 2 * time.Minute
	// AssertionSkew is the clock skew allowed on a registration assertion
	// (RegistrationAssertionHelperImpl).
	AssertionSkew = 10 * time.Second
)

// minSecretLen is JwtHelper's minimum length of a shared secret, in UTF-8
// bytes: HS256 wants a key as long as its hash.
const minSecretLen = 32

// Key signs or verifies Hono's JWTs: HS256 with a shared secret, or RS256
// with an RSA private key (signing) or a certificate's public key
// (verifying only), as Hono's JwtHelper.
type Key struct {
	method jwt.SigningMethod
	sign   any // nil for a verify-only key
	verify any
}

// SecretKey makes an HS256 key from a shared secret of at least 32 bytes.
func SecretKey(secret string) (*Key, error) {
	if len(secret) < minSecretLen {
		return nil, fmt.Errorf("shared secret has %d bytes, Hono needs at least %d", len(secret), minSecretLen)
	}
	return &Key{method: jwt.SigningMethodHS256, sign: []byte(secret), verify: []byte(secret)}, nil
}

// RSAKey makes an RS256 key that signs and verifies.
func RSAKey(k *rsa.PrivateKey) *Key {
	return &Key{method: jwt.SigningMethodRS256, sign: k, verify: &k.PublicKey}
}

// CertKey makes an RS256 key that verifies with a certificate's public key.
func CertKey(cert *x509.Certificate) (*Key, error) {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("certificate %q has a %T key; Hono's tokens are RS256 and need RSA", cert.Subject.CommonName, cert.PublicKey)
	}
	return &Key{method: jwt.SigningMethodRS256, verify: pub}, nil
}

// LoadSigningKey reads an RSA private key from a PEM file ("PRIVATE KEY"
// or "RSA PRIVATE KEY"), the only kind Hono's KeyLoader signs with.
func LoadSigningKey(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("signing key %s: no PEM block", path)
	}
	var k any
	switch blk.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	default:
		return nil, fmt.Errorf("signing key %s: PEM block %q, want PRIVATE KEY or RSA PRIVATE KEY", path, blk.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s is %T; Hono signs tokens with RSA keys only (RS256)", path, k)
	}
	return RSAKey(rk), nil
}

// LoadCertKey reads the first certificate of a PEM file (auth-server-cert.pem
// holds the leaf, then the CA) and makes a verifying key of it.
func LoadCertKey(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read validation certificate: %w", err)
	}
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil, fmt.Errorf("validation certificate %s: no CERTIFICATE block", path)
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("validation certificate %s: %w", path, err)
		}
		k, err := CertKey(cert)
		if err != nil {
			return nil, fmt.Errorf("validation certificate %s: %w", path, err)
		}
		return k, nil
	}
}

// Algorithm is "HS256" or "RS256".
func (k *Key) Algorithm() string { return k.method.Alg() }

// CanSign reports whether the key holds signing material.
func (k *Key) CanSign() bool { return k.sign != nil }

// signClaims signs claims with a header of just "alg", as jjwt 0.7 writes.
func (k *Key) signClaims(claims jwt.MapClaims) (string, error) {
	if k.sign == nil {
		return "", errors.New("key can only verify")
	}
	t := jwt.NewWithClaims(k.method, claims)
	t.Header = map[string]any{"alg": k.method.Alg()}
	return t.SignedString(k.sign)
}

// parse checks a token's signature and algorithm and its exp claim with the
// given tolerance.
func (k *Key) parse(token string, now time.Time, leeway time.Duration, opts ...jwt.ParserOption) (jwt.MapClaims, error) {
	opts = append(opts,
		jwt.WithValidMethods([]string{k.method.Alg()}),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithLeeway(leeway),
		jwt.WithExpirationRequired(),
	)
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return k.verify, nil }, opts...)
	if err != nil {
		return nil, err
	}
	return claims, nil
}
