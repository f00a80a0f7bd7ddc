package hono

import "strings"

// Resource is a Hono resource identifier: an address such as
// "telemetry/DEFAULT_TENANT/4711" split into its endpoint, tenant and
// resource segments (Hono's ResourceIdentifier, separator "/").
type Resource struct {
	// Path holds every segment; Path[0] is the endpoint. Empty tenant or
	// resource segments are dropped, as Hono treats them as absent.
	Path []string
}

// ParseResource splits an address into a Resource. It never fails: like
// Hono, it keeps whatever segments the address has.
func ParseResource(address string) Resource {
	segs := strings.Split(address, "/")
	// NOTE: Hono allows only trailing absent segments; an empty tenant
	// ("telemetry//x") makes the tenant absent and so the rest, too.
	for i := 1; i < len(segs); i++ {
		if segs[i] == "" {
			segs = segs[:i]
			break
		}
	}
	return Resource{Path: segs}
}

// Endpoint is the first segment, for example "telemetry".
func (r Resource) Endpoint() string {
	if len(r.Path) == 0 {
		return ""
	}
	return r.Path[0]
}

// Tenant is the second segment, or "" when the address has none.
func (r Resource) Tenant() string {
	if len(r.Path) < 2 {
		return ""
	}
	return r.Path[1]
}

// ID is the third segment (a device id, a reply id), or "".
func (r Resource) ID() string {
	if len(r.Path) < 3 {
		return ""
	}
	return r.Path[2]
}

// String joins all segments again.
func (r Resource) String() string { return strings.Join(r.Path, "/") }

// Base is "endpoint/tenant", or just the endpoint when there is no tenant.
func (r Resource) Base() string {
	if r.Tenant() == "" {
		return r.Endpoint()
	}
	return r.Endpoint() + "/" + r.Tenant()
}
