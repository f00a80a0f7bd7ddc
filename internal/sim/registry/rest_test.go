package registry

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/honoctl/honoctl/certs"
	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/hono"
	"github.com/honoctl/honoctl/internal/sim/hono/simtest"
)

// curlResult is what the real curl saw.
type curlResult struct {
	status int
	header http.Header
	body   string
}

// curl sends a request with the curl binary, verifying the registry's
// certificate against the stack's trust anchors. A body is sent as JSON
// unless contentType says otherwise ("-" sends none).
func curl(t *testing.T, st *simtest.Stack, method, url, contentType, body string) curlResult {
	t.Helper()
	dir := t.TempDir()
	hdrs, out := filepath.Join(dir, "headers"), filepath.Join(dir, "body")
	args := []string{"-sS", "--cacert", st.File(certs.TrustedCerts), "-X", method,
		"-D", hdrs, "-o", out, "-w", "%{http_code}", "--max-time", "10"}
	if contentType != "-" {
		args = append(args, "-H", "Content-Type: "+contentType)
	}
	if body != "" {
		args = append(args, "--data-binary", body)
	}
	cmd := exec.CommandContext(ctxT(t), "curl", append(args, url)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	code, err := cmd.Output()
	if err != nil {
		t.Fatalf("curl %s %s: %v: %s", method, url, err, stderr.String())
	}
	r := curlResult{header: http.Header{}}
	if r.status, err = strconv.Atoi(string(code)); err != nil {
		t.Fatalf("curl %s %s: status %q", method, url, code)
	}
	raw, _ := os.ReadFile(hdrs)
	for _, line := range strings.Split(string(raw), "\r\n")[1:] {
		if k, v, ok := strings.Cut(line, ":"); ok {
			r.header.Add(k, strings.TrimSpace(v))
		}
	}
	b, _ := os.ReadFile(out)
	r.body = string(b)
	return r
}

func (r curlResult) want(t *testing.T, what string, status int) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: status %d, want %d (body %q)", what, r.status, status, r.body)
	}
}

func (r curlResult) json(t *testing.T) map[string]any {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("content-type %q, want JSON", ct)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

func TestRESTRegistration(t *testing.T) {
	st := simtest.NewStack(t)
	r := startRegistry(t, st)
	base := r.rest + "/registration/DEFAULT_TENANT"

	res := curl(t, st, "POST", base, "application/json", `{"device-id":"4720","via":"gw-1"}`)
	res.want(t, "register 4720", 201)
	if loc := res.header.Get("Location"); loc != "/registration/DEFAULT_TENANT/4720" {
		t.Errorf("Location %q", loc)
	}
	curl(t, st, "POST", base, "application/json", `{"device-id":"4720"}`).want(t, "register 4720 again", 409)
	curl(t, st, "POST", base, "-", `{"device-id":"4721"}`).want(t, "no content-type", 400)
	curl(t, st, "POST", base, "text/plain", `{"device-id":"4721"}`).want(t, "text/plain", 400)
	curl(t, st, "POST", base, "application/json", "").want(t, "no body", 400)
	curl(t, st, "POST", base, "application/json", `{"via":"gw-1"}`).want(t, "no device-id", 400)
	curl(t, st, "POST", base, "application/json", `{"device-id":4721}`).want(t, "numeric device-id", 400)
	curl(t, st, "POST", base, "application/json", `[1]`).want(t, "not an object", 400)

	got := curl(t, st, "GET", base+"/4720", "-", "")
	got.want(t, "get 4720", 200)
	if m := got.json(t); m["device-id"] != "4720" ||
		!jsonEqual(m["data"], map[string]any{"via": "gw-1", "enabled": true}) {
		t.Errorf("get 4720: %v, want the data with enabled added", m)
	}
	curl(t, st, "GET", base+"/4799", "-", "").want(t, "get unknown", 404)

	curl(t, st, "PUT", base+"/4720", "application/json", `{"enabled":false}`).want(t, "update 4720", 204)
	curl(t, st, "PUT", base+"/4799", "application/json", `{}`).want(t, "update unknown", 404)
	curl(t, st, "PUT", base+"/4720", "-", `{}`).want(t, "update without content-type", 400)
	if m := curl(t, st, "GET", base+"/4720", "-", "").json(t); !jsonEqual(m["data"], map[string]any{"enabled": false}) {
		t.Errorf("after update: %v", m)
	}

	// The saved file is the format the registry reads at start.
	saved, err := hono.LoadDevices(filepath.Join(st.Data, "device-identities.json"))
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := saved.Get("DEFAULT_TENANT", "4720"); !ok || d.Enabled() {
		t.Errorf("saved 4720 = %+v, %v; want it, disabled", d, ok)
	}
	if _, ok := saved.Get("DEFAULT_TENANT", "4711"); !ok {
		t.Error("saving lost the seeded device 4711")
	}

	curl(t, st, "DELETE", base+"/4720", "-", "").want(t, "deregister 4720", 204)
	curl(t, st, "DELETE", base+"/4720", "-", "").want(t, "deregister 4720 again", 404)
	curl(t, st, "GET", base+"/4720", "-", "").want(t, "get deregistered", 404)
	curl(t, st, "PATCH", base+"/4711", "application/json", `{}`).want(t, "unrouted method", 404)
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// TestRESTRegistrationLimits: modificationEnabled=false refuses updates
// and removals but, as in Hono 0.7, not registrations; maxDevicesPerTenant
// caps a tenant.
func TestRESTRegistrationLimits(t *testing.T) {
	st := simtest.NewStack(t)
	r := startRegistry(t, st, "HONO_REGISTRY_SVC_MODIFICATION_ENABLED=false", "HONO_REGISTRY_SVC_MAX_DEVICES_PER_TENANT=4")
	base := r.rest + "/registration/DEFAULT_TENANT"

	curl(t, st, "PUT", base+"/4711", "application/json", `{}`).want(t, "update, modification disabled", 403)
	curl(t, st, "DELETE", base+"/4711", "-", "").want(t, "deregister, modification disabled", 403)
	// The seed has three devices in DEFAULT_TENANT.
	curl(t, st, "POST", base, "application/json", `{"device-id":"4720"}`).want(t, "fourth device", 201)
	curl(t, st, "POST", base, "application/json", `{"device-id":"4721"}`).want(t, "fifth device", 403)
	curl(t, st, "POST", r.rest+"/registration/OTHER", "application/json", `{"device-id":"4721"}`).
		want(t, "another tenant", 201)
	curl(t, st, "DELETE", r.rest+"/credentials/DEFAULT_TENANT/sensor1/hashed-password", "-", "").
		want(t, "credentials removal, credentials modification enabled", 204)
}

// hashedPassword is a hashed-password credential body for password.
func hashedPassword(t *testing.T, device, authID, password string) string {
	t.Helper()
	salt := []byte("rest-salt")
	h, err := hono.HashPassword(hono.HashSHA512, salt, password)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"device-id": device, "auth-id": authID, "type": "hashed-password",
		"secrets": []any{map[string]any{"hash-function": "sha-512", "salt": base64.StdEncoding.EncodeToString(salt), "pwd-hash": h}}})
	return string(b)
}

func TestRESTCredentials(t *testing.T) {
	st := simtest.NewStack(t)
	r := startRegistry(t, st)
	base := r.rest + "/credentials/DEFAULT_TENANT"
	body := hashedPassword(t, "4711", "sensor9", "s3cret")

	res := curl(t, st, "POST", base, "application/json", body)
	res.want(t, "add sensor9", 201)
	if loc := res.header.Get("Location"); loc != "/credentials/DEFAULT_TENANT/sensor9/hashed-password" {
		t.Errorf("Location %q", loc)
	}
	curl(t, st, "POST", base, "application/json", body).want(t, "add sensor9 again", 409)
	curl(t, st, "POST", base, "application/json", `{"device-id":"4711","auth-id":"x","type":"hashed-password"}`).
		want(t, "no secrets", 400)
	curl(t, st, "POST", base, "application/json", `{"auth-id":"x","type":"psk","secrets":[{"key":"a2V5"}]}`).
		want(t, "no device-id", 400)
	curl(t, st, "POST", base, "application/json",
		`{"device-id":"4711","auth-id":"x","type":"psk","secrets":[{"not-after":"tomorrow"}]}`).want(t, "bad not-after", 400)
	curl(t, st, "POST", base, "-", body).want(t, "no content-type", 400)

	got := curl(t, st, "GET", base+"/sensor9/hashed-password", "-", "")
	got.want(t, "get sensor9", 200)
	c, err := hono.ParseCredential(got.json(t))
	if err != nil || c.VerifyPassword("s3cret", time.Now()) != nil {
		t.Errorf("returned credential %+v does not verify its password: %v", c, err)
	}
	curl(t, st, "GET", base+"/sensor9/psk", "-", "").want(t, "get other type", 404)

	all := curl(t, st, "GET", base+"/4711", "-", "")
	all.want(t, "get all of 4711", 200)
	m := all.json(t)
	if list, _ := m["credentials"].([]any); m["total"] != float64(2) || len(list) != 2 {
		t.Errorf("credentials of 4711 = %v, want sensor1 and sensor9", m)
	}
	curl(t, st, "GET", base+"/4799", "-", "").want(t, "get all of unknown", 404)

	curl(t, st, "PUT", base+"/sensor9/hashed-password", "application/json", hashedPassword(t, "4711", "other", "x")).
		want(t, "update with another auth-id", 400)
	curl(t, st, "PUT", base+"/sensor9/hashed-password", "application/json", hashedPassword(t, "4711", "sensor9", "n3w")).
		want(t, "update sensor9", 204)
	curl(t, st, "PUT", base+"/nobody/hashed-password", "application/json", hashedPassword(t, "4711", "nobody", "x")).
		want(t, "update unknown", 404)
	c, _ = hono.ParseCredential(curl(t, st, "GET", base+"/sensor9/hashed-password", "-", "").json(t))
	if c.VerifyPassword("n3w", time.Now()) != nil {
		t.Error("the updated password does not verify")
	}

	// Saved in the format the registry reads.
	saved, err := hono.LoadCredentials(filepath.Join(st.Data, "credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := saved.Get("DEFAULT_TENANT", "hashed-password", "sensor9", nil); !ok {
		t.Error("sensor9 is not in the saved credentials.json")
	}

	curl(t, st, "DELETE", base+"/sensor9/hashed-password", "-", "").want(t, "remove sensor9", 204)
	curl(t, st, "DELETE", base+"/sensor9/hashed-password", "-", "").want(t, "remove sensor9 again", 404)
	curl(t, st, "DELETE", base+"/4711", "-", "").want(t, "remove all of 4711", 204)
	curl(t, st, "DELETE", base+"/4711", "-", "").want(t, "remove all of 4711 again", 404)
	curl(t, st, "GET", base+"/sensor1/hashed-password", "-", "").want(t, "get removed sensor1", 404)
}

func TestRESTCredentialsModificationDisabled(t *testing.T) {
	st := simtest.NewStack(t)
	r := startRegistry(t, st, "HONO_CREDENTIALS_SVC_MODIFICATION_ENABLED=false")
	base := r.rest + "/credentials/DEFAULT_TENANT"
	curl(t, st, "POST", base, "application/json", hashedPassword(t, "4711", "sensor9", "x")).want(t, "add (Hono 0.7 allows it)", 201)
	curl(t, st, "PUT", base+"/sensor9/hashed-password", "application/json", hashedPassword(t, "4711", "sensor9", "y")).
		want(t, "update", 403)
	curl(t, st, "DELETE", base+"/sensor9/hashed-password", "-", "").want(t, "remove", 403)
	curl(t, st, "DELETE", base+"/4711", "-", "").want(t, "remove all", 403)
}

// TestRESTTLS: the REST port is the registry's own TLS server, in the
// readiness report; a client without the trust anchors is refused.
func TestRESTTLS(t *testing.T) {
	st := simtest.NewStack(t)
	r := startRegistry(t, st)
	err := exec.CommandContext(ctxT(t), "curl", "-sS", "-o", "/dev/null", r.rest+"/registration/DEFAULT_TENANT/4711").Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 60 {
		t.Errorf("curl without the trust anchors: %v, want exit 60 (peer certificate cannot be verified)", err)
	}
	var found *health.Check
	for _, c := range r.status.Report().Checks {
		if strings.HasPrefix(c.ID, "hono.registry.rest") {
			found = &c
		}
	}
	if found == nil || found.Status != "UP" {
		t.Errorf("readiness has no REST listener up: %+v", r.status.Report().Checks)
	}
}

// TestRESTThenAMQP: a device registered and given credentials over REST
// is asserted and its credentials found over AMQP at once, as an adapter
// asks for them.
func TestRESTThenAMQP(t *testing.T) {
	st := simtest.NewStack(t)
	r := startRegistryWithAuth(t, st)

	curl(t, st, "POST", r.rest+"/registration/DEFAULT_TENANT", "application/json", `{"device-id":"4730"}`).
		want(t, "register 4730", 201)
	curl(t, st, "POST", r.rest+"/credentials/DEFAULT_TENANT", "application/json", hashedPassword(t, "4730", "sensor30", "pw30")).
		want(t, "add sensor30", 201)

	sess := dial(t, st, r.amqp, "http-adapter@HONO", "http-secret")
	reg := newClient(t, sess, "registration/DEFAULT_TENANT", "registration/DEFAULT_TENANT/reg-rest")
	if resp := reg.call("assert", map[string]any{"device_id": "4730"}, nil); status(resp) != int32(200) {
		t.Errorf("assert 4730: %v", resp.ApplicationProperties)
	}
	cred := newClient(t, sess, "credentials/DEFAULT_TENANT", "credentials/DEFAULT_TENANT/cred-rest")
	resp := cred.call("get", nil, []byte(`{"type":"hashed-password","auth-id":"sensor30"}`))
	if status(resp) != int32(200) || resp.ApplicationProperties["device_id"] != "4730" {
		t.Fatalf("get sensor30: %v", resp.ApplicationProperties)
	}
	c, err := hono.ParseCredential(payload(t, resp))
	if err != nil || c.VerifyPassword("pw30", time.Now()) != nil {
		t.Errorf("credential over AMQP %+v does not verify pw30: %v", c, err)
	}

	curl(t, st, "DELETE", r.rest+"/registration/DEFAULT_TENANT/4730", "-", "").want(t, "deregister 4730", 204)
	if resp := reg.call("assert", map[string]any{"device_id": "4730"}, nil); status(resp) != int32(404) {
		t.Errorf("assert deregistered 4730: %v", resp.ApplicationProperties)
	}
}

// TestRESTRestart: what was registered is there after a restart, read
// from the saved files.
func TestRESTRestart(t *testing.T) {
	st := simtest.NewStack(t)
	r := startRegistry(t, st)
	curl(t, st, "POST", r.rest+"/registration/NEW_TENANT", "application/json", `{"device-id":"d1","x":12345678901234567}`).
		want(t, "register d1", 201)
	curl(t, st, "POST", r.rest+"/credentials/NEW_TENANT", "application/json", hashedPassword(t, "d1", "a1", "pw")).
		want(t, "add a1", 201)

	again := startRegistry(t, st)
	got := curl(t, st, "GET", again.rest+"/registration/NEW_TENANT/d1", "-", "")
	got.want(t, "d1 after restart", 200)
	if !strings.Contains(got.body, `"x":12345678901234567`) {
		t.Errorf("d1 after restart: %s, want the number as written", got.body)
	}
	curl(t, st, "GET", again.rest+"/credentials/NEW_TENANT/a1/hashed-password", "-", "").want(t, "a1 after restart", 200)
}
