// Package bench measures a TLS server from the client side: new full
// handshakes per second with a number of concurrent clients, and bulk
// throughput over one connection to an echo endpoint. It compares the TLS
// engines of Hono's Java services (the JDK's and OpenSSL) on equal terms.
package bench

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a run.
type Options struct {
	// Clients is the number of concurrent handshaking clients. Default 1,
	// as openssl s_time.
	Clients int
	// Duration of each measurement. Default 5s.
	Duration time.Duration
	// Roots verify the server's chain, with ServerName; nil skips
	// verification (as openssl s_time does), which leaves the client's
	// cost the same for every server.
	Roots      *x509.CertPool
	ServerName string
	// MaxVersion caps the TLS version (tls.VersionTLS12...); zero lets the
	// server choose.
	MaxVersion uint16
	// Chunk is the size of each write of the throughput run. Default 64 KiB.
	Chunk int
	// Warmup runs the same load this long before each measurement and
	// throws its figures away: the JDK's TLS engine is Java code that the
	// JIT compiles only once it is hot. Default none.
	Warmup time.Duration
}

func (o Options) withDefaults() Options {
	if o.Clients <= 0 {
		o.Clients = 1
	}
	if o.Duration <= 0 {
		o.Duration = 5 * time.Second
	}
	if o.Chunk <= 0 {
		o.Chunk = 64 << 10
	}
	return o
}

// config is a client configuration that always makes a full handshake:
// no session cache, so no resumption (TLS 1.2 IDs and tickets, TLS 1.3 PSK).
func (o Options) config() *tls.Config {
	return &tls.Config{
		RootCAs:            o.Roots,
		ServerName:         o.ServerName,
		InsecureSkipVerify: o.Roots == nil, //nolint:gosec // a benchmark of the server's cost; see Options.Roots
		MaxVersion:         o.MaxVersion,
		ClientSessionCache: nil,
	}
}

// Handshakes is the result of a handshake run.
type Handshakes struct {
	Count   int64         `json:"count"`
	Errors  int64         `json:"errors"`
	Elapsed time.Duration `json:"elapsed_ns"`
	PerSec  float64       `json:"per_second"`
	Version string        `json:"version"`
	Cipher  string        `json:"cipher"`
	// FirstError is the first failed handshake's error, when any failed.
	FirstError string `json:"first_error,omitempty"`
}

// RunHandshakes makes new TLS connections to addr from o.Clients clients
// for o.Duration; each connection does a full handshake and closes.
func RunHandshakes(ctx context.Context, addr string, o Options) (*Handshakes, error) {
	o = o.withDefaults()
	if o.Warmup > 0 {
		w := o
		w.Duration, w.Warmup = o.Warmup, 0
		if _, err := RunHandshakes(ctx, addr, w); err != nil {
			return nil, err
		}
	}
	cfg := o.config()
	// One handshake first: a server that refuses us fails fast with a
	// reason instead of a count of errors.
	st, err := handshake(ctx, addr, cfg)
	if err != nil {
		return nil, err
	}
	res := &Handshakes{Version: tls.VersionName(st.Version), Cipher: tls.CipherSuiteName(st.CipherSuite)}

	// NOTE: the clock, not the context's timer, ends the run: on a busy
	// machine the timer fires late, and dials past the deadline fail at
	// once; those must not count as errors.
	start := time.Now()
	end := start.Add(o.Duration)
	ctx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	var count, errs atomic.Int64
	var firstErr sync.Once
	var wg sync.WaitGroup
	for range o.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(end) {
				if _, err := handshake(ctx, addr, cfg); err != nil {
					if ctx.Err() == nil && time.Now().Before(end) {
						errs.Add(1)
						firstErr.Do(func() { res.FirstError = err.Error() })
					}
					continue
				}
				count.Add(1)
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Count, res.Errors = count.Load(), errs.Load()
	res.PerSec = float64(res.Count) / res.Elapsed.Seconds()
	return res, nil
}

func handshake(ctx context.Context, addr string, cfg *tls.Config) (tls.ConnectionState, error) {
	d := tls.Dialer{Config: cfg, NetDialer: &net.Dialer{Timeout: 5 * time.Second}}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return tls.ConnectionState{}, fmt.Errorf("TLS handshake with %s: %w", addr, err)
	}
	st := c.(*tls.Conn).ConnectionState()
	c.Close()
	return st, nil
}

// Throughput is the result of a bulk run.
type Throughput struct {
	Bytes   int64         `json:"bytes"`
	Elapsed time.Duration `json:"elapsed_ns"`
	MBps    float64       `json:"mb_per_second"`
}

// RunThroughput writes to an echo endpoint over one TLS connection for
// o.Duration and counts what comes back; each byte crosses the server's
// TLS engine twice, decrypted and encrypted again.
func RunThroughput(ctx context.Context, addr string, o Options) (*Throughput, error) {
	o = o.withDefaults()
	if o.Warmup > 0 {
		w := o
		w.Duration, w.Warmup = o.Warmup, 0
		if _, err := RunThroughput(ctx, addr, w); err != nil {
			return nil, err
		}
	}
	d := tls.Dialer{Config: o.config(), NetDialer: &net.Dialer{Timeout: 5 * time.Second}}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("TLS handshake with %s: %w", addr, err)
	}
	defer c.Close()

	start := time.Now()
	deadline := start.Add(o.Duration)
	c.SetDeadline(deadline)
	go func() {
		buf := make([]byte, o.Chunk)
		for ctx.Err() == nil {
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	}()
	var n int64
	buf := make([]byte, 256<<10)
	for {
		k, err := c.Read(buf)
		n += int64(k)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || ctx.Err() != nil {
				break
			}
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%s closed the connection after %d bytes: is it an echo endpoint?", addr, n)
			}
			return nil, fmt.Errorf("read from %s: %w", addr, err)
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("%s echoed nothing in %s: is it an echo endpoint?", addr, o.Duration)
	}
	el := time.Since(start)
	return &Throughput{Bytes: n, Elapsed: el, MBps: float64(n) / el.Seconds() / 1e6}, nil
}
