// Package mqtt is the server side of MQTT 3.1.1 (OASIS standard, 2014):
// the packets a protocol adapter receives and sends, and a connection loop
// with keep-alive. It is what hono-sim's MQTT and Kura adapters speak; it is
// not a broker (no retained messages, no sessions, no QoS 2 flow).
//
// Decoding never trusts a length it has not checked, so arbitrary input
// yields an error, not a panic or a huge allocation (see FuzzReadPacket).
package mqtt

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Packet types (MQTT 3.1.1 section 2.2.1).
const (
	TypeConnect     = 1
	TypeConnack     = 2
	TypePublish     = 3
	TypePuback      = 4
	TypePubrec      = 5
	TypePubrel      = 6
	TypePubcomp     = 7
	TypeSubscribe   = 8
	TypeSuback      = 9
	TypeUnsubscribe = 10
	TypeUnsuback    = 11
	TypePingreq     = 12
	TypePingresp    = 13
	TypeDisconnect  = 14
)

// ConnackCode is a CONNACK return code (section 3.2.2.3).
type ConnackCode byte

// CONNACK return codes.
const (
	Accepted                   ConnackCode = 0
	RefusedProtocolVersion     ConnackCode = 1
	RefusedIdentifierRejected  ConnackCode = 2
	RefusedServerUnavailable   ConnackCode = 3
	RefusedBadUsernamePassword ConnackCode = 4
	RefusedNotAuthorized       ConnackCode = 5
	maxRemainingLength                     = 268435455 // section 2.2.3
	defaultMaxPacketSize                   = 256 * 1024
)

func (c ConnackCode) String() string {
	switch c {
	case Accepted:
		return "accepted"
	case RefusedProtocolVersion:
		return "unacceptable protocol version"
	case RefusedIdentifierRejected:
		return "identifier rejected"
	case RefusedServerUnavailable:
		return "server unavailable"
	case RefusedBadUsernamePassword:
		return "bad user name or password"
	case RefusedNotAuthorized:
		return "not authorized"
	}
	return fmt.Sprintf("code %d", byte(c))
}

// Connect is a CONNECT packet.
type Connect struct {
	ProtocolName  string // "MQTT" (3.1.1) or "MQIsdp" (3.1)
	ProtocolLevel byte   // 4 for 3.1.1, 3 for 3.1
	CleanSession  bool
	KeepAlive     uint16 // seconds; 0 turns keep-alive off
	ClientID      string
	Will          *Will
	Username      *string
	Password      []byte // nil when absent
}

// Will is the last will of a CONNECT; the adapters ignore it, as Hono does.
type Will struct {
	Topic   string
	Message []byte
	QoS     byte
	Retain  bool
}

// Publish is a PUBLISH packet.
type Publish struct {
	Dup      bool
	QoS      byte
	Retain   bool
	Topic    string
	PacketID uint16 // only with QoS > 0
	Payload  []byte
}

// Subscribe is a SUBSCRIBE packet.
type Subscribe struct {
	PacketID uint16
	Filters  []Subscription
}

// Subscription is one topic filter of a SUBSCRIBE.
type Subscription struct {
	Filter string
	QoS    byte
}

// Unsubscribe is an UNSUBSCRIBE packet.
type Unsubscribe struct {
	PacketID uint16
	Filters  []string
}

// Control is a packet with no payload of interest: PINGREQ, DISCONNECT,
// and the acknowledgements a client may send (PUBACK, PUBREL ...).
type Control struct {
	Type     byte
	PacketID uint16 // for PUBACK, PUBREC, PUBREL, PUBCOMP
}

// ProtocolError is a violation of MQTT 3.1.1 by the peer; the server then
// closes the connection (section 4.8).
type ProtocolError struct{ Msg string }

func (e *ProtocolError) Error() string { return "mqtt protocol error: " + e.Msg }

func protoErr(format string, args ...any) error {
	return &ProtocolError{Msg: fmt.Sprintf(format, args...)}
}

// ReadPacket reads one packet from r: *Connect, *Publish, *Subscribe,
// *Unsubscribe or *Control. A packet longer than maxSize (0 means 256 KiB)
// is an error before its body is read.
func ReadPacket(r *bufio.Reader, maxSize int) (any, error) {
	if maxSize <= 0 {
		maxSize = defaultMaxPacketSize
	}
	first, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	n, err := readRemainingLength(r)
	if err != nil {
		return nil, err
	}
	if n > maxSize {
		return nil, protoErr("packet of %d bytes exceeds the limit of %d", n, maxSize)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, fmt.Errorf("read packet body: %w", err)
	}
	return decode(first>>4, first&0x0f, body)
}

func readRemainingLength(r *bufio.Reader) (int, error) {
	n, shift := 0, 0
	for i := 0; i < 4; i++ {
		b, err := r.ReadByte()
		if err != nil {
			return 0, err
		}
		n |= int(b&0x7f) << shift
		if b&0x80 == 0 {
			return n, nil
		}
		shift += 7
	}
	return 0, protoErr("remaining length longer than 4 bytes")
}

func decode(typ, flags byte, body []byte) (any, error) {
	d := &decoder{buf: body}
	switch typ {
	case TypeConnect:
		return d.connect(flags)
	case TypePublish:
		return d.publish(flags)
	case TypeSubscribe:
		return d.subscribe(flags)
	case TypeUnsubscribe:
		return d.unsubscribe(flags)
	case TypePingreq, TypeDisconnect:
		if flags != 0 || len(body) != 0 {
			return nil, protoErr("packet type %d must have no flags and no body", typ)
		}
		return &Control{Type: typ}, nil
	case TypePuback, TypePubrec, TypePubrel, TypePubcomp:
		want := byte(0)
		if typ == TypePubrel {
			want = 2 // section 3.6.1
		}
		if flags != want || len(body) != 2 {
			return nil, protoErr("packet type %d: bad flags or length", typ)
		}
		return &Control{Type: typ, PacketID: binary.BigEndian.Uint16(body)}, nil
	}
	return nil, protoErr("packet type %d is not sent by clients", typ)
}

// decoder reads the fields of one packet body.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.buf) {
		d.err = protoErr("packet ends early")
		return nil
	}
	b := d.buf[:n]
	d.buf = d.buf[n:]
	return b
}

func (d *decoder) byte() byte {
	b := d.bytes(1)
	if b == nil {
		return 0
	}
	return b[0]
}

func (d *decoder) uint16() uint16 {
	b := d.bytes(2)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint16(b)
}

func (d *decoder) binary() []byte {
	n := d.uint16()
	return d.bytes(int(n))
}

// string reads a UTF-8 string; section 1.5.3 forbids invalid UTF-8 and NUL.
func (d *decoder) string() string {
	b := d.binary()
	if d.err == nil && (bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b)) {
		d.err = protoErr("string is not well-formed UTF-8")
	}
	return string(b)
}

func (d *decoder) connect(flags byte) (*Connect, error) {
	if flags != 0 {
		return nil, protoErr("CONNECT flags must be 0")
	}
	c := &Connect{ProtocolName: d.string(), ProtocolLevel: d.byte()}
	cf := d.byte()
	c.KeepAlive = d.uint16()
	if d.err != nil {
		return nil, d.err
	}
	if cf&0x01 != 0 {
		return nil, protoErr("CONNECT reserved flag set")
	}
	c.CleanSession = cf&0x02 != 0
	c.ClientID = d.string()
	if cf&0x04 != 0 {
		c.Will = &Will{QoS: (cf >> 3) & 0x03, Retain: cf&0x20 != 0}
		c.Will.Topic = d.string()
		c.Will.Message = d.binary()
		if c.Will.QoS > 2 {
			return nil, protoErr("will QoS 3")
		}
	} else if cf&0x38 != 0 {
		return nil, protoErr("will QoS or retain set without a will")
	}
	if cf&0x80 != 0 {
		u := d.string()
		c.Username = &u
	}
	if cf&0x40 != 0 {
		if cf&0x80 == 0 {
			return nil, protoErr("password without user name")
		}
		c.Password = append([]byte{}, d.binary()...)
	}
	if d.err != nil {
		return nil, d.err
	}
	return c, nil
}

func (d *decoder) publish(flags byte) (*Publish, error) {
	p := &Publish{Dup: flags&0x08 != 0, QoS: (flags >> 1) & 0x03, Retain: flags&0x01 != 0}
	if p.QoS == 3 {
		return nil, protoErr("PUBLISH with QoS 3")
	}
	p.Topic = d.string()
	if p.QoS > 0 {
		p.PacketID = d.uint16()
	}
	if d.err != nil {
		return nil, d.err
	}
	if p.Topic == "" || strings.ContainsAny(p.Topic, "+#") {
		return nil, protoErr("PUBLISH topic %q is empty or has wildcards", p.Topic)
	}
	p.Payload = d.buf
	return p, nil
}

func (d *decoder) subscribe(flags byte) (*Subscribe, error) {
	if flags != 2 {
		return nil, protoErr("SUBSCRIBE flags must be 2")
	}
	s := &Subscribe{PacketID: d.uint16()}
	for d.err == nil && len(d.buf) > 0 {
		f := Subscription{Filter: d.string(), QoS: d.byte()}
		if d.err == nil && f.QoS > 2 {
			return nil, protoErr("SUBSCRIBE QoS %d", f.QoS)
		}
		s.Filters = append(s.Filters, f)
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(s.Filters) == 0 {
		return nil, protoErr("SUBSCRIBE without a topic filter")
	}
	return s, nil
}

func (d *decoder) unsubscribe(flags byte) (*Unsubscribe, error) {
	if flags != 2 {
		return nil, protoErr("UNSUBSCRIBE flags must be 2")
	}
	u := &Unsubscribe{PacketID: d.uint16()}
	for d.err == nil && len(d.buf) > 0 {
		u.Filters = append(u.Filters, d.string())
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(u.Filters) == 0 {
		return nil, protoErr("UNSUBSCRIBE without a topic filter")
	}
	return u, nil
}
