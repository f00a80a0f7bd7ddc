// Package adapter holds hono-sim's protocol adapters: HTTP, MQTT and Kura.
// Each authenticates devices against the Device Registry (credentials get,
// then the hashed-password check the adapter does itself, as Hono 0.7's
// adapters do), asserts their registration, and forwards telemetry and
// events downstream, to Hono Messaging with the registration assertion or
// straight to the Dispatch Router.
//
// The adapters depend on two interfaces, Registry and Downstream; the AMQP
// clients in this package implement them over internal/amqp.
package adapter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/honoctl/honoctl/internal/sim/hono"
)

// Registry is what an adapter asks the Device Registry.
type Registry interface {
	// Credentials is the credentials API's get of the hashed-password
	// credential of authID; a *StatusError with 404 when there is none.
	Credentials(ctx context.Context, tenant, authID string) (hono.Credential, error)
	// Assert is the registration API's assert; gateway is "" unless a
	// gateway publishes for the device.
	Assert(ctx context.Context, tenant, device, gateway string) (*hono.Assertion, error)
	// Tenant is the tenant API's get.
	Tenant(ctx context.Context, tenant string) (hono.Tenant, error)
}

// Downstream sends what devices publish on towards applications.
type Downstream interface {
	// Send forwards m. With wait it returns once the peer has settled the
	// message (events, QoS 1); otherwise once it is on its way. With no
	// credit from the peer it returns ErrNoCredit at once, as Hono does.
	Send(ctx context.Context, m *Message, wait bool) error
}

// Opener is a Downstream that can attach its link for an address before
// the first message: Hono's MQTT adapters open the tenant's telemetry and
// event links at CONNECT ("providently"), so that the first PUBLISH finds
// credit.
type Opener interface {
	Open(ctx context.Context, address string) error
}

// Message is one telemetry message or event, as an adapter produces it
// (Hono's AbstractProtocolAdapterBase.newMessage).
type Message struct {
	Endpoint    string // "telemetry" or "event"
	Tenant      string
	DeviceID    string
	ContentType string // default application/octet-stream
	Payload     []byte
	// OrigAdapter is the adapter type: hono-http, hono-mqtt, hono-kura-mqtt.
	OrigAdapter string
	// OrigAddress is the URI path or topic the device published to.
	OrigAddress string
	// Assertion is the registration assertion JWT; Downstream sends it as
	// reg_assertion to Hono Messaging, which checks it.
	Assertion string
	// Properties are application properties: the device's defaults.
	Properties map[string]any
	Created    time.Time
}

// Address is the message's "to": endpoint/tenant.
func (m *Message) Address() string { return m.Endpoint + "/" + m.Tenant }

// Errors of Downstream and Registry implementations.
var (
	// ErrNoCredit: the peer grants no credit, typically because no
	// application consumes; HTTP answers 503 with Retry-After.
	ErrNoCredit = errors.New("no credit available downstream")
	// ErrUnavailable: the peer is not connected.
	ErrUnavailable = errors.New("service not connected")
)

// StatusError is a registry response status other than 200, or a device's
// request the adapter refuses (Hono's ClientErrorException).
type StatusError struct {
	Op     string // "credentials get", "assert", "tenant get", "publish"
	Status int
	Reason string
}

func (e *StatusError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("%s: status %d: %s", e.Op, e.Status, e.Reason)
	}
	return fmt.Sprintf("%s: status %d", e.Op, e.Status)
}

// badRequest is a 400 for a device's malformed message.
func badRequest(format string, args ...any) error {
	return &StatusError{Op: "device message", Status: 400, Reason: fmt.Sprintf(format, args...)}
}

// RejectedError is a message the downstream peer rejected.
type RejectedError struct{ Cause error }

func (e *RejectedError) Error() string { return "rejected downstream: " + e.Cause.Error() }
func (e *RejectedError) Unwrap() error { return e.Cause }

// Device is an authenticated device.
type Device struct {
	Tenant   string
	DeviceID string
	AuthID   string
}

// ErrBadCredentials: the device's user name or password is wrong.
var ErrBadCredentials = errors.New("bad credentials")

// SplitUsername splits Hono's device user name <auth-id>@<tenant>.
func SplitUsername(username string) (authID, tenant string, err error) {
	i := strings.LastIndex(username, "@")
	if i <= 0 || i == len(username)-1 {
		return "", "", fmt.Errorf("%w: user name %q is not <auth-id>@<tenant>", ErrBadCredentials, username)
	}
	return username[:i], username[i+1:], nil
}

// authenticate checks username and password the way Hono 0.7's adapters
// do: the registry returns the hashed-password credential, the adapter
// compares the hash.
func authenticate(ctx context.Context, reg Registry, username, password string, now time.Time) (Device, error) {
	authID, tenant, err := SplitUsername(username)
	if err != nil {
		return Device{}, err
	}
	cred, err := reg.Credentials(ctx, tenant, authID)
	var se *StatusError
	if errors.As(err, &se) && se.Status == 404 {
		return Device{}, fmt.Errorf("%w: no credentials for %s in tenant %s", ErrBadCredentials, authID, tenant)
	}
	if err != nil {
		return Device{}, err
	}
	if err := cred.VerifyPassword(password, now); err != nil {
		return Device{}, fmt.Errorf("%w: %s@%s: %v", ErrBadCredentials, authID, tenant, err)
	}
	return Device{Tenant: tenant, DeviceID: cred.DeviceID, AuthID: authID}, nil
}

// ErrAdapterDisabled: the tenant is disabled or does not allow the adapter.
var ErrAdapterDisabled = errors.New("adapter disabled for tenant")

// prepare checks that the tenant allows the adapter, asserts the device's
// registration and puts the assertion and the device's defaults into m.
func prepare(ctx context.Context, reg Registry, m *Message, gateway string) error {
	t, err := reg.Tenant(ctx, m.Tenant)
	if err != nil {
		return err
	}
	if !t.AdapterEnabled(m.OrigAdapter) {
		return fmt.Errorf("%w: tenant %s, adapter %s", ErrAdapterDisabled, m.Tenant, m.OrigAdapter)
	}
	a, err := reg.Assert(ctx, m.Tenant, m.DeviceID, gateway)
	if err != nil {
		return err
	}
	m.Assertion = a.Assertion
	applyDefaults(m, a.Defaults)
	return nil
}

// applyDefaults adds a device's registered defaults (MessageHelper.addDefaults):
// content-type when the device gave none, other keys as application
// properties the message does not have yet.
func applyDefaults(m *Message, defaults map[string]any) {
	for k, v := range defaults {
		if k == "content-type" {
			if s, ok := v.(string); ok && m.ContentType == "" {
				m.ContentType = s
			}
			continue
		}
		if m.Properties == nil {
			m.Properties = map[string]any{}
		}
		if _, set := m.Properties[k]; !set {
			m.Properties[k] = v
		}
	}
	if m.ContentType == "" {
		m.ContentType = "application/octet-stream"
	}
}
