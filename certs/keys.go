package certs

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// KeyType is the algorithm and size of a private key.
type KeyType string

// The key types Generate makes. Hono's own script used RSA 4096.
const (
	ECDSAP256 KeyType = "ecdsa-p256"
	RSA2048   KeyType = "rsa2048"
	RSA3072   KeyType = "rsa3072"
	RSA4096   KeyType = "rsa4096"
)

// KeyTypes lists the key types in the order --key-type documents them.
var KeyTypes = []KeyType{ECDSAP256, RSA2048, RSA3072, RSA4096}

// ParseKeyType reads a key type name such as "rsa4096".
func ParseKeyType(s string) (KeyType, error) {
	for _, k := range KeyTypes {
		if string(k) == strings.ToLower(s) {
			return k, nil
		}
	}
	names := make([]string, len(KeyTypes))
	for i, k := range KeyTypes {
		names[i] = string(k)
	}
	return "", fmt.Errorf("key type %q: want one of %s", s, strings.Join(names, ", "))
}

// IsRSA reports whether keys of this type are RSA keys.
func (k KeyType) IsRSA() bool { return strings.HasPrefix(string(k), "rsa") }

func (k KeyType) rsaBits() int {
	switch k {
	case RSA2048:
		return 2048
	case RSA3072:
		return 3072
	case RSA4096:
		return 4096
	}
	return 0
}

// ServiceKeyType is the key type service s gets when k is asked for.
// Hono 0.7's Java services load their PEM key with vert.x 3.5.3, whose
// KeyStoreHelper reads a "PRIVATE KEY" with the RSA key factory only (EC
// came in vert.x 3.7, eclipse-vertx/vert.x#2874; Hono's demo-certs moved
// to RSA for that reason, eclipse-hono/hono#162). The Auth Server also
// signs tokens RS256 with its key. So every service but the dispatch
// router, which uses OpenSSL, gets RSA 2048 when k is not an RSA type.
func ServiceKeyType(s topology.Service, k KeyType) KeyType {
	if !k.IsRSA() && NeedsRSA(s) {
		return RSA2048
	}
	return k
}

// NeedsRSA reports whether service s can load only an RSA key: all Hono
// 0.7 Java services, that is all but the router.
func NeedsRSA(s topology.Service) bool { return s.Role != topology.RoleRouter }

// newKey makes a private key of type k.
func newKey(k KeyType) (crypto.Signer, error) {
	if bits := k.rsaBits(); bits > 0 {
		return rsa.GenerateKey(rand.Reader, bits)
	}
	if k == ECDSAP256 {
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return nil, fmt.Errorf("key type %q: not supported", k)
}

// newKeys makes one key per entry of types, in parallel: RSA key generation
// is the slow part of a PKI, and the keys do not depend on each other. When
// ctx ends first, it returns at once; the keys still being made are
// dropped when done.
func newKeys(ctx context.Context, types []KeyType) ([]crypto.Signer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	keys := make([]crypto.Signer, len(types))
	errs := make([]error, len(types))
	var wg sync.WaitGroup
	for i, k := range types {
		wg.Go(func() { keys[i], errs[i] = newKey(k) })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return keys, errors.Join(errs...)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// keyTypeOf names the type of a public key; ok is false for keys Generate
// does not make (other curves and sizes, Ed25519).
func keyTypeOf(pub crypto.PublicKey) (k KeyType, ok bool) {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		k = KeyType(fmt.Sprintf("rsa%d", p.N.BitLen()))
	case *ecdsa.PublicKey:
		k = KeyType("ecdsa-" + strings.ToLower(strings.ReplaceAll(p.Curve.Params().Name, "-", "")))
	case ed25519.PublicKey:
		k = "ed25519"
	default:
		return KeyType(fmt.Sprintf("%T", pub)), false
	}
	_, err := ParseKeyType(string(k))
	return k, err == nil
}

// encodeKey is the key as unencrypted PKCS#8 PEM ("PRIVATE KEY"), the form
// Hono's script converted its keys to and Hono's KeyLoader reads.
func encodeKey(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseKey reads a PEM private key. PKCS#8 is what Hono needs; PKCS#1 and
// SEC 1 keys are read too, so that Lint can say what is wrong with them.
func ParseKey(data []byte) (crypto.Signer, string, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, "", errors.New("no PEM block")
	}
	var (
		key any
		err error
	)
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "ENCRYPTED PRIVATE KEY":
		return nil, block.Type, errors.New("the key is encrypted; Hono reads unencrypted PKCS#8 keys only")
	default:
		return nil, block.Type, fmt.Errorf("PEM block %q is not a private key", block.Type)
	}
	if err != nil {
		return nil, block.Type, fmt.Errorf("parse %s: %w", block.Type, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, block.Type, fmt.Errorf("unsupported private key %T", key)
	}
	return signer, block.Type, nil
}

// keyMatches reports whether key is the private half of pub.
func keyMatches(key crypto.Signer, pub crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := key.Public().(equaler)
	return ok && e.Equal(pub)
}
