package mqtt

import (
	"encoding/binary"
	"errors"
)

// appendPacket frames body as a packet of typ with flags.
func appendPacket(dst []byte, typ, flags byte, body []byte) []byte {
	dst = append(dst, typ<<4|flags)
	n := len(body)
	for {
		b := byte(n & 0x7f)
		n >>= 7
		if n > 0 {
			b |= 0x80
		}
		dst = append(dst, b)
		if n == 0 {
			break
		}
	}
	return append(dst, body...)
}

// Connack encodes a CONNACK. Hono keeps no sessions: session present is 0.
func Connack(code ConnackCode) []byte {
	return appendPacket(nil, TypeConnack, 0, []byte{0, byte(code)})
}

// Puback encodes a PUBACK for packet id.
func Puback(id uint16) []byte {
	return appendPacket(nil, TypePuback, 0, binary.BigEndian.AppendUint16(nil, id))
}

// Suback encodes a SUBACK; a code is the granted QoS or 0x80 for failure.
func Suback(id uint16, codes []byte) []byte {
	return appendPacket(nil, TypeSuback, 0, append(binary.BigEndian.AppendUint16(nil, id), codes...))
}

// Unsuback encodes an UNSUBACK.
func Unsuback(id uint16) []byte {
	return appendPacket(nil, TypeUnsuback, 0, binary.BigEndian.AppendUint16(nil, id))
}

// Pingresp encodes a PINGRESP.
func Pingresp() []byte { return appendPacket(nil, TypePingresp, 0, nil) }

// EncodePublish encodes a PUBLISH, for tests and for messages to devices.
func EncodePublish(p *Publish) ([]byte, error) {
	if len(p.Topic) > 0xffff {
		return nil, errors.New("topic longer than 65535 bytes")
	}
	body := binary.BigEndian.AppendUint16(nil, uint16(len(p.Topic)))
	body = append(body, p.Topic...)
	if p.QoS > 0 {
		body = binary.BigEndian.AppendUint16(body, p.PacketID)
	}
	body = append(body, p.Payload...)
	if len(body) > maxRemainingLength {
		return nil, errors.New("packet too large")
	}
	flags := p.QoS << 1
	if p.Dup {
		flags |= 0x08
	}
	if p.Retain {
		flags |= 0x01
	}
	return appendPacket(nil, TypePublish, flags, body), nil
}
