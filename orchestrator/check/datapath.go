package check

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/orchestrator/render"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// Data path check identifiers: telemetry from a device reaches the
// application, payload and device id intact.
const (
	IDDataHTTP = "data.http"
	IDDataMQTT = "data.mqtt"
	IDDataKura = "data.kura"
)

// DataTarget is the end-to-end path as users drive it from the host: an
// application on the router's published TLS port, a device posting to the
// HTTP adapter and publishing to the MQTT adapter, and a Kura gateway
// publishing to the Kura adapter.
type DataTarget struct {
	// App is the application's link (channel 1) and where it is dialled.
	App     topology.Link
	AppAddr string
	// HTTP, MQTT and Kura are the devices' links (channel 7); Addr empty
	// when the adapter is not in the stack or not published.
	HTTP, MQTT, Kura             topology.Link
	HTTPAddr, MQTTAddr, KuraAddr string
	// TLS is what applications and devices trust, for host name localhost;
	// a link without TLS (--tls-off) does without.
	TLS *tls.Config
	// The device and its credentials; NOTE: the password is never reported.
	Tenant, Device, AuthID, Password string
	// AppUser and AppPassword are the application's login.
	AppUser, AppPassword string
}

// DataTargets returns the data path from the host, or nil when the router
// or no device adapter is published.
func DataTargets(s *Stack) *DataTarget {
	d := &DataTarget{TLS: &tls.Config{RootCAs: pool(s.PKI.Trust), ServerName: "localhost", MinVersion: tls.VersionTLS12},
		Tenant: render.DefaultTenant, Device: render.DemoDevice, AuthID: render.DemoAuthID,
		Password: render.DemoPassword, AppUser: AppUser, AppPassword: AppPassword}
	for _, l := range s.Top.Links {
		if l.Port.Host == 0 {
			continue
		}
		addr := address(l, Host)
		switch {
		case l.Client == topology.ClientApplication:
			d.App, d.AppAddr = l, addr
		case l.Client == topology.ClientDevice && l.Protocol == "http":
			d.HTTP, d.HTTPAddr = l, addr
		case l.Client == topology.ClientDevice && s.Top.MustService(l.Server).Role == topology.RoleMQTTAdapter:
			d.MQTT, d.MQTTAddr = l, addr
		case l.Client == topology.ClientDevice && s.Top.MustService(l.Server).Role == topology.RoleKuraAdapter:
			d.Kura, d.KuraAddr = l, addr
		}
	}
	if d.AppAddr == "" || (d.HTTPAddr == "" && d.MQTTAddr == "" && d.KuraAddr == "") {
		return nil
	}
	return d
}

// TLSFor is the TLS configuration of link l, nil when it runs without TLS
// (--tls-off).
func (d *DataTarget) TLSFor(l topology.Link) *tls.Config {
	if !l.TLS {
		return nil
	}
	return d.TLS
}

// DataProber sends telemetry as a device and waits for it as the
// application. Its zero value is ready to use.
type DataProber struct {
	// Timeout bounds the whole path. Default: 4 s.
	Timeout time.Duration
}

// Job is the data path probe as a job.
func (p *DataProber) Job(d *DataTarget) Job {
	return func(ctx context.Context) []Finding { return p.Probe(ctx, d) }
}

// Probe runs the data path checks: one finding per device protocol.
func (p *DataProber) Probe(ctx context.Context, d *DataTarget) []Finding {
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 4 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var paths []dataPath
	if d.HTTPAddr != "" {
		paths = append(paths, dataPath{id: IDDataHTTP, link: d.HTTP, send: d.postHTTP})
	}
	if d.MQTTAddr != "" {
		paths = append(paths, dataPath{id: IDDataMQTT, link: d.MQTT, send: d.publishMQTT})
	}
	if d.KuraAddr != "" {
		paths = append(paths, dataPath{id: IDDataKura, link: d.Kura, send: d.publishKura})
	}

	// The application first: without its credit the adapters answer 503.
	app, err := d.receiver(ctx)
	if err != nil {
		var out []Finding
		for _, pa := range paths {
			out = append(out, pa.finding(Fail, "the application could not receive: "+err.Error(),
				fmt.Sprintf("first hop that failed: application -> router (%s); see the amqp.* findings of channel 1",
					d.AppAddr)))
		}
		return out
	}
	defer app.close()

	out := make([]Finding, len(paths))
	var wg sync.WaitGroup
	for i, pa := range paths {
		wg.Go(func() { out[i] = d.run(ctx, app, pa) })
	}
	wg.Wait()
	return out
}

type dataPath struct {
	id   string
	link topology.Link
	send func(ctx context.Context, payload []byte) (hop string, err error)
}

func (pa dataPath) finding(st Status, msg, hint string, ev ...Evidence) Finding {
	return Finding{Channel: topology.ChannelDeviceAdapter, Link: pa.link.String(), Check: pa.id,
		Status: st, Message: msg, Hint: hint, Evidence: ev}
}

// run sends one message with a fresh nonce and waits for it.
func (d *DataTarget) run(ctx context.Context, app *application, pa dataPath) Finding {
	nonce := rand.Text()
	payload := []byte(fmt.Sprintf(`{"honoctl-check":%q}`, nonce))
	got := app.expect(nonce)
	started := time.Now()
	if hint, err := pa.send(ctx, payload); err != nil {
		return pa.finding(Fail, err.Error(), hint)
	}
	select {
	case m := <-got:
		dev, _ := m.ApplicationProperties["device_id"].(string)
		ev := []Evidence{{"device_id", dev}, {"latency", time.Since(started).Round(time.Millisecond).String()}}
		if orig, ok := m.ApplicationProperties["orig_adapter"].(string); ok {
			ev = append(ev, Evidence{"orig_adapter", orig})
		}
		switch {
		case len(m.Data) != 1 || !bytes.Equal(m.Data[0], payload):
			return pa.finding(Fail, "the application got the message with another payload", "the payload is changed "+
				"between adapter and application: see the adapter's and Hono Messaging's logs", ev...)
		case dev != d.Device:
			return pa.finding(Fail, fmt.Sprintf("device_id %q, want %q", dev, d.Device),
				"the adapter sets device_id from the authenticated device: see its log", ev...)
		}
		return pa.finding(Pass, "telemetry from device "+d.Device+" reached the application", "", ev...)
	case <-ctx.Done():
		return pa.finding(Fail, "the adapter accepted the message but the application never got it",
			"a hop between adapter and application dropped it: adapter -> Hono Messaging (channel 6), "+
				"Hono Messaging -> router (channel 2); see those channels' findings and service.ready")
	}
}

// postHTTP is a device's POST /telemetry over HTTPS. Hono answers 503
// until downstream credit has arrived, so it retries on 503 (Retry-After).
func (d *DataTarget) postHTTP(ctx context.Context, payload []byte) (string, error) {
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: d.TLS}}
	defer client.CloseIdleConnections()
	scheme := "https://"
	if !d.HTTP.TLS {
		scheme = "http://"
	}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, scheme+d.HTTPAddr+"/telemetry", bytes.NewReader(payload))
		if err != nil {
			return "", err
		}
		req.SetBasicAuth(d.AuthID+"@"+d.Tenant, d.Password)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Sprintf("first hop that failed: device -> HTTP adapter (%s); see the tls.* findings of %s",
				d.HTTPAddr, d.HTTP), fmt.Errorf("POST /telemetry: %w", err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusAccepted, http.StatusOK:
			return "", nil
		case http.StatusServiceUnavailable:
			select {
			case <-ctx.Done():
				return "first hop that failed: HTTP adapter -> downstream: the adapter has no credit or no " +
						"connection to Hono Messaging (channel 6) or the router; see channels 6 and 2 and service.ready",
					fmt.Errorf("POST /telemetry: %s %q until the deadline", resp.Status, strings.TrimSpace(string(body)))
			case <-time.After(100 * time.Millisecond):
				continue
			}
		case http.StatusUnauthorized:
			return fmt.Sprintf("first hop that failed: device login at the HTTP adapter: %s@%s's password must "+
					"match registry-data/credentials.json, and the adapter must reach the Device Registry (channel 5)",
					d.AuthID, d.Tenant),
				fmt.Errorf("POST /telemetry: %s", resp.Status)
		default:
			return "see the HTTP adapter's log (honoctl logs " + d.HTTP.Server + ")",
				fmt.Errorf("POST /telemetry: %s %q", resp.Status, strings.TrimSpace(string(body)))
		}
	}
}

// publishMQTT is a device's QoS 1 publish to "telemetry" over TLS; the
// adapter acknowledges only what it forwarded.
func (d *DataTarget) publishMQTT(ctx context.Context, payload []byte) (string, error) {
	c, hint, err := d.connectMQTT(ctx, d.MQTT, d.MQTTAddr, "MQTT adapter")
	if err != nil {
		return hint, err
	}
	defer c.Disconnect(100)
	// Hono drops a QoS 1 message it cannot forward without a PUBACK, so
	// publish again until one comes back or the time is up.
	for {
		attempt, cancel := context.WithTimeout(ctx, 700*time.Millisecond)
		err := waitToken(attempt, c.Publish("telemetry", 1, false, payload))
		cancel()
		if err == nil {
			return "", nil
		}
		if ctx.Err() != nil || !c.IsConnectionOpen() {
			return "first hop that failed: MQTT adapter -> downstream: no PUBACK, the adapter has no credit " +
					"or no connection to Hono Messaging (channel 6) or the router; see channels 6 and 2 and service.ready",
				fmt.Errorf("MQTT publish to telemetry: %w", err)
		}
	}
}

// publishKura is a Kura gateway's data message: QoS 0 to
// <account>/<client-id>/..., which Hono's Kura adapter maps to telemetry of
// tenant <account> and device <client-id>. QoS 0 has no acknowledgement
// and a message the adapter has no credit for is dropped, so it publishes
// again, every 300 ms, until the probe ends; the application takes the
// first copy.
func (d *DataTarget) publishKura(ctx context.Context, payload []byte) (string, error) {
	c, hint, err := d.connectMQTT(ctx, d.Kura, d.KuraAddr, "Kura adapter")
	if err != nil {
		return hint, err
	}
	topic := d.Tenant + "/" + d.Device + "/honoctl-check"
	if err := waitToken(ctx, c.Publish(topic, 0, false, payload)); err != nil {
		c.Disconnect(100)
		return fmt.Sprintf("the Kura adapter (%s) took the connection but not the publish; see its log "+
			"(honoctl logs %s)", d.KuraAddr, d.Kura.Server), fmt.Errorf("MQTT publish to %s: %w", topic, err)
	}
	go func() {
		defer c.Disconnect(100)
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(300 * time.Millisecond):
				c.Publish(topic, 0, false, payload)
			}
		}
	}()
	return "", nil
}

// connectMQTT logs a device in at the MQTT or Kura adapter of link l,
// which it dials at addr; on failure the hint names the hop.
func (d *DataTarget) connectMQTT(ctx context.Context, l topology.Link, addr, adapter string) (mqtt.Client, string, error) {
	scheme := "ssl://"
	if !l.TLS {
		scheme = "tcp://"
	}
	o := mqtt.NewClientOptions().AddBroker(scheme + addr).SetTLSConfig(d.TLSFor(l)).
		SetClientID("honoctl-check-" + rand.Text()[:8]).SetUsername(d.AuthID + "@" + d.Tenant).SetPassword(d.Password).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(2 * time.Second)
	c := mqtt.NewClient(o)
	err := waitToken(ctx, c.Connect())
	if err == nil {
		return c, "", nil
	}
	hint := fmt.Sprintf("first hop that failed: device -> %s (%s); see the tls.* findings of %s", adapter, addr, l)
	switch {
	case errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword) || errors.Is(err, packets.ErrorRefusedNotAuthorised):
		hint = fmt.Sprintf("first hop that failed: device login at the %s: %s@%s's password must "+
			"match registry-data/credentials.json, and the adapter must reach the Device Registry (channel 5)",
			adapter, d.AuthID, d.Tenant)
	case errors.Is(err, packets.ErrorRefusedServerUnavailable):
		// Hono's MQTT and Kura adapters refuse devices while they lack
		// their downstream or registry connection.
		hint = "first hop that failed: " + adapter + " -> downstream: the adapter refuses devices (server " +
			"unavailable) while it has no connection to Hono Messaging (channel 6) or the router, or to the " +
			"Device Registry (channel 5); see those channels and service.ready"
	}
	return nil, hint, fmt.Errorf("MQTT connect: %w", err)
}

func waitToken(ctx context.Context, t mqtt.Token) error {
	select {
	case <-t.Done():
		return t.Error()
	case <-ctx.Done():
		return fmt.Errorf("no answer: %w", ctx.Err())
	}
}

// application is the receiving side: one receiver on telemetry/<tenant>
// whose messages are handed to whoever waits for their nonce.
type application struct {
	conn *amqp.Conn
	mu   sync.Mutex
	want map[string]chan *amqp.Message
}

func (d *DataTarget) receiver(ctx context.Context) (*application, error) {
	conn, err := amqp.Dial(ctx, d.AppAddr, &amqp.ConnOptions{TLSConfig: d.TLSFor(d.App),
		SASL: amqp.SASLPlain(d.AppUser, d.AppPassword), ContainerID: "honoctl-check-application"})
	if err != nil {
		return nil, err
	}
	sess, err := conn.NewSession(ctx, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	rcv, err := sess.NewReceiver(ctx, "telemetry/"+d.Tenant, &amqp.ReceiverOptions{Credit: 20})
	if err != nil {
		conn.Close()
		return nil, err
	}
	a := &application{conn: conn, want: map[string]chan *amqp.Message{}}
	go func() {
		for {
			dl, err := rcv.Receive(context.Background())
			if err != nil {
				return // the connection closed
			}
			_ = dl.Accept()
			a.deliver(dl.Message)
		}
	}()
	return a, nil
}

func (a *application) expect(nonce string) <-chan *amqp.Message {
	a.mu.Lock()
	defer a.mu.Unlock()
	ch := make(chan *amqp.Message, 1)
	a.want[nonce] = ch
	return ch
}

func (a *application) deliver(m *amqp.Message) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for nonce, ch := range a.want {
		if len(m.Data) == 1 && bytes.Contains(m.Data[0], []byte(nonce)) {
			ch <- m
			delete(a.want, nonce)
			return
		}
	}
}

func (a *application) close() { a.conn.Close() }
