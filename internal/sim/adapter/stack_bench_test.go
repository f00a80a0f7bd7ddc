package adapter

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	goamqp "github.com/Azure/go-amqp"
	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/honoctl/honoctl/orchestrator/topology"
)

// drain accepts what the application receives until want messages came or
// nothing came for idle, and returns how many came and when the last did.
func drain(rcv *goamqp.Receiver, want int, idle time.Duration) (int, time.Time) {
	got, last := 0, time.Now()
	for got < want {
		ctx, cancel := context.WithTimeout(context.Background(), idle)
		m, err := rcv.Receive(ctx, nil)
		cancel()
		if err != nil {
			break
		}
		rcv.AcceptMessage(context.Background(), m)
		got, last = got+1, time.Now()
	}
	return got, last
}

// BenchmarkStackMQTTTelemetryQoS0 is telemetry end to end with TLS on every
// hop, as the default stack runs it: paho publishes QoS 0 to the MQTT
// adapter, which forwards through Hono Messaging and the router to an
// application. It reports the messages per second the application
// received, and the share of messages lost on the way (QoS 0 has no flow
// control back to the device: what finds no credit is dropped, as Hono's
// adapter drops it).
func BenchmarkStackMQTTTelemetryQoS0(b *testing.B) {
	s := startStack(b)
	run := s.adapter(b, topology.RoleMQTTAdapter, "hono-adapter-mqtt-vertx")
	rcv := s.consumerWithCredit(b, "telemetry/DEFAULT_TENANT", 1000)

	opts := mqtt.NewClientOptions().AddBroker("ssl://localhost:" + run.port(b, "hono.mqtt (TLS)")).
		SetClientID("bench").SetUsername("sensor1@DEFAULT_TENANT").SetPassword("hono-secret").
		SetTLSConfig(s.st.ClientTLS(b, "localhost", "")).SetAutoReconnect(false)
	c := mqtt.NewClient(opts)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		b.Fatalf("connect to the MQTT adapter: %v", tok.Error())
	}
	b.Cleanup(func() { c.Disconnect(100) })
	payload := bytes.Repeat([]byte("x"), 100)

	// Warm up until a message gets through: the adapter opens its
	// downstream links on CONNECT, credit comes once the router has a
	// consumer.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.Publish("telemetry", 0, false, payload).Wait()
		if n, _ := drain(rcv, 1, 200*time.Millisecond); n == 1 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("no telemetry reached the application; adapter log:\n%s", run.log.String())
		}
	}
	drain(rcv, 1<<30, 200*time.Millisecond)

	b.ResetTimer()
	start := time.Now()
	go func() {
		for range b.N {
			c.Publish("telemetry", 0, false, payload)
		}
	}()
	got, last := drain(rcv, b.N, 2*time.Second)
	b.StopTimer()
	b.ReportMetric(float64(got)/last.Sub(start).Seconds(), "msgs/s")
	b.ReportMetric(float64(b.N-got)/float64(b.N), "lost/op")
}

// BenchmarkStackHTTPTelemetry is one device POST end to end, TLS on every
// hop: HTTP adapter, Hono Messaging, router, application. The reference is
// BenchmarkHTTPBaseline, the same POST to a bare handler.
func BenchmarkStackHTTPTelemetry(b *testing.B) {
	s := startStack(b)
	run := s.adapter(b, topology.RoleHTTPAdapter, "hono-adapter-http-vertx")
	rcv := s.consumerWithCredit(b, "telemetry/DEFAULT_TENANT", 1000)
	url := "https://localhost:" + run.port(b, "hono.http (TLS)") + "/telemetry"
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: s.st.ClientTLS(b, "localhost", "")}}
	b.Cleanup(client.CloseIdleConnections)

	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			m, err := rcv.Receive(ctx, nil)
			cancel()
			if err != nil {
				return
			}
			rcv.AcceptMessage(context.Background(), m)
		}
	}()
	post := func() int {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(`{"temp": 5}`)))
		req.SetBasicAuth("sensor1@DEFAULT_TENANT", "hono-secret")
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	// The first requests may meet a 503 while credit arrives.
	for deadline := time.Now().Add(10 * time.Second); post() != http.StatusAccepted; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("the HTTP adapter never accepted telemetry; log:\n%s", run.log.String())
		}
	}

	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if code := post(); code != http.StatusAccepted {
			b.Fatalf("status %d", code)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
