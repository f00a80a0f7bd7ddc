package amqp

import (
	"fmt"

	"github.com/honoctl/honoctl/internal/amqp/encoding"
)

// The SASL frames (part 5, 5.3.3).
type (
	saslMechanisms struct{ mechanisms []string }
	saslInit       struct {
		mechanism string
		response  []byte
		hostname  string
	}
	saslChallenge struct{ data []byte }
	saslResponse  struct{ data []byte }
	saslOutcome   struct {
		code SASLCode
		data []byte
	}
)

func (m *saslMechanisms) encode(w *encoding.Buffer) error {
	w.Descriptor(codeSASLMechanisms)
	l := w.Fields()
	writeSymbols(w, m.mechanisms)
	l.Next()
	l.End()
	return nil
}

func (s *saslInit) encode(w *encoding.Buffer) error {
	w.Descriptor(codeSASLInit)
	l := w.Fields()
	w.Symbol(encoding.Symbol(s.mechanism))
	l.Next()
	if s.response != nil {
		w.Binary(s.response)
	} else {
		w.Null()
	}
	l.Next()
	optString(w, s.hostname)
	l.Next()
	l.End()
	return nil
}

func (o *saslOutcome) encode(w *encoding.Buffer) error {
	w.Descriptor(codeSASLOutcome)
	l := w.Fields()
	w.Ubyte(uint8(o.code))
	l.Next()
	if o.data != nil {
		w.Binary(o.data)
	} else {
		w.Null()
	}
	l.Next()
	l.End()
	return nil
}

func decodeSASLFrame(code uint64, r *encoding.Reader) (any, error) {
	switch code {
	case codeSASLMechanisms:
		m := &saslMechanisms{}
		return m, fields(r, func(i int) (err error) {
			if i == 0 {
				m.mechanisms, err = readSymbols(r)
				return err
			}
			return r.Skip()
		})
	case codeSASLInit:
		s := &saslInit{}
		return s, fields(r, func(i int) (err error) {
			switch i {
			case 0:
				var m encoding.Symbol
				m, err = r.Symbol()
				s.mechanism = string(m)
			case 1:
				s.response, err = r.Binary()
			case 2:
				s.hostname, err = r.String()
			default:
				err = r.Skip()
			}
			return err
		})
	case codeSASLChallenge, codeSASLResponse:
		var data []byte
		err := fields(r, func(i int) (err error) {
			if i == 0 {
				data, err = r.Binary()
				return err
			}
			return r.Skip()
		})
		if code == codeSASLChallenge {
			return &saslChallenge{data}, err
		}
		return &saslResponse{data}, err
	case codeSASLOutcome:
		o := &saslOutcome{}
		return o, fields(r, func(i int) (err error) {
			switch i {
			case 0:
				var c uint8
				c, err = r.Ubyte()
				o.code = SASLCode(c)
			case 1:
				o.data, err = r.Binary()
			default:
				err = r.Skip()
			}
			return err
		})
	}
	return nil, fmt.Errorf("unknown frame body 0x%x", code)
}
