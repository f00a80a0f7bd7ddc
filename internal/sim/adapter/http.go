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
// to /telemetry and /event with basic auth <auth-id>@<tenant>, or PUT to
// /telemetry/<tenant>/<device> (and /event/...) as a gateway or, when
// authentication is not required, anonymously. These are the routes of
// Hono 0.7's VertxBasedHttpProtocolAdapter; anything else is 404, as
// Vert.x's router answers.
type HTTP struct {
	Registry   Registry
	Downstream Downstream
	// MaxPayloadSize bounds a body in bytes (hono.http.maxPayloadSize).
	MaxPayloadSize int
	// AuthenticationRequired refuses anonymous devices
	// (hono.http.authenticationRequired, default true).
	AuthenticationRequired bool
	// Realm is the basic auth realm (hono.http.realm); default "Hono".
	Realm string
	Log   *slog.Logger
	// Now is the clock for credential validity; nil means time.Now.
	Now func() time.Time
}

// TODO: devices authenticate with basic auth only. Hono 0.7 also accepts
// client certificates (X509AuthHandler, x509-cert credentials by subject
// DN), and serves hono-ttd and command responses (/control/res); none of
// that is here, so a device relying on it gets 401 or 404.

// retryAfter is what Hono's HTTP adapter tells a device when no consumer
// gives credit: try again in 2 seconds.
const retryAfter = "2"

// emptyNotification is the one content type an empty body may have
// (EventConstants.CONTENT_TYPE_EMPTY_NOTIFICATION).
const emptyNotification = "application/vnd.eclipse-hono-empty-notification"

func (a *HTTP) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// ServeHTTP answers one device request.
func (a *HTTP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	endpoint, tenant, device, ok := parsePath(r.URL.Path)
	// POST /telemetry exists only with authentication: the device's
	// identity names tenant and device.
	routed := (r.Method == http.MethodPost && tenant == "" && a.AuthenticationRequired) ||
		(r.Method == http.MethodPut && tenant != "")
	if !ok || !routed {
		http.Error(w, "Resource not found", http.StatusNotFound)
		return
	}
	code, msg := a.upload(r, endpoint, tenant, device)
	switch code {
	case http.StatusAccepted:
		w.WriteHeader(code)
		return
	case http.StatusUnauthorized:
		realm := a.Realm
		if realm == "" {
			realm = "Hono"
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="`+realm+`"`)
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", retryAfter)
	}
	http.Error(w, msg, code)
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

	// Who is it: the authenticated device, or a gateway for another one.
	user, pass, hasAuth := r.BasicAuth()
	gateway := ""
	switch {
	case a.AuthenticationRequired && hasAuth:
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
	case a.AuthenticationRequired:
		log.Info("device refused", "status", 401, "reason", "no credentials")
		return http.StatusUnauthorized, "unauthorized"
	}
	// Without authenticationRequired Hono installs no auth handler: every
	// device is anonymous and names itself in the path.

	// What is it: a body, unless the content type says empty notification
	// (isPayloadOfIndicatedType); no content type means the device's
	// default or application/octet-stream.
	ct := r.Header.Get("Content-Type")
	max := a.MaxPayloadSize
	if max <= 0 {
		max = 2048
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(max)+1))
	if err != nil {
		return http.StatusBadRequest, "cannot read body"
	}
	if len(body) > max {
		return http.StatusRequestEntityTooLarge, "Request Entity Too Large"
	}
	if (len(body) == 0) != (ct == emptyNotification) {
		return http.StatusBadRequest, "content type [" + ct + "] does not match payload"
	}
	// QoS-Level: 1 makes telemetry wait for the downstream outcome; events
	// always do.
	wait := endpoint == "event"
	switch q := r.Header.Get("QoS-Level"); q {
	case "":
	case "1":
		wait = true
	default:
		return http.StatusBadRequest, "unsupported QoS-Level header value"
	}

	m := &Message{Endpoint: endpoint, Tenant: tenant, DeviceID: device, ContentType: ct,
		Payload: body, OrigAdapter: hono.AdapterHTTP, OrigAddress: r.URL.Path, Created: a.now()}
	if err := prepare(ctx, a.Registry, m, gateway); err != nil {
		return a.fail(log, err)
	}
	if err := a.Downstream.Send(ctx, m, wait); err != nil {
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
	case errors.As(err, &se) && se.Status >= 400 && se.Status < 500:
		return se.Status, http.StatusText(se.Status)
	case errors.As(err, &rej):
		return http.StatusBadRequest, "message rejected downstream"
	}
	// No credit, no connection, a registry timeout: Hono's 503.
	return http.StatusServiceUnavailable, "temporarily unavailable"
}
