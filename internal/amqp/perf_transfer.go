package amqp

import (
	"fmt"

	"github.com/honoctl/honoctl/internal/amqp/encoding"
)

// transfer is the transfer performative (part 2, 2.7.5). payload is the
// frame's bytes after the performative: a part of the message.
type transfer struct {
	handle        uint32
	deliveryID    uint32
	hasDeliveryID bool
	deliveryTag   []byte
	messageFormat uint32
	settled       bool
	more          bool
	state         DeliveryState
	aborted       bool
	payload       []byte
}

// disposition is the disposition performative (part 2, 2.7.6).
type disposition struct {
	role    Role
	first   uint32
	last    uint32
	hasLast bool
	settled bool
	state   DeliveryState
}

func (t *transfer) encode(w *encoding.Buffer) error {
	w.Descriptor(codeTransfer)
	l := w.Fields()
	w.Uint(t.handle)
	l.Next()
	optField(w, t.hasDeliveryID, t.deliveryID)
	l.Next()
	if t.deliveryTag != nil {
		w.Binary(t.deliveryTag)
	} else {
		w.Null()
	}
	l.Next()
	optField(w, t.hasDeliveryID, t.messageFormat)
	l.Next()
	optBool(w, t.settled)
	l.Next()
	optBool(w, t.more)
	l.Next()
	w.Null() // rcv-settle-mode: the link's
	l.Next()
	if err := writeState(w, t.state); err != nil {
		return err
	}
	l.Next()
	w.Null() // resume
	l.Next()
	optBool(w, t.aborted)
	l.Next()
	l.End()
	return nil
}

func decodeTransfer(r *encoding.Reader, t *transfer) (*transfer, error) {
	if t == nil {
		t = &transfer{}
	} else {
		*t = transfer{}
	}
	err := fields(r, func(i int) (err error) {
		switch i {
		case 0:
			t.handle, err = r.Uint()
		case 1:
			t.deliveryID, err = r.Uint()
			t.hasDeliveryID = true
		case 2:
			t.deliveryTag, err = r.Binary()
		case 3:
			t.messageFormat, err = r.Uint()
		case 4:
			t.settled, err = r.Bool()
		case 5:
			t.more, err = r.Bool()
		case 7:
			t.state, err = readState(r)
		case 9:
			t.aborted, err = r.Bool()
		default:
			err = r.Skip()
		}
		return err
	})
	t.payload = r.Rest()
	return t, err
}

func (d *disposition) encode(w *encoding.Buffer) error {
	w.Descriptor(codeDisposition)
	l := w.Fields()
	w.Bool(bool(d.role))
	l.Next()
	w.Uint(d.first)
	l.Next()
	optField(w, d.hasLast, d.last)
	l.Next()
	optBool(w, d.settled)
	l.Next()
	if err := writeState(w, d.state); err != nil {
		return err
	}
	l.Next()
	l.End()
	return nil
}

func decodeDisposition(r *encoding.Reader) (*disposition, error) {
	d := &disposition{}
	err := fields(r, func(i int) (err error) {
		switch i {
		case 0:
			var b bool
			b, err = r.Bool()
			d.role = Role(b)
		case 1:
			d.first, err = r.Uint()
		case 2:
			d.last, err = r.Uint()
			d.hasLast = true
		case 3:
			d.settled, err = r.Bool()
		case 4:
			d.state, err = readState(r)
		default:
			err = r.Skip()
		}
		return err
	})
	return d, err
}

func writeState(w *encoding.Buffer, s DeliveryState) error {
	switch s := s.(type) {
	case nil:
		w.Null()
	case *Accepted:
		w.Descriptor(codeAccepted)
		w.WriteByte(encoding.CodeList0)
	case *Released:
		w.Descriptor(codeReleased)
		w.WriteByte(encoding.CodeList0)
	case *Rejected:
		w.Descriptor(codeRejected)
		l := w.Fields()
		if err := writeError(w, s.Error); err != nil {
			return err
		}
		l.Next()
		l.End()
	case *Modified:
		w.Descriptor(codeModified)
		l := w.Fields()
		optBool(w, s.DeliveryFailed)
		l.Next()
		optBool(w, s.UndeliverableHere)
		l.Next()
		if err := writeSymbolMap(w, s.MessageAnnotations); err != nil {
			return err
		}
		l.Next()
		l.End()
	case *Received:
		w.Descriptor(codeReceived)
		l := w.Fields()
		w.Uint(s.SectionNumber)
		l.Next()
		w.Ulong(s.SectionOffset)
		l.Next()
		l.End()
	default:
		return fmt.Errorf("unknown delivery state %T", s)
	}
	return nil
}

func readState(r *encoding.Reader) (DeliveryState, error) {
	code, name, err := r.Descriptor()
	if err != nil {
		return nil, err
	}
	if name != "" {
		return nil, fmt.Errorf("unknown delivery state %s", name)
	}
	switch code {
	case codeAccepted:
		return &Accepted{}, fields(r, func(int) error { return r.Skip() })
	case codeReleased:
		return &Released{}, fields(r, func(int) error { return r.Skip() })
	case codeRejected:
		s := &Rejected{}
		return s, fields(r, func(i int) (err error) {
			if i == 0 {
				s.Error, err = readError(r)
				return err
			}
			return r.Skip()
		})
	case codeModified:
		s := &Modified{}
		return s, fields(r, func(i int) (err error) {
			switch i {
			case 0:
				s.DeliveryFailed, err = r.Bool()
			case 1:
				s.UndeliverableHere, err = r.Bool()
			case 2:
				s.MessageAnnotations, err = r.StringMap()
			default:
				err = r.Skip()
			}
			return err
		})
	case codeReceived:
		s := &Received{}
		return s, fields(r, func(i int) (err error) {
			switch i {
			case 0:
				s.SectionNumber, err = r.Uint()
			case 1:
				s.SectionOffset, err = r.Ulong()
			default:
				err = r.Skip()
			}
			return err
		})
	}
	// TODO: transactional states (declared, transactional-state) are not
	// supported; Hono does not use transactions.
	return nil, fmt.Errorf("unknown delivery state 0x%x", code)
}
