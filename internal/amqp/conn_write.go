package amqp

import (
	"fmt"
	"time"

	"github.com/honoctl/honoctl/internal/amqp/encoding"
)

// maxPending is how many encoded bytes may wait for the writer before
// senders hold back; it keeps a fast sender from growing the buffer
// without bound when the socket is slow.
const maxPending = 1 << 20

// queue encodes a frame into the write buffer; the writer goroutine sends
// it with whatever else is queued. It never blocks on the network.
func (c *Conn) queue(channel uint16, body encoder, payload []byte) error {
	c.wmu.Lock()
	if c.wclosed {
		c.wmu.Unlock()
		return c.closedErr()
	}
	err := appendFrame(&c.wbuf, frameAMQP, channel, body, payload)
	c.drun.ok = false
	c.wmu.Unlock()
	c.signalWriter()
	return err
}

func (c *Conn) signalWriter() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// closedErr is the error of an operation on a connection that has ended.
func (c *Conn) closedErr() error {
	if err := c.Err(); err != nil {
		return err
	}
	return &ConnError{Stage: StageConn, Addr: c.addr, Err: ErrConnClosed}
}

// pending is the number of bytes waiting for the writer.
func (c *Conn) pending() int {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.wbuf.Len()
}

// writeLoop writes queued frames in batches, one socket write per batch,
// and sends an empty frame whenever nothing was written for a third of
// the peer's idle timeout: part 2, 2.4.5 suggests half, and the margin
// absorbs a loaded machine's scheduling delays.
func (c *Conn) writeLoop() {
	defer close(c.wdone)
	var out encoding.Buffer
	var tick <-chan time.Time
	beat := c.remote.IdleTimeout / 3
	if beat > 0 {
		ticker := time.NewTicker(beat / 4)
		defer ticker.Stop()
		tick = ticker.C
	}
	last := time.Now()
	for {
		select {
		case <-c.wake:
		case now := <-tick:
			if now.Sub(last) < beat {
				continue
			}
			c.wmu.Lock()
			if c.wbuf.Len() == 0 {
				_ = appendFrame(&c.wbuf, frameAMQP, 0, nil, nil)
				c.drun.ok = false
			}
			c.wmu.Unlock()
		}
		c.wmu.Lock()
		c.wbuf, out = out, c.wbuf
		c.drun.ok = false
		closed := c.wclosed
		c.wmu.Unlock()
		if out.Len() > 0 {
			if closed {
				_ = c.nc.SetWriteDeadline(time.Now().Add(closeTimeout))
			}
			if _, err := c.nc.Write(out.Bytes()); err != nil {
				go c.shutdown(&ConnError{Stage: StageConn, Addr: c.addr, Err: err})
				return
			}
			last = time.Now()
			out.Reset()
			signal(c.drained)
		}
		if closed {
			return
		}
	}
}

// queueTransfer queues one transfer frame carrying as much of payload as
// the peer's max-frame-size allows, and returns the rest. The more flag is
// set when a rest remains.
func (c *Conn) queueTransfer(channel uint16, t *transfer, payload []byte) ([]byte, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.wclosed {
		return nil, c.closedErr()
	}
	w := &c.wbuf
	c.drun.ok = false
	start := w.Len()
	if err := appendFrame(w, frameAMQP, channel, t, nil); err != nil {
		return nil, err
	}
	room := int(c.maxFrameOut) - (w.Len() - start)
	if len(payload) > room {
		w.Truncate(start)
		t.more = true
		if err := appendFrame(w, frameAMQP, channel, t, nil); err != nil {
			return nil, err
		}
		room = int(c.maxFrameOut) - (w.Len() - start)
	}
	if room <= 0 {
		w.Truncate(start)
		return nil, fmt.Errorf("peer's max-frame-size %d leaves no room for a transfer", c.maxFrameOut)
	}
	n := min(room, len(payload))
	w.Write(payload[:n])
	w.PutUint32At(start, uint32(w.Len()-start))
	c.signalWriter()
	return payload[n:], nil
}
