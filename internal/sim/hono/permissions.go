package hono

import (
	"crypto/subtle"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
)

// SASL mechanisms a permissions-file user can have.
const (
	MechanismPlain    = "PLAIN"
	MechanismExternal = "EXTERNAL"
)

// AuthorityImpersonate is the authority that lets a user act as another
// user named in the SASL authorization id (Hono's "hono-component").
const AuthorityImpersonate = "hono-component"

// ErrUnauthorized is returned when credentials do not match a user. The
// Auth Server answers it with SASL outcome "auth".
var ErrUnauthorized = errors.New("unauthorized")

// Permissions is the Auth Server's permissions file (permissions.json):
// roles with their authorities and users with their mechanism, password and
// roles. It follows FileBasedAuthenticationService.
type Permissions struct {
	roles map[string]Authorities
	users map[string]User
}

// User is one entry of the permissions file's "users" object.
type User struct {
	Name        string
	Mechanism   string
	password    string
	Authorities []string
}

// Principal is an authenticated identity with the authorities granted to
// it: what a token says.
type Principal struct {
	Name        string
	Authorities Authorities
}

type permissionsFile struct {
	Roles map[string][]struct {
		Activities []string `json:"activities"`
		Resource   *string  `json:"resource"`
		Operation  *string  `json:"operation"`
	} `json:"roles"`
	Users map[string]struct {
		Mechanism   string   `json:"mechanism"`
		Password    string   `json:"password"`
		Authorities []string `json:"authorities"`
	} `json:"users"`
}

// LoadPermissions reads a permissions file. The path may be given as Hono's
// Spring resource, "file:///run/secrets/permissions.json".
func LoadPermissions(path string) (*Permissions, error) {
	path = strings.TrimPrefix(path, "file://")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read permissions: %w", err)
	}
	p, err := ParsePermissions(b)
	if err != nil {
		return nil, fmt.Errorf("permissions %s: %w", path, err)
	}
	return p, nil
}

// ParsePermissions decodes the JSON of a permissions file.
func ParsePermissions(b []byte) (*Permissions, error) {
	var f permissionsFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	p := &Permissions{roles: map[string]Authorities{}, users: map[string]User{}}
	for name, specs := range f.Roles {
		a := Authorities{}
		for i, s := range specs {
			switch {
			case s.Resource != nil:
				acts := make([]Activity, 0, len(s.Activities))
				for _, n := range s.Activities {
					act, ok := ParseActivity(n)
					if !ok {
						return nil, fmt.Errorf("role %s, authority %d: unknown activity %q (want READ, WRITE or EXECUTE)", name, i, n)
					}
					acts = append(acts, act)
				}
				a.AddResource(*s.Resource, acts...)
			case s.Operation != nil:
				// Like Hono, an operation without ":name" is skipped.
				res, op, ok := strings.Cut(*s.Operation, ":")
				if ok {
					a.AddOperation(res, op)
				}
			default:
				return nil, fmt.Errorf("role %s, authority %d: neither resource nor operation", name, i)
			}
		}
		p.roles[name] = a
	}
	for name, u := range f.Users {
		p.users[name] = User{Name: name, Mechanism: u.Mechanism, password: u.Password, Authorities: u.Authorities}
	}
	return p, nil
}

// Users lists the user names, sorted.
func (p *Permissions) Users() []string {
	names := make([]string, 0, len(p.users))
	for n := range p.users {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// User returns a user by name.
func (p *Permissions) User(name string) (User, bool) {
	u, ok := p.users[name]
	return u, ok
}

// AuthenticatePlain checks a SASL PLAIN response: the user must exist with
// mechanism PLAIN and the exact password. authzid may name another user for
// a user holding AuthorityImpersonate.
func (p *Permissions) AuthenticatePlain(authzid, authcid, password string) (Principal, error) {
	if authcid == "" || password == "" {
		return Principal{}, ErrUnauthorized
	}
	u, ok := p.users[authcid]
	if !ok || u.Mechanism != MechanismPlain {
		return Principal{}, ErrUnauthorized
	}
	if subtle.ConstantTimeCompare([]byte(u.password), []byte(password)) != 1 {
		return Principal{}, ErrUnauthorized
	}
	return p.principal(u, authzid), nil
}

// AuthenticateExternal maps a TLS client certificate's subject to a user
// with mechanism EXTERNAL, by common name (Hono's verifyExternal).
func (p *Permissions) AuthenticateExternal(authzid string, subject pkix.Name) (Principal, error) {
	cn := CommonName(subject)
	if cn == "" {
		return Principal{}, fmt.Errorf("%w: no common name in subject %q", ErrUnauthorized, subject.String())
	}
	u, ok := p.users[cn]
	if !ok || u.Mechanism != MechanismExternal {
		return Principal{}, ErrUnauthorized
	}
	return p.principal(u, authzid), nil
}

// principal grants the user's roles, or those of the impersonated user when
// the user may impersonate and the authzid names a known user. An unknown
// authzid falls back to the authenticated user, as in Hono.
func (p *Permissions) principal(u User, authzid string) Principal {
	if authzid != "" && u.has(AuthorityImpersonate) {
		if other, ok := p.users[authzid]; ok {
			u = other
		}
	}
	a := Authorities{}
	for _, role := range u.Authorities {
		if ra, ok := p.roles[role]; ok {
			a.Merge(ra)
		}
	}
	return Principal{Name: u.Name, Authorities: a}
}

func (u User) has(authority string) bool {
	for _, a := range u.Authorities {
		if a == authority {
			return true
		}
	}
	return false
}

var oidCommonName = asn1.ObjectIdentifier{2, 5, 4, 3}

// CommonName is the CN that Hono's AuthenticationConstants.getCommonName
// finds: the subject DN printed in Java's order (last attribute first) must
// start with "CN=". A subject whose last attribute is not a CN has none.
// subject.Names keeps the certificate's own order; a Name built in code
// without Names is read in the order Go would encode it.
func CommonName(subject pkix.Name) string {
	names := subject.Names
	if len(names) == 0 {
		for _, rdn := range subject.ToRDNSequence() {
			names = append(names, rdn...)
		}
	}
	if len(names) == 0 {
		return ""
	}
	last := names[len(names)-1]
	if s, ok := last.Value.(string); ok && last.Type.Equal(oidCommonName) {
		return s
	}
	return ""
}
