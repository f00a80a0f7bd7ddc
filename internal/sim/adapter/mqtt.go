package adapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/honoctl/honoctl/internal/mqtt"
	"github.com/honoctl/honoctl/internal/sim/hono"
)

// MQTT is the MQTT adapter (Hono's hono-adapter-mqtt-vertx) and, with
// Kura set, the Kura adapter (hono-adapter-kura): devices CONNECT with
// <auth-id>@<tenant> and a password and PUBLISH with QoS 0 or 1.
type MQTT struct {
	Registry   Registry
	Downstream Downstream
	// Kura switches to the Kura topic scheme; nil is Hono's MQTT topics.
	Kura *Kura
	// MaxPayloadSize bounds a message body (maxPayloadSize).
	MaxPayloadSize         int
	AuthenticationRequired bool
	Log                    *slog.Logger
	Now                    func() time.Time
}

// Kura is the Kura adapter's topic scheme (KuraAdapterProperties):
// "$EDC/<account>/<client-id>/..." control messages and
// "<account>/<client-id>/..." data messages, the account being the tenant
// and the client id the device.
type Kura struct {
	ControlPrefix      string // default $EDC
	ControlContentType string // default application/vnd.eclipse.kura-control
	DataContentType    string // default application/vnd.eclipse.kura-data
}

// DefaultKura is the Kura adapter's defaults.
func DefaultKura() *Kura {
	return &Kura{ControlPrefix: "$EDC", ControlContentType: "application/vnd.eclipse.kura-control",
		DataContentType: "application/vnd.eclipse.kura-data"}
}

var _ mqtt.Handler = (*MQTT)(nil)

func (a *MQTT) adapterType() string {
	if a.Kura != nil {
		return hono.AdapterKura
	}
	return hono.AdapterMQTT
}

func (a *MQTT) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// Connect authenticates the device from the CONNECT's user name and
// password, with the return codes Hono's MQTT adapters use.
func (a *MQTT) Connect(ctx context.Context, c *mqtt.Conn, p *mqtt.Connect) mqtt.ConnackCode {
	log := a.Log.With("remote", c.RemoteAddr().String(), "client_id", p.ClientID)
	if p.Username == nil || p.Password == nil {
		if a.AuthenticationRequired {
			log.Info("device refused", "connack", mqtt.RefusedNotAuthorized, "reason", "no credentials")
			return mqtt.RefusedNotAuthorized
		}
		return mqtt.Accepted
	}
	dev, err := authenticate(ctx, a.Registry, *p.Username, string(p.Password), a.now())
	switch {
	case errors.Is(err, ErrBadCredentials):
		log.Info("device refused", "connack", mqtt.RefusedBadUsernamePassword, "error", err)
		return mqtt.RefusedBadUsernamePassword
	case err != nil:
		log.Warn("device refused", "connack", mqtt.RefusedServerUnavailable, "error", err)
		return mqtt.RefusedServerUnavailable
	}
	c.Session = dev
	log.Info("device connected", "tenant", dev.Tenant, "device_id", dev.DeviceID)
	return mqtt.Accepted
}

// Publish forwards one message. A message the device may not send closes
// the connection; one that cannot be forwarded now is not acknowledged.
func (a *MQTT) Publish(ctx context.Context, c *mqtt.Conn, p *mqtt.Publish) error {
	log := a.Log.With("remote", c.RemoteAddr().String(), "topic", p.Topic, "qos", p.QoS)
	m, gateway, err := a.message(c, p)
	if err != nil {
		log.Info("message discarded, closing connection", "error", err)
		return fmt.Errorf("%w: %v", mqtt.ErrClose, err)
	}
	if err := prepare(ctx, a.Registry, m, gateway); err != nil {
		code, _ := status(err)
		if code < 500 {
			log.Info("message refused, closing connection", "error", err)
			return fmt.Errorf("%w: %v", mqtt.ErrClose, err)
		}
		log.Warn("message not forwarded", "error", err)
		return err
	}
	if err := a.Downstream.Send(ctx, m, p.QoS == 1); err != nil {
		log.Warn("message not forwarded", "error", err)
		return err
	}
	return nil
}

// message maps a PUBLISH to a message and, for a gateway publishing for
// another device, the gateway's id.
func (a *MQTT) message(c *mqtt.Conn, p *mqtt.Publish) (*Message, string, error) {
	max := a.MaxPayloadSize
	if max <= 0 {
		max = 2048
	}
	if len(p.Payload) > max {
		return nil, "", fmt.Errorf("payload of %d bytes exceeds maxPayloadSize %d", len(p.Payload), max)
	}
	var endpoint, tenant, device, ct string
	var err error
	if a.Kura != nil {
		endpoint, tenant, device, ct, err = a.Kura.mapTopic(p.Topic, p.QoS)
	} else {
		endpoint, tenant, device, err = mqttTopic(p.Topic, p.QoS)
	}
	if err != nil {
		return nil, "", err
	}

	gateway := ""
	dev, authenticated := c.Session.(Device)
	switch {
	case authenticated && tenant == "":
		tenant, device = dev.Tenant, dev.DeviceID
	case authenticated && tenant != dev.Tenant:
		return nil, "", fmt.Errorf("device of tenant %s may not publish to tenant %s", dev.Tenant, tenant)
	case authenticated && device != dev.DeviceID:
		gateway = dev.DeviceID
	case !authenticated && tenant == "":
		return nil, "", fmt.Errorf("topic %q needs <tenant>/<device> for an anonymous device", p.Topic)
	}
	m := &Message{Endpoint: endpoint, Tenant: tenant, DeviceID: device, ContentType: ct,
		Payload: p.Payload, OrigAdapter: a.adapterType(), OrigAddress: p.Topic, Created: a.now()}
	return m, gateway, nil
}

// mqttTopic reads Hono's MQTT topics: telemetry, event, and
// telemetry/<tenant>/<device>, event/<tenant>/<device>. Events need QoS 1.
func mqttTopic(topic string, qos byte) (endpoint, tenant, device string, err error) {
	parts := strings.Split(topic, "/")
	endpoint = parts[0]
	if endpoint != "telemetry" && endpoint != "event" {
		return "", "", "", fmt.Errorf("topic %q: endpoint must be telemetry or event", topic)
	}
	if endpoint == "event" && qos != 1 {
		return "", "", "", fmt.Errorf("topic %q: events need QoS 1", topic)
	}
	switch {
	case len(parts) == 1:
		return endpoint, "", "", nil
	case len(parts) == 3 && parts[1] != "" && parts[2] != "":
		return endpoint, parts[1], parts[2], nil
	}
	return "", "", "", fmt.Errorf("topic %q: want %s or %s/<tenant>/<device>", topic, endpoint, endpoint)
}

// mapTopic maps a Kura topic: QoS 0 is telemetry, QoS 1 an event; the
// control prefix only changes the content type.
func (k *Kura) mapTopic(topic string, qos byte) (endpoint, tenant, device, ct string, err error) {
	parts := strings.Split(topic, "/")
	ct = k.DataContentType
	if parts[0] == k.ControlPrefix {
		parts, ct = parts[1:], k.ControlContentType
	}
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return "", "", "", "", fmt.Errorf("topic %q does not comply with Kura format", topic)
	}
	endpoint = "telemetry"
	if qos > 0 {
		endpoint = "event"
	}
	return endpoint, parts[0], parts[1], ct, nil
}
