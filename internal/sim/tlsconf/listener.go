package tlsconf

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"time"
)

// HandshakeTimeout bounds a client's TLS handshake on a Listener.
const HandshakeTimeout = 10 * time.Second

// Listener accepts TLS connections whose handshake has completed, so that
// a failed handshake is reported with its cause instead of surfacing later
// as a broken read. It implements net.Listener; Accept returns *tls.Conn.
type Listener struct {
	inner  net.Listener
	cfg    *tls.Config
	onFail func(remote net.Addr, err error)

	conns chan net.Conn
	done  chan struct{}
	once  sync.Once

	mu     sync.Mutex
	accErr error // why the inner listener stopped
}

// NewListener wraps inner. onFail, if set, is called for every handshake
// that fails; handshakes run concurrently, so one slow client does not
// hold up the others.
func NewListener(inner net.Listener, cfg *tls.Config, onFail func(net.Addr, error)) *Listener {
	l := &Listener{inner: inner, cfg: cfg, onFail: onFail, conns: make(chan net.Conn), done: make(chan struct{})}
	go l.loop()
	return l
}

func (l *Listener) loop() {
	for {
		c, err := l.inner.Accept()
		if err != nil {
			l.mu.Lock()
			l.accErr = err
			l.mu.Unlock()
			l.Close()
			return
		}
		go l.handshake(c)
	}
}

func (l *Listener) handshake(c net.Conn) {
	tc := tls.Server(c, l.cfg)
	ctx, cancel := context.WithTimeout(context.Background(), HandshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		if l.onFail != nil {
			l.onFail(c.RemoteAddr(), err)
		}
		c.Close()
		return
	}
	select {
	case l.conns <- tc:
	case <-l.done:
		tc.Close()
	}
}

// Accept returns the next connection whose handshake succeeded.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.accErr != nil && !errors.Is(l.accErr, net.ErrClosed) {
			return nil, l.accErr
		}
		return nil, net.ErrClosed
	}
}

// Close stops accepting; connections already handed out stay open.
func (l *Listener) Close() error {
	var err error
	l.once.Do(func() {
		close(l.done)
		err = l.inner.Close()
	})
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Addr is the address listened on.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }
