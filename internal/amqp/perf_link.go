package amqp

import (
	"github.com/honoctl/honoctl/internal/amqp/encoding"
)

// detach is the detach performative (part 2, 2.7.6).
type detach struct {
	handle uint32
	closed bool
	err    *Error
}

// flow is the flow performative (part 2, 2.7.4); the has* fields tell an
// absent field from zero.
type flow struct {
	nextIncomingID    uint32
	hasNextIncomingID bool
	incomingWindow    uint32
	nextOutgoingID    uint32
	outgoingWindow    uint32

	handle           uint32
	hasHandle        bool
	deliveryCount    uint32
	hasDeliveryCount bool
	linkCredit       uint32
	hasLinkCredit    bool
	available        uint32
	drain            bool
	echo             bool
}

func (a *Attach) encode(w *encoding.Buffer) error {
	w.Descriptor(codeAttach)
	l := w.Fields()
	w.String(a.Name)
	l.Next()
	w.Uint(a.Handle)
	l.Next()
	w.Bool(bool(a.Role))
	l.Next()
	w.Ubyte(uint8(a.SndSettleMode))
	l.Next()
	w.Ubyte(uint8(a.RcvSettleMode))
	l.Next()
	a.Source.encode(w)
	l.Next()
	a.Target.encode(w)
	l.Next()
	w.Null() // unsettled: we do not resume links
	l.Next()
	optBool(w, a.IncompleteUnsettled)
	l.Next()
	if a.Role == RoleSender {
		w.Uint(a.InitialDeliveryCount)
	} else {
		w.Null()
	}
	l.Next()
	if a.MaxMessageSize > 0 {
		w.Ulong(a.MaxMessageSize)
	} else {
		w.Null()
	}
	l.Next()
	writeSymbols(w, a.OfferedCapabilities)
	l.Next()
	writeSymbols(w, a.DesiredCapabilities)
	l.Next()
	if err := writeSymbolMap(w, a.Properties); err != nil {
		return err
	}
	l.Next()
	l.End()
	return nil
}

func decodeAttach(r *encoding.Reader) (*Attach, error) {
	a := &Attach{SndSettleMode: SenderMixed}
	err := fields(r, func(i int) (err error) {
		switch i {
		case 0:
			a.Name, err = r.String()
		case 1:
			a.Handle, err = r.Uint()
		case 2:
			var b bool
			b, err = r.Bool()
			a.Role = Role(b)
		case 3:
			var m uint8
			m, err = r.Ubyte()
			a.SndSettleMode = SenderSettleMode(m)
		case 4:
			var m uint8
			m, err = r.Ubyte()
			a.RcvSettleMode = ReceiverSettleMode(m)
		case 5:
			a.Source, err = decodeSource(r)
		case 6:
			a.Target, err = decodeTarget(r)
		case 8:
			a.IncompleteUnsettled, err = r.Bool()
		case 9:
			a.InitialDeliveryCount, err = r.Uint()
		case 10:
			a.MaxMessageSize, err = r.Ulong()
		case 11:
			a.OfferedCapabilities, err = readSymbols(r)
		case 12:
			a.DesiredCapabilities, err = readSymbols(r)
		case 13:
			a.Properties, err = r.StringMap()
		default:
			err = r.Skip()
		}
		return err
	})
	return a, err
}

func (s *Source) encode(w *encoding.Buffer) {
	if s == nil {
		w.Null()
		return
	}
	w.Descriptor(codeSource)
	l := w.Fields()
	optString(w, s.Address)
	l.Next()
	optUint(w, s.Durable)
	l.Next()
	optSymbol(w, s.ExpiryPolicy)
	l.Next()
	optUint(w, s.Timeout)
	l.Next()
	optBool(w, s.Dynamic)
	l.Next()
	w.Null() // dynamic-node-properties
	l.Next()
	optSymbol(w, s.DistributionMode)
	l.Next()
	_ = writeSymbolMap(w, s.Filter) // TODO: report unencodable filters
	l.Next()
	w.Null() // default-outcome
	l.Next()
	writeSymbols(w, s.Outcomes)
	l.Next()
	writeSymbols(w, s.Capabilities)
	l.Next()
	l.End()
}

func decodeSource(r *encoding.Reader) (*Source, error) {
	if err := expect(r, codeSource, "source"); err != nil {
		return nil, err
	}
	s := &Source{}
	err := fields(r, func(i int) (err error) {
		switch i {
		case 0:
			s.Address, err = r.String()
		case 1:
			s.Durable, err = r.Uint()
		case 2:
			var p encoding.Symbol
			p, err = r.Symbol()
			s.ExpiryPolicy = string(p)
		case 3:
			s.Timeout, err = r.Uint()
		case 4:
			s.Dynamic, err = r.Bool()
		case 6:
			var p encoding.Symbol
			p, err = r.Symbol()
			s.DistributionMode = string(p)
		case 7:
			s.Filter, err = r.StringMap()
		case 9:
			s.Outcomes, err = readSymbols(r)
		case 10:
			s.Capabilities, err = readSymbols(r)
		default:
			err = r.Skip()
		}
		return err
	})
	return s, err
}

func (t *Target) encode(w *encoding.Buffer) {
	if t == nil {
		w.Null()
		return
	}
	w.Descriptor(codeTarget)
	l := w.Fields()
	optString(w, t.Address)
	l.Next()
	optUint(w, t.Durable)
	l.Next()
	optSymbol(w, t.ExpiryPolicy)
	l.Next()
	optUint(w, t.Timeout)
	l.Next()
	optBool(w, t.Dynamic)
	l.Next()
	w.Null() // dynamic-node-properties
	l.Next()
	writeSymbols(w, t.Capabilities)
	l.Next()
	l.End()
}

func decodeTarget(r *encoding.Reader) (*Target, error) {
	if err := expect(r, codeTarget, "target"); err != nil {
		return nil, err
	}
	t := &Target{}
	err := fields(r, func(i int) (err error) {
		switch i {
		case 0:
			t.Address, err = r.String()
		case 1:
			t.Durable, err = r.Uint()
		case 2:
			var p encoding.Symbol
			p, err = r.Symbol()
			t.ExpiryPolicy = string(p)
		case 3:
			t.Timeout, err = r.Uint()
		case 4:
			t.Dynamic, err = r.Bool()
		case 6:
			t.Capabilities, err = readSymbols(r)
		default:
			err = r.Skip()
		}
		return err
	})
	return t, err
}
