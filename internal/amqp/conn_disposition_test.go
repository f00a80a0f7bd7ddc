package amqp

import (
	"bufio"
	"bytes"
	"net"
	"reflect"
	"testing"
)

func TestDispositionsMerge(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	c := newConn(a, "pipe")
	settle := func(ch uint16, id uint32, state DeliveryState) {
		if err := c.queueDisposition(ch, &disposition{role: RoleReceiver, first: id, settled: true, state: state}); err != nil {
			t.Fatal(err)
		}
	}
	settle(0, 1, &Accepted{})
	settle(0, 2, &Accepted{})
	settle(0, 3, &Accepted{})
	settle(0, 5, &Accepted{})    // not consecutive: new frame
	settle(0, 6, &Rejected{})    // not accepted: new frame
	settle(0, 7, &Accepted{})    // after a rejection: new frame
	settle(1, 8, &Accepted{})    // other channel: new frame
	_ = c.queue(0, &flow{}, nil) // another frame ends the run
	settle(1, 9, &Accepted{})
	// first, last, hasLast of each frame; nil for the flow.
	want := []any{[3]any{uint32(1), uint32(3), true}, [3]any{uint32(5), uint32(0), false},
		[3]any{uint32(6), uint32(0), false}, [3]any{uint32(7), uint32(0), false},
		[3]any{uint32(8), uint32(0), false}, nil, [3]any{uint32(9), uint32(0), false}}
	br := bufio.NewReader(bytes.NewReader(c.wbuf.Bytes()))
	for i, w := range want {
		f, err := readFrame(br, 1<<16)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		d, ok := f.body.(*disposition)
		if w == nil {
			if ok {
				t.Errorf("frame %d: want the flow, got %+v", i, d)
			}
			continue
		}
		if got := [3]any{d.first, d.last, d.hasLast}; !ok || !reflect.DeepEqual(got, w) {
			t.Errorf("frame %d: got %+v, want first, last, hasLast %v", i, f.body, w)
		}
	}
	if br.Buffered() != 0 {
		t.Errorf("%d bytes left", br.Buffered())
	}
}
