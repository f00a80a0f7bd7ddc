package amqp

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/honoctl/honoctl/internal/amqp/encoding"
)

// Frame types (part 2, 2.3).
const (
	frameAMQP = 0x00
	frameSASL = 0x01
)

// minMaxFrameSize is the smallest max-frame-size a peer may announce
// (part 2, 2.7.1: 512, MIN-MAX-FRAME-SIZE).
const minMaxFrameSize = 512

// frame is one decoded frame: its channel and body (a performative, a SASL
// frame, or nil for an empty heartbeat frame).
type frame struct {
	typ     byte
	channel uint16
	body    any
}

// FrameError is a frame that broke the framing rules; its Condition is the
// error the connection is closed with.
type frameError struct {
	cond Condition
	msg  string
}

func (e *frameError) Error() string { return e.msg }

// readFrame reads one frame of at most maxSize bytes. The body gets its own
// buffer, so decoded strings and binaries can share it (encoding.Reader.Alias).
func readFrame(br *bufio.Reader, maxSize uint32) (frame, error) {
	return readFrameInto(br, maxSize, nil)
}

// readFrameInto is readFrame decoding a transfer into scratch, when set:
// the reader goroutine reuses one, as nothing keeps a transfer after its
// dispatch (the payload and tag live in the frame's own buffer).
func readFrameInto(br *bufio.Reader, maxSize uint32, scratch *transfer) (frame, error) {
	hdr, err := br.Peek(8)
	if err != nil {
		if err == io.EOF && len(hdr) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return frame{}, err
	}
	_, _ = br.Discard(8)
	size := binary.BigEndian.Uint32(hdr[0:4])
	doff := uint32(hdr[4])
	f := frame{typ: hdr[5], channel: binary.BigEndian.Uint16(hdr[6:8])}
	switch {
	case size < 8 || doff < 2 || doff*4 > size:
		return f, &frameError{ErrFramingError, fmt.Sprintf("malformed frame header % x", hdr)}
	case f.typ != frameAMQP && f.typ != frameSASL:
		return f, &frameError{ErrFramingError, fmt.Sprintf("frame of unknown type %d", f.typ)}
	case size > maxSize:
		return f, &frameError{ErrFramingError,
			fmt.Sprintf("frame of %d bytes exceeds max-frame-size %d", size, maxSize)}
	}
	buf := make([]byte, size-8)
	if _, err := io.ReadFull(br, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return f, err
	}
	body := buf[doff*4-8:]
	if len(body) == 0 {
		return f, nil // heartbeat
	}
	f.body, err = decodeBody(f.typ, body, scratch)
	if err != nil {
		return f, &frameError{ErrDecodeError, err.Error()}
	}
	return f, nil
}

// decodeBody decodes a frame body: a performative or a SASL frame.
func decodeBody(typ byte, body []byte, scratch *transfer) (any, error) {
	var rd encoding.Reader
	rd.Reset(body)
	rd.Alias = true
	r := &rd
	code, name, err := r.Descriptor()
	if err != nil {
		return nil, fmt.Errorf("frame body: %w", err)
	}
	if name != "" {
		return nil, fmt.Errorf("unknown frame body %s", name)
	}
	if (typ == frameSASL) != (code >= codeSASLMechanisms && code <= codeSASLOutcome) {
		return nil, fmt.Errorf("frame body 0x%x in a frame of type %d", code, typ)
	}
	v, err := decodePerformative(code, r, scratch)
	if err != nil {
		return nil, fmt.Errorf("%s frame: %w", frameName(code), err)
	}
	if _, ok := v.(*transfer); !ok && r.Len() > 0 {
		return nil, fmt.Errorf("%s frame: %d bytes after the performative", frameName(code), r.Len())
	}
	return v, nil
}

func decodePerformative(code uint64, r *encoding.Reader, scratch *transfer) (any, error) {
	switch code {
	case codeOpen:
		return decodeOpen(r)
	case codeBegin:
		return decodeBegin(r)
	case codeAttach:
		return decodeAttach(r)
	case codeFlow:
		return decodeFlow(r)
	case codeTransfer:
		return decodeTransfer(r, scratch)
	case codeDisposition:
		return decodeDisposition(r)
	case codeDetach:
		return decodeDetach(r)
	case codeEnd:
		e, err := decodeErrorOnly(r)
		return &end{err: e}, err
	case codeClose:
		e, err := decodeErrorOnly(r)
		return &closeFrame{err: e}, err
	}
	return decodeSASLFrame(code, r)
}

func frameName(code uint64) string {
	names := map[uint64]string{codeOpen: "open", codeBegin: "begin", codeAttach: "attach",
		codeFlow: "flow", codeTransfer: "transfer", codeDisposition: "disposition",
		codeDetach: "detach", codeEnd: "end", codeClose: "close",
		codeSASLMechanisms: "sasl-mechanisms", codeSASLInit: "sasl-init",
		codeSASLChallenge: "sasl-challenge", codeSASLResponse: "sasl-response",
		codeSASLOutcome: "sasl-outcome"}
	if n, ok := names[code]; ok {
		return n
	}
	return fmt.Sprintf("0x%x", code)
}

// encoder is a performative or SASL frame that can write itself.
type encoder interface {
	encode(w *encoding.Buffer) error
}

// appendFrame writes a whole frame: header, body and, for a transfer, the
// payload. It returns an error only for values that cannot be encoded.
func appendFrame(w *encoding.Buffer, typ byte, channel uint16, body encoder, payload []byte) error {
	start := w.Len()
	w.Write([]byte{0, 0, 0, 0, 2, typ, byte(channel >> 8), byte(channel)})
	if body != nil {
		if err := body.encode(w); err != nil {
			w.Truncate(start)
			return err
		}
	}
	w.Write(payload)
	w.PutUint32At(start, uint32(w.Len()-start))
	return nil
}
