package e2e

import (
	"encoding/json"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/internal/sim/hono/simtest"
)

// startConsumer attaches a Qpid Proton receiver, as consumer@HONO, to
// telemetry/DEFAULT_TENANT on the router's published TLS port, verifying
// the router's certificate against ca.
func startConsumer(t *testing.T, ca string, routerPort int) *simtest.ProtonPeer {
	t.Helper()
	p := simtest.StartProton(t, "receive", "amqps://localhost:"+strconv.Itoa(routerPort),
		"telemetry/DEFAULT_TENANT", "1", ca, "consumer@HONO", "verysecret")
	if l := p.Next(t, 20*time.Second); l != "ready" {
		t.Fatalf("Proton consumer: %s", l)
	}
	return p
}

// postTelemetry has curl POST body to the HTTP adapter's /telemetry on
// httpPort as device login user:password, trusting ca, and returns the
// response once it is not 503. NOTE: 503 means the consumer's credit has
// not reached the adapter yet; that, and only that, is waited out, for at
// most 20 s.
func postTelemetry(t *testing.T, ca string, httpPort int, login, body string) string {
	t.Helper()
	url := "https://localhost:" + strconv.Itoa(httpPort) + "/telemetry"
	post := func() string {
		o, _ := exec.Command("curl", "-sS", "-i", "--max-time", "5", "--cacert", ca, "-u", login,
			"-H", "Content-Type: application/json", "--data-binary", body, url).CombinedOutput()
		return string(o)
	}
	resp := post()
	for deadline := time.Now().Add(20 * time.Second); strings.HasPrefix(resp, "HTTP/1.1 503") && time.Now().Before(deadline); {
		time.Sleep(300 * time.Millisecond)
		resp = post()
	}
	return resp
}

// received is one message as proton_peer.py prints it.
type received struct {
	Body       string         `json:"body"`
	Properties map[string]any `json:"properties"`
}

// nextReceived reads the consumer's next message.
func nextReceived(t *testing.T, p *simtest.ProtonPeer) received {
	t.Helper()
	var got received
	if err := json.Unmarshal([]byte(p.Next(t, 20*time.Second)), &got); err != nil {
		t.Fatal(err)
	}
	return got
}
