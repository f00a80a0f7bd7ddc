package adapter

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/honoctl/honoctl/internal/amqp"
)

// capRegAssertion is the capability Hono Messaging offers on its receiver
// links when it checks registration assertions.
const capRegAssertion = "hono-reg-assertion"

// downstream implements Downstream over one AMQP connection, to Hono
// Messaging or straight to the Dispatch Router.
type downstream struct {
	peer   *peer
	nextID atomic.Uint64

	mu      sync.Mutex
	senders map[string]*downSender // by address, telemetry/<tenant>
}

type downSender struct {
	gen       uint64
	snd       *amqp.Sender
	assertion bool // the peer offered hono-reg-assertion
}

var (
	_ Downstream = (*downstream)(nil)
	_ Opener     = (*downstream)(nil)
)

// Open attaches the sender link for address.
func (d *downstream) Open(ctx context.Context, address string) error {
	_, err := d.sender(ctx, address)
	return err
}

func newDownstream(p *peer) *downstream {
	return &downstream{peer: p, senders: map[string]*downSender{}}
}

// Send forwards m on the sender link for its address.
func (d *downstream) Send(ctx context.Context, m *Message, wait bool) error {
	ds, err := d.sender(ctx, m.Address())
	if err != nil {
		return err
	}
	if !d.awaitCredit(ctx, ds.snd) {
		return fmt.Errorf("%s: %w", m.Address(), ErrNoCredit)
	}
	msg := d.encode(m, ds.assertion)
	if wait {
		err = ds.snd.Send(ctx, msg)
	} else {
		_, err = ds.snd.SendAsync(ctx, msg)
	}
	if err != nil {
		if ds.snd.Err() != nil {
			d.drop(m.Address(), ds)
		}
		return fmt.Errorf("%s: %w", m.Address(), sendError(err))
	}
	return nil
}

// awaitCredit gives a fresh link flowLatency (Hono's wait for the first
// credit) before the message is refused for want of credit, as Hono's
// adapters refuse it when no consumer is attached.
func (d *downstream) awaitCredit(ctx context.Context, snd *amqp.Sender) bool {
	deadline := time.Now().Add(max(time.Duration(d.peer.cfg.FlowLatency)*time.Millisecond, 20*time.Millisecond))
	for snd.Credit() == 0 {
		if time.Now().After(deadline) || !sleep(ctx, 5*time.Millisecond) {
			return false
		}
	}
	return true
}

// encode builds the AMQP message Hono's adapters send (newMessage and
// addProperties): Messaging gets reg_assertion and adds the annotations
// itself; the router gets the annotations from us.
func (d *downstream) encode(m *Message, assertion bool) *amqp.Message {
	props := map[string]any{"device_id": m.DeviceID, "orig_adapter": m.OrigAdapter, "orig_address": m.OrigAddress}
	for k, v := range m.Properties {
		if _, set := props[k]; !set {
			props[k] = v
		}
	}
	msg := &amqp.Message{
		Properties: &amqp.Properties{
			MessageID:    m.OrigAdapter + "-" + strconv.FormatUint(d.nextID.Add(1), 10),
			To:           m.Address(),
			ContentType:  m.ContentType,
			CreationTime: m.Created,
		},
		ApplicationProperties: props,
		Data:                  [][]byte{m.Payload},
	}
	if m.Endpoint == "event" {
		msg.Header = &amqp.Header{Durable: true}
	}
	if assertion {
		props["reg_assertion"] = m.Assertion
	} else {
		msg.Annotations = amqp.Annotations{"tenant_id": m.Tenant, "device_id": m.DeviceID,
			"resource": m.Endpoint + "/" + m.Tenant + "/" + m.DeviceID}
	}
	return msg
}

func (d *downstream) sender(ctx context.Context, address string) (*downSender, error) {
	sess, gen, err := d.peer.session()
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if ds := d.senders[address]; ds != nil && ds.gen == gen && ds.snd.Err() == nil {
		return ds, nil
	}
	snd, err := sess.NewSender(ctx, address, &amqp.SenderOptions{SettleMode: amqp.SenderUnsettled})
	if err != nil {
		return nil, fmt.Errorf("attach %s: %w", address, sendError(err))
	}
	ds := &downSender{gen: gen, snd: snd}
	if a := snd.RemoteAttach(); a != nil {
		ds.assertion = slices.Contains(a.OfferedCapabilities, capRegAssertion)
	}
	d.senders[address] = ds
	return ds, nil
}

func (d *downstream) drop(address string, ds *downSender) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.senders[address] == ds {
		delete(d.senders, address)
	}
}
