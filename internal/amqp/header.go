package amqp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/honoctl/honoctl/internal/amqp/encoding"
)

// Protocol ids of the protocol header "AMQP" id 1 0 0 (part 2, 2.2; part
// 5, 5.1, 5.2).
const (
	protoAMQP = 0
	protoTLS  = 2
	protoSASL = 3
)

func protoHeader(id byte) []byte { return []byte{'A', 'M', 'Q', 'P', id, 1, 0, 0} }

var protoNames = map[byte]string{protoAMQP: "AMQP", protoTLS: "TLS", protoSASL: "SASL"}

// readHeader reads a protocol header and returns its protocol id.
func readHeader(r io.Reader) (byte, error) {
	var h [8]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, errors.New("peer closed the connection instead of sending a protocol header")
		}
		return 0, err
	}
	if !bytes.Equal(h[:4], []byte("AMQP")) || h[5] != 1 || h[6] != 0 || h[7] != 0 {
		return 0, fmt.Errorf("peer sent %q, not an AMQP 1.0 protocol header", h[:])
	}
	if _, ok := protoNames[h[4]]; !ok {
		return 0, fmt.Errorf("peer sent protocol header for unknown protocol id %d", h[4])
	}
	return h[4], nil
}

// expectHeader reads the peer's header and checks it announces want.
func expectHeader(r io.Reader, want byte) error {
	got, err := readHeader(r)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("peer answered with the %s header where %s was expected",
			protoNames[got], protoNames[want])
	}
	return nil
}

// writeNow writes one frame directly to the socket, for the handshake,
// before the writer goroutine runs.
func (c *Conn) writeNow(typ byte, body encoder) error {
	var w encoding.Buffer
	if err := appendFrame(&w, typ, 0, body, nil); err != nil {
		return err
	}
	_, err := c.nc.Write(w.Bytes())
	return err
}

// readNow reads one frame during the handshake, expecting frame type typ.
func (c *Conn) readNow(typ byte) (any, error) {
	for {
		f, err := readFrame(c.br, c.maxFrameIn)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, errors.New("peer closed the connection")
			}
			return nil, err
		}
		if f.body == nil {
			continue // a heartbeat
		}
		if f.typ != typ {
			return nil, fmt.Errorf("frame of type %d where type %d was expected", f.typ, typ)
		}
		return f.body, nil
	}
}

// limits applies the defaults of the frame and message size limits.
func limits(frame uint32, msg uint64) (uint32, uint64) {
	if frame == 0 {
		frame = 65536
	}
	frame = max(frame, minMaxFrameSize)
	if msg == 0 {
		msg = 16 << 20
	}
	return frame, msg
}

// agreeOpen records both open frames and the frame size we may send.
func (c *Conn) agreeOpen(local, remote *Open) error {
	c.local, c.remote = local, remote
	if remote.MaxFrameSize < minMaxFrameSize {
		return &Error{Condition: ErrInvalidField,
			Description: fmt.Sprintf("max-frame-size %d is below the minimum of 512", remote.MaxFrameSize)}
	}
	c.maxFrameOut = remote.MaxFrameSize
	if c.maxFrameOut > math.MaxInt32 {
		c.maxFrameOut = math.MaxInt32
	}
	return nil
}
