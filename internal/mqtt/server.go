package mqtt

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// Handler is what a protocol adapter does with a device's packets. Calls
// for one connection are made one at a time, in the order packets arrive.
type Handler interface {
	// Connect decides on a CONNECT; anything but Accepted refuses it and
	// closes the connection after the CONNACK.
	Connect(ctx context.Context, c *Conn, p *Connect) ConnackCode
	// Publish handles a PUBLISH. On nil a QoS 1 message is acknowledged;
	// on an error it is not (the device will send it again); an error
	// wrapping ErrClose closes the connection.
	Publish(ctx context.Context, c *Conn, p *Publish) error
}

// Subscriber is implemented by handlers that accept subscriptions; others
// refuse every topic filter (SUBACK 0x80), since they deliver nothing.
type Subscriber interface {
	Subscribe(ctx context.Context, c *Conn, s Subscription) (grantedQoS byte, ok bool)
}

// ErrClose, wrapped in a Publish error, makes the server close the
// connection, as Hono's adapters do for a device that is not allowed to
// publish where it tried.
var ErrClose = errors.New("connection closed by the adapter")

// Conn is one device connection.
type Conn struct {
	nc net.Conn
	// ClientID and Username are those of the CONNECT.
	ClientID string
	Username string
	// Session is the handler's own data, set in Connect.
	Session any
}

// RemoteAddr is the device's address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// TLS returns the connection's TLS state, or nil for plain TCP.
func (c *Conn) TLS() *tls.ConnectionState {
	if tc, ok := c.nc.(*tls.Conn); ok {
		cs := tc.ConnectionState()
		return &cs
	}
	return nil
}

// Server runs MQTT connections for a Handler.
type Server struct {
	Handler Handler
	// MaxPacketSize bounds a packet; 0 means 256 KiB.
	MaxPacketSize int
	// ConnectTimeout bounds the wait for CONNECT; 0 means 10 s.
	ConnectTimeout time.Duration
	// OnError, if set, hears why a connection ended abnormally.
	OnError func(remote net.Addr, err error)

	wg sync.WaitGroup
}

// Serve accepts connections from ln until ctx ends or ln fails, and waits
// for the connections to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	defer s.wg.Wait()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := s.ServeConn(ctx, nc); err != nil && s.OnError != nil {
				s.OnError(nc.RemoteAddr(), err)
			}
		}()
	}
}

// ServeConn runs one connection until the device disconnects, breaks the
// protocol, misses its keep-alive, or ctx ends. It closes nc.
func (s *Server) ServeConn(ctx context.Context, nc net.Conn) error {
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()

	r := bufio.NewReader(nc)
	timeout := s.ConnectTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	nc.SetReadDeadline(time.Now().Add(timeout))
	pkt, err := ReadPacket(r, s.MaxPacketSize)
	if err != nil {
		return fmt.Errorf("waiting for CONNECT: %w", err)
	}
	connect, ok := pkt.(*Connect)
	if !ok {
		return protoErr("first packet is not CONNECT") // section 3.1
	}
	c := &Conn{nc: nc, ClientID: connect.ClientID}
	if connect.Username != nil {
		c.Username = *connect.Username
	}
	if code := s.connack(ctx, c, connect); code != Accepted {
		return nil // refused: the handler knows why and has said so
	}

	// Section 3.1.2.10: no packet within 1.5 times the keep-alive means
	// the client is gone.
	idle := time.Duration(connect.KeepAlive) * 1500 * time.Millisecond
	for {
		if idle > 0 {
			nc.SetReadDeadline(time.Now().Add(idle))
		} else {
			nc.SetReadDeadline(time.Time{})
		}
		pkt, err := ReadPacket(r, s.MaxPacketSize)
		switch {
		case errors.Is(err, io.EOF) || ctx.Err() != nil:
			return nil
		case isTimeout(err):
			return fmt.Errorf("keep-alive of %d s missed", connect.KeepAlive)
		case err != nil:
			return err
		}
		done, err := s.handle(ctx, c, pkt)
		if err != nil || done {
			return err
		}
	}
}

func (s *Server) connack(ctx context.Context, c *Conn, p *Connect) ConnackCode {
	var code ConnackCode
	switch {
	case !(p.ProtocolName == "MQTT" && p.ProtocolLevel == 4) && !(p.ProtocolName == "MQIsdp" && p.ProtocolLevel == 3):
		code = RefusedProtocolVersion
	case p.ClientID == "" && !p.CleanSession: // section 3.1.3.1
		code = RefusedIdentifierRejected
	default:
		code = s.Handler.Connect(ctx, c, p)
	}
	c.nc.Write(Connack(code))
	return code
}

// handle answers one packet; done means the client disconnected.
func (s *Server) handle(ctx context.Context, c *Conn, pkt any) (done bool, err error) {
	var reply []byte
	switch p := pkt.(type) {
	case *Connect:
		return true, protoErr("second CONNECT") // section 3.1.0
	case *Publish:
		// NOTE: QoS 2 goes to the handler like the others but is never
		// acknowledged (no PUBREC): Hono's adapters support QoS 0 and 1 and
		// discard QoS 2 messages, and so do ours.
		err := s.Handler.Publish(ctx, c, p)
		if errors.Is(err, ErrClose) {
			return true, err
		}
		if err == nil && p.QoS == 1 {
			reply = Puback(p.PacketID)
		}
	case *Subscribe:
		codes := make([]byte, len(p.Filters))
		sub, _ := s.Handler.(Subscriber)
		for i, f := range p.Filters {
			codes[i] = 0x80
			if sub != nil {
				if q, ok := sub.Subscribe(ctx, c, f); ok {
					codes[i] = q
				}
			}
		}
		reply = Suback(p.PacketID, codes)
	case *Unsubscribe:
		reply = Unsuback(p.PacketID)
	case *Control:
		switch p.Type {
		case TypePingreq:
			reply = Pingresp()
		case TypeDisconnect:
			return true, nil
		}
		// PUBACK and friends: the adapters send no QoS 1 messages to
		// devices, so there is nothing to complete.
	}
	if reply != nil {
		if _, err := c.nc.Write(reply); err != nil {
			return true, err
		}
	}
	return false, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
