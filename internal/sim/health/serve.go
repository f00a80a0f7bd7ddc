package health

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Server is the running health endpoint.
type Server struct {
	srv *http.Server
	ln  net.Listener
}

// Listen starts serving s on bindAddress:port (port 0 picks one).
func Listen(bindAddress string, port int, s *Status) (*Server, error) {
	addr := net.JoinHostPort(bindAddress, strconv.Itoa(port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("health check server: %w", err)
	}
	hs := &Server{ln: ln, srv: &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}}
	go hs.srv.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed on Close
	return hs, nil
}

// Addr is the address served.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops the server.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// ProbeURL is what `hono-sim health` asks: the compose health check runs
// inside the container, where the role serves 8088.
const ProbeURL = "http://127.0.0.1:8088/readiness"

// Probe asks url and returns nil on 200. FROM scratch images have no curl,
// so the compose health check runs hono-sim itself.
func Probe(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("readiness: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("readiness: " + resp.Status)
	}
	return nil
}
