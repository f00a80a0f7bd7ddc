package amqp

import "github.com/honoctl/honoctl/internal/amqp/encoding"

func (f *flow) encode(w *encoding.Buffer) error {
	w.Descriptor(codeFlow)
	l := w.Fields()
	optField(w, f.hasNextIncomingID, f.nextIncomingID)
	l.Next()
	w.Uint(f.incomingWindow)
	l.Next()
	w.Uint(f.nextOutgoingID)
	l.Next()
	w.Uint(f.outgoingWindow)
	l.Next()
	optField(w, f.hasHandle, f.handle)
	l.Next()
	optField(w, f.hasDeliveryCount, f.deliveryCount)
	l.Next()
	optField(w, f.hasLinkCredit, f.linkCredit)
	l.Next()
	optUint(w, f.available)
	l.Next()
	optBool(w, f.drain)
	l.Next()
	optBool(w, f.echo)
	l.Next()
	l.End()
	return nil
}

func optField(w *encoding.Buffer, has bool, v uint32) {
	if has {
		w.Uint(v)
	} else {
		w.Null()
	}
}

func decodeFlow(r *encoding.Reader) (*flow, error) {
	f := &flow{}
	err := fields(r, func(i int) (err error) {
		switch i {
		case 0:
			f.nextIncomingID, err = r.Uint()
			f.hasNextIncomingID = true
		case 1:
			f.incomingWindow, err = r.Uint()
		case 2:
			f.nextOutgoingID, err = r.Uint()
		case 3:
			f.outgoingWindow, err = r.Uint()
		case 4:
			f.handle, err = r.Uint()
			f.hasHandle = true
		case 5:
			f.deliveryCount, err = r.Uint()
			f.hasDeliveryCount = true
		case 6:
			f.linkCredit, err = r.Uint()
			f.hasLinkCredit = true
		case 7:
			f.available, err = r.Uint()
		case 8:
			f.drain, err = r.Bool()
		case 9:
			f.echo, err = r.Bool()
		default:
			err = r.Skip()
		}
		return err
	})
	return f, err
}

func (d *detach) encode(w *encoding.Buffer) error {
	w.Descriptor(codeDetach)
	l := w.Fields()
	w.Uint(d.handle)
	l.Next()
	optBool(w, d.closed)
	l.Next()
	if err := writeError(w, d.err); err != nil {
		return err
	}
	l.Next()
	l.End()
	return nil
}

func decodeDetach(r *encoding.Reader) (*detach, error) {
	d := &detach{}
	err := fields(r, func(i int) (err error) {
		switch i {
		case 0:
			d.handle, err = r.Uint()
		case 1:
			d.closed, err = r.Bool()
		case 2:
			d.err, err = readError(r)
		default:
			err = r.Skip()
		}
		return err
	})
	return d, err
}
