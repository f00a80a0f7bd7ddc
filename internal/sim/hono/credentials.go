package hono

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/honoctl/honoctl/internal/atomicfile"

	"golang.org/x/crypto/bcrypt"
)

// Credential types and hash functions of Hono 0.7's credentials API.
const (
	TypeHashedPassword = "hashed-password"
	TypePresharedKey   = "psk"
	TypeX509Cert       = "x509-cert"

	HashSHA256 = "sha-256" // the default when a secret names none
	HashSHA512 = "sha-512"
	HashBcrypt = "bcrypt"
)

// ErrBadPassword is returned when no valid secret of a credential matches.
var ErrBadPassword = errors.New("bad credentials")

// Credential is one entry of a tenant's credentials (CredentialsObject).
// Raw is the entry as stored; a "get" returns it unchanged.
type Credential struct {
	DeviceID string
	AuthID   string
	Type     string
	Enabled  bool
	Secrets  []Secret
	Raw      map[string]any
}

// Secret is one secret of a credential, with its optional validity window.
type Secret struct {
	HashFunction string // default HashSHA256
	Salt         []byte // nil when the secret has none
	PwdHash      string // Base64(HASH(salt ‖ password)), or a bcrypt string
	Key          []byte // psk secrets only
	NotBefore    time.Time
	NotAfter     time.Time
}

// ValidAt reports whether t is inside the secret's window (an unset bound is
// open).
func (s Secret) ValidAt(t time.Time) bool {
	return (s.NotBefore.IsZero() || !t.Before(s.NotBefore)) &&
		(s.NotAfter.IsZero() || !t.After(s.NotAfter))
}

// HashPassword computes a hashed-password secret's pwd-hash: Base64 of the
// hash of the salt bytes followed by the UTF-8 password (Hono's
// MessageDigestPasswordEncoder).
func HashPassword(function string, salt []byte, password string) (string, error) {
	var h hash.Hash
	switch function {
	case HashSHA256, "":
		h = sha256.New()
	case HashSHA512:
		h = sha512.New()
	default:
		return "", fmt.Errorf("hash function %q not supported (sha-256, sha-512, bcrypt)", function)
	}
	h.Write(salt)
	h.Write([]byte(password))
	return base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}

// matches reports whether password fits the secret.
func (s Secret) matches(password string) (bool, error) {
	if s.HashFunction == HashBcrypt {
		return bcrypt.CompareHashAndPassword([]byte(s.PwdHash), []byte(password)) == nil, nil
	}
	got, err := HashPassword(s.HashFunction, s.Salt, password)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.PwdHash)) == 1, nil
}

// VerifyPassword checks a device's password against a hashed-password
// credential, as a protocol adapter does with what the registry returned:
// the credential must be enabled and one secret valid at now must match.
func (c Credential) VerifyPassword(password string, now time.Time) error {
	if c.Type != TypeHashedPassword {
		return fmt.Errorf("credential of %s is %q, not %s", c.AuthID, c.Type, TypeHashedPassword)
	}
	if !c.Enabled {
		return fmt.Errorf("%w: credentials of %s are disabled", ErrBadPassword, c.AuthID)
	}
	for _, s := range c.Secrets {
		if !s.ValidAt(now) {
			continue
		}
		ok, err := s.matches(password)
		if err != nil {
			return fmt.Errorf("credential of %s: %w", c.AuthID, err)
		}
		if ok {
			return nil
		}
	}
	return ErrBadPassword
}

// ParseCredential reads one credentials entry, as stored in credentials.json
// or as returned in a registry response body.
func ParseCredential(raw map[string]any) (Credential, error) {
	c := Credential{
		DeviceID: stringField(raw, "device-id"),
		AuthID:   stringField(raw, "auth-id"),
		Type:     stringField(raw, "type"),
		Raw:      raw,
	}
	if c.DeviceID == "" || c.AuthID == "" || c.Type == "" {
		return Credential{}, errors.New("credential needs device-id, auth-id and type")
	}
	var err error
	if c.Enabled, err = boolField(raw, "enabled", true); err != nil {
		return Credential{}, fmt.Errorf("credential %s: %w", c.AuthID, err)
	}
	secrets, _ := raw["secrets"].([]any)
	for i, v := range secrets {
		m, ok := v.(map[string]any)
		if !ok {
			return Credential{}, fmt.Errorf("credential %s, secret %d: not an object", c.AuthID, i)
		}
		s, err := parseSecret(m)
		if err != nil {
			return Credential{}, fmt.Errorf("credential %s, secret %d: %w", c.AuthID, i, err)
		}
		c.Secrets = append(c.Secrets, s)
	}
	return c, nil
}

func parseSecret(m map[string]any) (Secret, error) {
	s := Secret{HashFunction: stringField(m, "hash-function"), PwdHash: stringField(m, "pwd-hash")}
	if s.HashFunction == "" {
		s.HashFunction = HashSHA256
	}
	var err error
	if salt := stringField(m, "salt"); salt != "" {
		if s.Salt, err = base64.StdEncoding.DecodeString(salt); err != nil {
			return Secret{}, fmt.Errorf("salt is not Base64: %w", err)
		}
	}
	if key := stringField(m, "key"); key != "" {
		if s.Key, err = base64.StdEncoding.DecodeString(key); err != nil {
			return Secret{}, fmt.Errorf("key is not Base64: %w", err)
		}
	}
	// Hono reads the bounds as ISO offset date-times (RFC 3339).
	for field, dst := range map[string]*time.Time{"not-before": &s.NotBefore, "not-after": &s.NotAfter} {
		if v := stringField(m, field); v != "" {
			if *dst, err = time.Parse(time.RFC3339, v); err != nil {
				return Secret{}, fmt.Errorf("%s %q is not an ISO date-time with offset", field, v)
			}
		}
	}
	return s, nil
}

// CredentialsStore holds the credentials of every tenant, read from
// credentials.json (FileBasedCredentialsService). It is safe for
// concurrent use. Entries are replaced, never changed in place, so a
// Credential handed out stays as it was.
type CredentialsStore struct {
	mu sync.RWMutex
	// byTenant maps tenant -> auth-id -> the entries for that auth-id.
	byTenant map[string]map[string][]Credential
	saveMu   sync.Mutex // orders saves, as DeviceStore's
}

// LoadCredentials reads a credentials file: a list of
// {"tenant": ..., "credentials": [...]}.
func LoadCredentials(path string) (*CredentialsStore, error) {
	var f []struct {
		Tenant      string           `json:"tenant"`
		Credentials []map[string]any `json:"credentials"`
	}
	if err := readJSON(path, "credentials", &f); err != nil {
		return nil, err
	}
	st := &CredentialsStore{byTenant: map[string]map[string][]Credential{}}
	for _, t := range f {
		for _, raw := range t.Credentials {
			c, err := ParseCredential(raw)
			if err != nil {
				return nil, fmt.Errorf("credentials %s, tenant %s: %w", path, t.Tenant, err)
			}
			st.tenant(t.Tenant)[c.AuthID] = append(st.tenant(t.Tenant)[c.AuthID], c)
		}
	}
	return st, nil
}

// tenant returns the tenant's map, made if missing. Call with mu held.
func (st *CredentialsStore) tenant(id string) map[string][]Credential {
	m := st.byTenant[id]
	if m == nil {
		m = map[string][]Credential{}
		st.byTenant[id] = m
	}
	return m
}

// Get finds the first credential of the type for the auth-id whose fields
// match every entry of clientContext (which may be nil), as Hono's "get".
func (st *CredentialsStore) Get(tenant, typ, authID string, clientContext map[string]any) (Credential, bool) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	for _, c := range st.byTenant[tenant][authID] {
		if c.Type != typ {
			continue
		}
		if contextMatches(c.Raw, clientContext) {
			return c, true
		}
	}
	return Credential{}, false
}

// ForDevice returns every credential of a device, in no particular
// order, as Hono's getAll.
func (st *CredentialsStore) ForDevice(tenant, device string) []Credential {
	st.mu.RLock()
	defer st.mu.RUnlock()
	var out []Credential
	for _, authID := range slices.Sorted(maps.Keys(st.byTenant[tenant])) {
		for _, c := range st.byTenant[tenant][authID] {
			if c.DeviceID == device {
				out = append(out, c)
			}
		}
	}
	return out
}

// Add stores a credential: 201, or 409 when its auth-id has one of its
// type already (FileBasedCredentialsService.add).
//
// NOTE: as in Hono 0.7, adding does not depend on modificationEnabled.
func (st *CredentialsStore) Add(tenant string, c Credential) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	m := st.tenant(tenant)
	for _, old := range m[c.AuthID] {
		if old.Type == c.Type {
			return StatusConflict
		}
	}
	m[c.AuthID] = append(m[c.AuthID], c)
	return StatusCreated
}

// Update replaces the credential of c's auth-id and type: 204, or 404.
func (st *CredentialsStore) Update(tenant string, c Credential) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	list := st.byTenant[tenant][c.AuthID]
	for i, old := range list {
		if old.Type == c.Type {
			// A new slice: readers may hold the old one.
			st.byTenant[tenant][c.AuthID] = slices.Concat(list[:i], list[i+1:], []Credential{c})
			return StatusNoContent
		}
	}
	return StatusNotFound
}

// Remove deletes the credential of an auth-id and type: 204, or 404.
func (st *CredentialsStore) Remove(tenant, typ, authID string) int {
	return st.remove(tenant, func(c Credential) bool { return c.AuthID == authID && c.Type == typ })
}

// RemoveDevice deletes every credential of a device: 204, or 404 when it
// has none.
func (st *CredentialsStore) RemoveDevice(tenant, device string) int {
	return st.remove(tenant, func(c Credential) bool { return c.DeviceID == device })
}

func (st *CredentialsStore) remove(tenant string, match func(Credential) bool) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	status := StatusNotFound
	m := st.byTenant[tenant]
	for authID, list := range m {
		var keep []Credential
		for _, c := range list {
			if match(c) {
				status = StatusNoContent
			} else {
				keep = append(keep, c)
			}
		}
		if len(keep) == 0 {
			delete(m, authID) // Hono leaves no empty auth-id behind
		} else {
			m[authID] = keep
		}
	}
	return status
}

// Save writes the store to path atomically, in the format
// LoadCredentials reads, tenants and auth-ids sorted.
func (st *CredentialsStore) Save(path string) error {
	st.saveMu.Lock()
	defer st.saveMu.Unlock()
	type tenant struct {
		Tenant      string           `json:"tenant"`
		Credentials []map[string]any `json:"credentials"`
	}
	st.mu.RLock()
	out := []tenant{}
	for _, id := range slices.Sorted(maps.Keys(st.byTenant)) {
		t := tenant{Tenant: id, Credentials: []map[string]any{}}
		for _, authID := range slices.Sorted(maps.Keys(st.byTenant[id])) {
			for _, c := range st.byTenant[id][authID] {
				t.Credentials = append(t.Credentials, c.Raw)
			}
		}
		out = append(out, t)
	}
	st.mu.RUnlock()
	return atomicfile.WriteJSON(path, out, 0o600)
}

func contextMatches(raw, ctx map[string]any) bool {
	for k, want := range ctx {
		got, ok := raw[k].(string)
		if !ok || got != want {
			return false
		}
	}
	return true
}
