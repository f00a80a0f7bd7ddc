package amqp

// dispositionRun remembers the last frame in the write buffer when it is
// a settled accepted disposition, so that the next one for the following
// delivery can extend its range instead of adding a frame. A receiver that
// accepts messages in order while the writer is busy thus sends one
// disposition for many deliveries (part 2, 2.7.6 first and last).
type dispositionRun struct {
	ok          bool
	off         int // where the frame starts in wbuf
	channel     uint16
	role        Role
	first, last uint32
}

// queueDisposition queues d, merging it into the previous disposition when
// both settle consecutive deliveries as accepted.
func (c *Conn) queueDisposition(channel uint16, d *disposition) error {
	_, accepted := d.state.(*Accepted)
	c.wmu.Lock()
	if c.wclosed {
		c.wmu.Unlock()
		return c.closedErr()
	}
	run := &c.drun
	mergeable := accepted && d.settled && !d.hasLast
	if mergeable && run.ok && run.channel == channel && run.role == d.role && d.first == run.last+1 {
		c.wbuf.Truncate(run.off)
		d = &disposition{role: d.role, first: run.first, last: d.first, hasLast: true,
			settled: true, state: d.state}
	} else {
		run.first = d.first
	}
	run.off = c.wbuf.Len()
	err := appendFrame(&c.wbuf, frameAMQP, channel, d, nil)
	run.ok = mergeable && err == nil
	run.channel, run.role = channel, d.role
	if d.hasLast {
		run.last = d.last
	} else {
		run.last = d.first
	}
	c.wmu.Unlock()
	c.signalWriter()
	return err
}
