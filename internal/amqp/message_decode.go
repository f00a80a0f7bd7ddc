package amqp

import (
	"fmt"
	"time"

	"github.com/honoctl/honoctl/internal/amqp/encoding"
)

// UnmarshalMessage decodes a transfer's payload. The message's strings and
// binaries share payload's memory, which must not be modified afterwards.
func UnmarshalMessage(payload []byte) (*Message, error) {
	r := encoding.NewReader(payload)
	r.Alias = true
	// One allocation for the message and the properties every Hono
	// message carries.
	mp := &struct {
		m Message
		p Properties
	}{}
	m := &mp.m
	for r.Len() > 0 {
		code, name, err := r.Descriptor()
		if err != nil {
			return nil, fmt.Errorf("message section: %w", err)
		}
		if name != "" {
			return nil, fmt.Errorf("unknown message section %s", name)
		}
		if code == codeProperties {
			m.Properties = &mp.p
		}
		if err := m.decodeSection(code, r); err != nil {
			return nil, fmt.Errorf("message section 0x%x: %w", code, err)
		}
	}
	return m, nil
}

func (m *Message) decodeSection(code uint64, r *encoding.Reader) (err error) {
	switch code {
	case codeHeader:
		m.Header, err = decodeHeader(r)
	case codeDeliveryAnnots:
		m.DeliveryAnnotations, err = r.StringMap()
	case codeMessageAnnots:
		m.Annotations, err = r.StringMap()
	case codeProperties:
		if m.Properties == nil {
			m.Properties = &Properties{}
		}
		err = decodeProperties(r, m.Properties)
	case codeApplicationProp:
		m.ApplicationProperties, err = r.StringMap()
	case codeData:
		var d []byte
		if d, err = r.Binary(); err == nil {
			if m.Data == nil {
				m.data1[0] = d
				m.Data = m.data1[:1:1]
			} else {
				m.Data = append(m.Data, d)
			}
		}
	case codeSequence:
		var v any
		if v, err = r.Any(); err == nil {
			l, ok := v.([]any)
			if !ok && v != nil {
				return fmt.Errorf("amqp-sequence holds %T, not a list", v)
			}
			m.Sequence = append(m.Sequence, l)
		}
	case codeValue:
		m.Value, err = r.Any()
		m.HasValue = true
	case codeFooter:
		m.Footer, err = r.StringMap()
	default:
		return fmt.Errorf("unknown message section")
	}
	return err
}

func decodeHeader(r *encoding.Reader) (*Header, error) {
	h := &Header{Priority: 4}
	return h, fields(r, func(i int) (err error) {
		switch i {
		case 0:
			h.Durable, err = r.Bool()
		case 1:
			h.Priority, err = r.Ubyte()
		case 2:
			var ms uint32
			ms, err = r.Uint()
			h.TTL = time.Duration(ms) * time.Millisecond
		case 3:
			h.FirstAcquirer, err = r.Bool()
		case 4:
			h.DeliveryCount, err = r.Uint()
		default:
			err = r.Skip()
		}
		return err
	})
}

func decodeProperties(r *encoding.Reader, p *Properties) error {
	return fields(r, func(i int) (err error) {
		switch i {
		case 0:
			p.MessageID, err = r.Any()
		case 1:
			p.UserID, err = r.Binary()
		case 2:
			p.To, err = r.String()
		case 3:
			p.Subject, err = r.String()
		case 4:
			p.ReplyTo, err = r.String()
		case 5:
			p.CorrelationID, err = r.Any()
		case 6:
			p.ContentType, err = r.String()
		case 7:
			p.ContentEncoding, err = r.String()
		case 8:
			p.AbsoluteExpiryTime, err = r.Timestamp()
		case 9:
			p.CreationTime, err = r.Timestamp()
		case 10:
			p.GroupID, err = r.String()
		case 11:
			p.GroupSequence, err = r.Uint()
		case 12:
			p.ReplyToGroupID, err = r.String()
		default:
			err = r.Skip()
		}
		return err
	})
}
