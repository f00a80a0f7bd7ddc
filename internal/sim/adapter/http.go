package adapter

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/honoctl/honoctl/internal/sim/hono"
)

// HTTP is the HTTP adapter (Hono's hono-adapter-http-vertx): devices POST
// to /telemetry and /event with basic auth <auth-id>@<tenant>, or PUT (or
// POST) to /telemetry/<tenant>/<device> as a gateway or, when
// authentication is not required, anonymously.
type HTTP struct {
	Registry   Registry
	Downstream Downstream
	// MaxPayloadSize bounds a body in bytes (hono.http.maxPayloadSize).
	MaxPayloadSize int
	// AuthenticationRequired refuses anonymous devices
	// (hono.http.authenticationRequired, default true).
	AuthenticationRequired bool
	Log                    *slog.Logger
	// Now is the clock for credential validity; nil means time.Now.
	Now func() time.Time
}

// retryAfter is what Hono's HTTP adapter tells a device when no consumer
// gives credit: try again in 2 seconds.
const retryAfter = "2"

func (a *HTTP) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// ServeHTTP answers one device request.
func (a *HTTP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	endpoint, tenant, device, ok := parsePath(r.URL.Path)
	if !ok {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost && !(r.Method == http.MethodPut && tenant != "") {
		w.Header().Set("Allow", allowed(tenant))
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	code, msg := a.upload(r, endpoint, tenant, device)
	switch code {
	case http.StatusAccepted:
		w.WriteHeader(code)
		return
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Basic realm="Hono"`)
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", retryAfter)
	}
	http.Error(w, msg, code)
}

func allowed(tenant string) string {
	if tenant != "" {
		return "POST, PUT"
	}
	return "POST"
}

// parsePath reads /telemetry, /event, /telemetry/<tenant>/<device> and
// /event/<tenant>/<device>.
func parsePath(path string) (endpoint, tenant, device string, ok bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if parts[0] != "telemetry" && parts[0] != "event" {
		return "", "", "", false
	}
	switch len(parts) {
	case 1:
		return parts[0], "", "", true
	case 3:
		if parts[1] != "" && parts[2] != "" {
			return parts[0], parts[1], parts[2], true
		}
	}
	return "", "", "", false
}

// upload authenticates, checks and forwards one message; it returns the
// status code and, for errors, the body.
func (a *HTTP) upload(r *http.Request, endpoint, tenant, device string) (int, string) {
	ctx := r.Context()
	log := a.Log.With("remote", r.RemoteAddr, "path", r.URL.Path)

	// Who is it: the authenticated device, a gateway for another device,
	// or (only without authenticationRequired) anonymous.
	user, pass, hasAuth := r.BasicAuth()
	gateway := ""
	switch {
	case hasAuth:
		dev, err := authenticate(ctx, a.Registry, user, pass, a.now())
		if err != nil {
			return a.fail(log, err)
		}
		if tenant == "" {
			tenant, device = dev.Tenant, dev.DeviceID
		} else if tenant != dev.Tenant {
			log.Info("device refused", "status", 403, "reason", "tenant in path is not the device's")
			return http.StatusForbidden, "not authorized to publish for another tenant"
		} else if device != dev.DeviceID {
			gateway = dev.DeviceID
		}
	case tenant == "" || a.AuthenticationRequired:
		log.Info("device refused", "status", 401, "reason", "no credentials")
		return http.StatusUnauthorized, "unauthorized"
	}

	// What is it: Hono requires a content type and a body.
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return http.StatusBadRequest, "content type is missing"
	}
	max := a.MaxPayloadSize
	if max <= 0 {
		max = 2048
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(max)+1))
	if err != nil {
		return http.StatusBadRequest, "cannot read body"
	}
	if len(body) > max {
		return http.StatusRequestEntityTooLarge, "payload too large"
	}
	if len(body) == 0 {
		return http.StatusBadRequest, "missing body"
	}

	m := &Message{Endpoint: endpoint, Tenant: tenant, DeviceID: device, ContentType: ct,
		Payload: body, OrigAdapter: hono.AdapterHTTP, OrigAddress: r.URL.Path, Created: a.now()}
	if err := prepare(ctx, a.Registry, m, gateway); err != nil {
		return a.fail(log, err)
	}
	// Events wait for the downstream outcome; telemetry goes at most once.
	if err := a.Downstream.Send(ctx, m, endpoint == "event"); err != nil {
		return a.fail(log, err)
	}
	return http.StatusAccepted, ""
}

// fail maps an error to the status Hono's HTTP adapter answers with.
func (a *HTTP) fail(log *slog.Logger, err error) (int, string) {
	code, msg := status(err)
	level := slog.LevelInfo
	if code >= 500 {
		level = slog.LevelWarn
	}
	log.Log(context.Background(), level, "device request failed", "status", code, "error", err)
	return code, msg
}

func status(err error) (int, string) {
	var se *StatusError
	var rej *RejectedError
	switch {
	case errors.Is(err, ErrBadCredentials):
		return http.StatusUnauthorized, "unauthorized"
	case errors.Is(err, ErrAdapterDisabled):
		return http.StatusForbidden, "adapter disabled for tenant"
	case errors.As(err, &se) && (se.Status == 404 || se.Status == 403):
		return se.Status, http.StatusText(se.Status)
	case errors.As(err, &rej):
		return http.StatusBadRequest, "message rejected downstream"
	}
	// No credit, no connection, a registry timeout: Hono's 503.
	return http.StatusServiceUnavailable, "temporarily unavailable"
}
