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

// TODO: no command and control: subscriptions to control/+/+/req/# are
// refused (SUBACK 0x80) where Hono 0.7 opens a command consumer, and
// devices cannot authenticate with a client certificate.

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
// password, with the return codes of Hono 0.7's MQTT adapters: no or
// malformed credentials 4, a tenant that does not allow the adapter or a
// wrong password 5 (Hono maps every client error to "not authorized"), a
// registry that does not answer 3.
func (a *MQTT) Connect(ctx context.Context, c *mqtt.Conn, p *mqtt.Connect) mqtt.ConnackCode {
	log := a.Log.With("remote", c.RemoteAddr().String(), "client_id", p.ClientID)
	if !a.AuthenticationRequired {
		return mqtt.Accepted
	}
	refuse := func(code mqtt.ConnackCode, err error) mqtt.ConnackCode {
		level := slog.LevelInfo
		if code == mqtt.RefusedServerUnavailable {
			level = slog.LevelWarn
		}
		log.Log(ctx, level, "device refused", "connack", code.String(), "error", err)
		return code
	}
	if p.Username == nil || p.Password == nil {
		return refuse(mqtt.RefusedBadUsernamePassword, errors.New("no credentials in CONNECT"))
	}
	_, tenant, err := SplitUsername(*p.Username)
	if err != nil {
		return refuse(mqtt.RefusedBadUsernamePassword, err)
	}
	t, err := a.Registry.Tenant(ctx, tenant)
	switch {
	case err != nil && clientError(err):
		return refuse(mqtt.RefusedNotAuthorized, err)
	case err != nil:
		return refuse(mqtt.RefusedServerUnavailable, err)
	case !t.AdapterEnabled(a.adapterType()):
		return refuse(mqtt.RefusedNotAuthorized, fmt.Errorf("%w: tenant %s, adapter %s",
			ErrAdapterDisabled, tenant, a.adapterType()))
	}
	dev, err := authenticate(ctx, a.Registry, *p.Username, string(p.Password), a.now())
	switch {
	case err != nil && clientError(err):
		return refuse(mqtt.RefusedNotAuthorized, err)
	case err != nil:
		return refuse(mqtt.RefusedServerUnavailable, err)
	}
	// As Hono, open the tenant's downstream links before accepting; a
	// downstream that is not there refuses the device with 3.
	if o, ok := a.Downstream.(Opener); ok {
		octx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		for _, ep := range []string{"telemetry", "event"} {
			if err := o.Open(octx, ep+"/"+dev.Tenant); err != nil {
				return refuse(mqtt.RefusedServerUnavailable, err)
			}
		}
	}
	c.Session = dev
	log.Info("device connected", "tenant", dev.Tenant, "device_id", dev.DeviceID)
	return mqtt.Accepted
}

// clientError reports whether err is the device's fault (Hono's
// ClientErrorException) rather than a service's.
func clientError(err error) bool {
	code, _ := status(err)
	return code < 500
}

// Publish forwards one message. As in Hono 0.7, a message that cannot be
// forwarded, for whatever reason, is discarded: a QoS 1 message gets no
// PUBACK, and the connection stays.
func (a *MQTT) Publish(ctx context.Context, c *mqtt.Conn, p *mqtt.Publish) error {
	log := a.Log.With("remote", c.RemoteAddr().String(), "topic", p.Topic, "qos", p.QoS)
	m, gateway, err := a.message(c, p)
	if err == nil {
		err = prepare(ctx, a.Registry, m, gateway)
	}
	if err == nil {
		err = a.Downstream.Send(ctx, m, p.QoS == 1)
	}
	if err != nil {
		level := slog.LevelInfo
		if !clientError(err) {
			level = slog.LevelWarn
		}
		log.Log(ctx, level, "message discarded", "error", err)
	}
	return err
}

// message maps a PUBLISH to a message and, for a gateway publishing for
// another device, the gateway's id.
func (a *MQTT) message(c *mqtt.Conn, p *mqtt.Publish) (*Message, string, error) {
	max := a.MaxPayloadSize
	if max <= 0 {
		max = 2048
	}
	if len(p.Payload) > max {
		return nil, "", badRequest("payload of %d bytes exceeds maxPayloadSize %d", len(p.Payload), max)
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
		return nil, "", badRequest("device of tenant %s may not publish to tenant %s", dev.Tenant, tenant)
	case authenticated && device != dev.DeviceID:
		gateway = dev.DeviceID
	case !authenticated && tenant == "":
		return nil, "", badRequest("topic %q needs <tenant>/<device> for an anonymous device", p.Topic)
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
		return "", "", "", badRequest("topic %q: endpoint must be telemetry or event", topic)
	}
	if endpoint == "event" && qos != 1 {
		return "", "", "", &StatusError{Op: "publish " + topic, Status: 400, Reason: "only QoS 1 for events"}
	}
	if qos == 2 {
		return "", "", "", &StatusError{Op: "publish " + topic, Status: 400, Reason: "QoS 2 not supported"}
	}
	switch {
	case len(parts) == 1:
		return endpoint, "", "", nil
	case len(parts) == 3 && parts[1] != "" && parts[2] != "":
		return endpoint, parts[1], parts[2], nil
	}
	return "", "", "", badRequest("topic %q: want %s or %s/<tenant>/<device>", topic, endpoint, endpoint)
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
		return "", "", "", "", badRequest("topic %q does not comply with Kura format", topic)
	}
	endpoint = "telemetry"
	if qos > 0 {
		endpoint = "event"
	}
	return endpoint, parts[0], parts[1], ct, nil
}
