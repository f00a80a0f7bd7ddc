package amqp

import (
	"math"
	"time"

	"github.com/honoctl/honoctl/internal/amqp/encoding"
)

// begin is the begin performative (part 2, 2.7.2).
type begin struct {
	remoteChannel    uint16
	hasRemoteChannel bool
	nextOutgoingID   uint32
	incomingWindow   uint32
	outgoingWindow   uint32
	handleMax        uint32
	offered, desired []string
	properties       map[string]any
}

// end and closeFrame are the end and close performatives; detach is in
// perf_link.go.
type (
	end        struct{ err *Error }
	closeFrame struct{ err *Error }
)

func (o *Open) encode(w *encoding.Buffer) error {
	w.Descriptor(codeOpen)
	l := w.Fields()
	w.String(o.ContainerID)
	l.Next()
	optString(w, o.Hostname)
	l.Next()
	w.Uint(o.MaxFrameSize)
	l.Next()
	w.Ushort(o.ChannelMax)
	l.Next()
	if o.IdleTimeout > 0 {
		w.Uint(uint32(o.IdleTimeout.Milliseconds()))
	} else {
		w.Null()
	}
	l.Next()
	for _, s := range [][]string{o.OutgoingLocales, o.IncomingLocales,
		o.OfferedCapabilities, o.DesiredCapabilities} {
		writeSymbols(w, s)
		l.Next()
	}
	if err := writeSymbolMap(w, o.Properties); err != nil {
		return err
	}
	l.Next()
	l.End()
	return nil
}

func decodeOpen(r *encoding.Reader) (*Open, error) {
	o := &Open{MaxFrameSize: math.MaxUint32, ChannelMax: math.MaxUint16}
	err := fields(r, func(i int) (err error) {
		switch i {
		case 0:
			o.ContainerID, err = r.String()
		case 1:
			o.Hostname, err = r.String()
		case 2:
			o.MaxFrameSize, err = r.Uint()
		case 3:
			o.ChannelMax, err = r.Ushort()
		case 4:
			var ms uint32
			ms, err = r.Uint()
			o.IdleTimeout = time.Duration(ms) * time.Millisecond
		case 5:
			o.OutgoingLocales, err = readSymbols(r)
		case 6:
			o.IncomingLocales, err = readSymbols(r)
		case 7:
			o.OfferedCapabilities, err = readSymbols(r)
		case 8:
			o.DesiredCapabilities, err = readSymbols(r)
		case 9:
			o.Properties, err = r.StringMap()
		default:
			err = r.Skip()
		}
		return err
	})
	return o, err
}

func (b *begin) encode(w *encoding.Buffer) error {
	w.Descriptor(codeBegin)
	l := w.Fields()
	if b.hasRemoteChannel {
		w.Ushort(b.remoteChannel)
	} else {
		w.Null()
	}
	l.Next()
	for _, v := range []uint32{b.nextOutgoingID, b.incomingWindow, b.outgoingWindow, b.handleMax} {
		w.Uint(v)
		l.Next()
	}
	writeSymbols(w, b.offered)
	l.Next()
	writeSymbols(w, b.desired)
	l.Next()
	if err := writeSymbolMap(w, b.properties); err != nil {
		return err
	}
	l.Next()
	l.End()
	return nil
}

func decodeBegin(r *encoding.Reader) (*begin, error) {
	b := &begin{handleMax: math.MaxUint32}
	err := fields(r, func(i int) (err error) {
		switch i {
		case 0:
			b.remoteChannel, err = r.Ushort()
			b.hasRemoteChannel = true
		case 1:
			b.nextOutgoingID, err = r.Uint()
		case 2:
			b.incomingWindow, err = r.Uint()
		case 3:
			b.outgoingWindow, err = r.Uint()
		case 4:
			b.handleMax, err = r.Uint()
		case 5:
			b.offered, err = readSymbols(r)
		case 6:
			b.desired, err = readSymbols(r)
		case 7:
			b.properties, err = r.StringMap()
		default:
			err = r.Skip()
		}
		return err
	})
	return b, err
}

// encodeErrorOnly writes end or close: a list holding one optional error.
func encodeErrorOnly(w *encoding.Buffer, code uint64, e *Error) error {
	w.Descriptor(code)
	l := w.Fields()
	if err := writeError(w, e); err != nil {
		return err
	}
	l.Next()
	l.End()
	return nil
}

func decodeErrorOnly(r *encoding.Reader) (*Error, error) {
	var e *Error
	err := fields(r, func(i int) (err error) {
		if i == 0 {
			e, err = readError(r)
			return err
		}
		return r.Skip()
	})
	return e, err
}

func (e *end) encode(w *encoding.Buffer) error        { return encodeErrorOnly(w, codeEnd, e.err) }
func (c *closeFrame) encode(w *encoding.Buffer) error { return encodeErrorOnly(w, codeClose, c.err) }
