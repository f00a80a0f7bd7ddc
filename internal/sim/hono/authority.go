package hono

import (
	"sort"
	"strings"
)

// Activity is what a client may do on a resource. Its code is the letter
// Hono writes into token claims.
type Activity byte

// The activities of Hono's Activity enum, by their claim letters.
const (
	Read    Activity = 'R'
	Write   Activity = 'W'
	Execute Activity = 'E'
)

// ParseActivity maps a permissions-file name (READ, WRITE, EXECUTE) to its
// Activity.
func ParseActivity(name string) (Activity, bool) {
	switch name {
	case "READ":
		return Read, true
	case "WRITE":
		return Write, true
	case "EXECUTE":
		return Execute, true
	}
	return 0, false
}

// Claim prefixes of Hono's AuthoritiesImpl.
const (
	resourcePrefix  = "r:"
	operationPrefix = "o:"
)

// Authorities maps claim keys ("r:<resource>", "o:<resource>:<operation>")
// to the activity letters granted on them, as Hono's AuthoritiesImpl does.
// The map is exactly what goes into a token's claims.
type Authorities map[string]string

// AddResource grants activities on a resource (for example "telemetry/*"),
// replacing what was granted on that key before.
func (a Authorities) AddResource(resource string, acts ...Activity) {
	b := make([]byte, len(acts))
	for i, act := range acts {
		b[i] = byte(act)
	}
	a[resourcePrefix+resource] = string(b)
}

// AddOperation grants the execution of operation on resource; both may be
// "*".
func (a Authorities) AddOperation(resource, operation string) {
	a[operationPrefix+resource+":"+operation] = string(Execute)
}

// Merge copies every entry of other into a. Like Hono's addAll, a key
// present in both takes other's value: roles listed later win.
func (a Authorities) Merge(other Authorities) {
	for k, v := range other {
		a[k] = v
	}
}

// AuthoritiesFromClaims picks the r: and o: claims with string values from
// decoded token claims, ignoring all others (AuthoritiesImpl.from).
func AuthoritiesFromClaims(claims map[string]any) Authorities {
	a := Authorities{}
	for k, v := range claims {
		s, ok := v.(string)
		if ok && (strings.HasPrefix(k, resourcePrefix) || strings.HasPrefix(k, operationPrefix)) {
			a[k] = s
		}
	}
	return a
}

func (a Authorities) grants(key string, intent Activity) bool {
	acts, ok := a[key]
	return ok && (acts == "*" || strings.IndexByte(acts, byte(intent)) >= 0)
}

// Allowed reports whether intent is granted on the resource. The lookup
// order is Hono's: the full address, then "endpoint/tenant",
// "endpoint/*", "endpoint" and "*".
func (a Authorities) Allowed(r Resource, intent Activity) bool {
	var keys []string
	if r.ID() != "" {
		keys = append(keys, r.String())
	}
	if r.Tenant() != "" {
		keys = append(keys, r.Endpoint()+"/"+r.Tenant(), r.Endpoint()+"/*")
	}
	keys = append(keys, r.Endpoint(), "*")
	for _, k := range keys {
		if a.grants(resourcePrefix+k, intent) {
			return true
		}
	}
	return false
}

// AllowedOperation reports whether the operation (a request's subject, for
// example "assert") may be executed on the resource. Each level of
// Allowed's lookup also matches the operation "*".
func (a Authorities) AllowedOperation(r Resource, operation string) bool {
	var keys []string
	if r.ID() != "" {
		keys = append(keys, r.String())
	}
	if r.Tenant() != "" {
		keys = append(keys, r.Endpoint()+"/"+r.Tenant(), r.Endpoint()+"/*")
	}
	keys = append(keys, r.Endpoint(), "*")
	for _, k := range keys {
		if a.grants(operationPrefix+k+":"+operation, Execute) ||
			a.grants(operationPrefix+k+":*", Execute) {
			return true
		}
	}
	return false
}

// AddressAuthz is the "address-authz" map that the Auth Server puts into
// its Open frame for the Dispatch Router (SimpleAuthenticationServer):
// resource claims only, R as "recv" and W as "send". Each list is sorted,
// so the frame is the same on every run.
func (a Authorities) AddressAuthz() map[string][]string {
	m := map[string][]string{}
	for k, acts := range a {
		addr, ok := strings.CutPrefix(k, resourcePrefix)
		if !ok {
			continue
		}
		perms := []string{}
		if strings.IndexByte(acts, byte(Read)) >= 0 {
			perms = append(perms, "recv")
		}
		if strings.IndexByte(acts, byte(Write)) >= 0 {
			perms = append(perms, "send")
		}
		sort.Strings(perms)
		m[addr] = perms
	}
	return m
}
