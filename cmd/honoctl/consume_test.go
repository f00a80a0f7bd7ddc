package main

import (
	"bytes"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/honoctl/honoctl/internal/amqp"
)

func TestPrintMessage(t *testing.T) {
	tests := []struct {
		name string
		msg  *amqp.Message
		want string
	}{
		{"telemetry of the HTTP adapter",
			&amqp.Message{Data: [][]byte{[]byte(`{"temp": 5}`)}, Properties: &amqp.Properties{ContentType: "application/json"},
				ApplicationProperties: map[string]any{"orig_address": "/telemetry", "device_id": "4711", "orig_adapter": "hono-http"}},
			`device_id=4711 orig_adapter=hono-http orig_address=/telemetry content-type=application/json {"temp": 5}`},
		{"a body of two lines is quoted", &amqp.Message{Data: [][]byte{[]byte("a\nb")}}, `"a\nb"`},
		{"a binary body is quoted", &amqp.Message{Data: [][]byte{{0xff, 0x00}}}, `"\xff\x00"`},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		printMessage(&b, tt.msg)
		if got := strings.TrimSuffix(b.String(), "\n"); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestConsumeWithoutStackNamesTheRouter: nothing listens on the router's
// port; consume says which address it tried and what tells more.
func TestConsumeWithoutStackNamesTheRouter(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runRenderCLI(t, "certs", "--dir", dir); code != exitOK {
		t.Fatalf("certs: exit %d: %s", code, stderr)
	}
	offset := 20000
	for ; offset < 30000; offset += 97 {
		if l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(15671+offset)); err == nil {
			l.Close()
			break
		}
	}
	if code, _, stderr := runRenderCLI(t, "render", "--dir", dir, "--port-offset", strconv.Itoa(offset)); code != exitOK {
		t.Fatalf("render: exit %d: %s", code, stderr)
	}
	code, _, stderr := runRenderCLI(t, "consume", "--dir", dir, "--count", "1")
	if code != exitCannot || !strings.Contains(stderr, "application -> router 127.0.0.1:"+strconv.Itoa(15671+offset)) ||
		!strings.Contains(stderr, "honoctl check --dir "+dir) {
		t.Errorf("consume without a stack: exit %d, stderr:\n%s", code, stderr)
	}
}
