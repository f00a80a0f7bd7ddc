package adapter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/hono"
)

// registryClient implements Registry over the Device Registry's AMQP APIs
// (facts sheet section 4: request/response addresses and properties).
type registryClient struct {
	registration, credentials, tenant *requester
}

var _ Registry = (*registryClient)(nil)

// Credentials asks credentials/<tenant> for the hashed-password of authID.
func (r *registryClient) Credentials(ctx context.Context, tenant, authID string) (hono.Credential, error) {
	body := map[string]any{"type": hono.TypeHashedPassword, "auth-id": authID}
	payload, err := r.credentials.call(ctx, tenant, "get", nil, body)
	if err != nil {
		return hono.Credential{}, err
	}
	var raw map[string]any
	if err := json.Unmarshal(payload, &raw); err != nil {
		return hono.Credential{}, fmt.Errorf("credentials get: response body: %w", err)
	}
	return hono.ParseCredential(raw)
}

// Assert asks registration/<tenant> to assert the device's registration.
func (r *registryClient) Assert(ctx context.Context, tenant, device, gateway string) (*hono.Assertion, error) {
	props := map[string]any{"device_id": device}
	if gateway != "" {
		props["gateway_id"] = gateway
	}
	payload, err := r.registration.call(ctx, tenant, "assert", props, nil)
	if err != nil {
		return nil, err
	}
	var a hono.Assertion
	if err := json.Unmarshal(payload, &a); err != nil || a.Assertion == "" {
		return nil, fmt.Errorf("assert: response body has no assertion (%v)", err)
	}
	return &a, nil
}

// Tenant asks the tenant API for the tenant object.
func (r *registryClient) Tenant(ctx context.Context, tenant string) (hono.Tenant, error) {
	payload, err := r.tenant.call(ctx, "", "get", nil, map[string]any{"tenant-id": tenant})
	if err != nil {
		return hono.Tenant{}, err
	}
	var raw map[string]any
	if err := json.Unmarshal(payload, &raw); err != nil {
		return hono.Tenant{}, fmt.Errorf("tenant get: response body: %w", err)
	}
	return hono.ParseTenant(raw)
}

// requestTimeout bounds a registry round trip. Hono's requestTimeout
// default is 200 ms; hono-sim waits at least a second, so that a loaded CI
// machine does not turn into 503s.
func (q *requester) timeout() time.Duration {
	return max(time.Duration(q.peer.cfg.RequestTimeout)*time.Millisecond, time.Second)
}

// requester runs request/response exchanges with one registry API.
type requester struct {
	peer     *peer
	endpoint string // registration, credentials, tenant
	nextID   atomic.Uint64

	cache *responseCache

	mu    sync.Mutex
	links map[string]*replyLinks // by tenant ("" for the tenant API)
}

// replyLinks are the sender and reply receiver for one tenant, on one
// connection generation.
type replyLinks struct {
	gen     uint64
	snd     *amqp.Sender
	rcv     *amqp.Receiver
	replyTo string

	mu      sync.Mutex
	pending map[string]chan *amqp.Message
}

func newRequester(p *peer, endpoint string) *requester {
	return &requester{peer: p, endpoint: endpoint, links: map[string]*replyLinks{}, cache: newResponseCache(1000)}
}

// call sends one request and returns the payload of a 200 response; other
// statuses are a *StatusError.
func (q *requester) call(ctx context.Context, tenant, subject string, props, body map[string]any) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, q.timeout())
	defer cancel()
	op := q.endpoint + " " + subject
	keyJSON, _ := json.Marshal([]any{tenant, subject, props, body})
	key := string(keyJSON)
	if payload, ok := q.cache.get(key); ok {
		return payload, nil
	}
	rl, err := q.linksFor(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}

	id := q.endpoint + "-client-" + strconv.FormatUint(q.nextID.Add(1), 10)
	m := &amqp.Message{
		Properties:            &amqp.Properties{MessageID: id, Subject: subject, ReplyTo: rl.replyTo},
		ApplicationProperties: props,
	}
	if body != nil {
		// Hono's client sends the JSON as AmqpValue(binary).
		b, _ := json.Marshal(body)
		m.Value, m.HasValue = b, true
		m.Properties.ContentType = "application/json"
	}
	reply := make(chan *amqp.Message, 1)
	rl.mu.Lock()
	rl.pending[id] = reply
	rl.mu.Unlock()
	defer func() {
		rl.mu.Lock()
		delete(rl.pending, id)
		rl.mu.Unlock()
	}()

	if err := rl.snd.Send(ctx, m); err != nil {
		q.drop(tenant, rl)
		return nil, fmt.Errorf("%s: %w", op, sendError(err))
	}
	select {
	case resp := <-reply:
		payload, err := responsePayload(op, resp)
		if err == nil {
			cc, _ := resp.ApplicationProperties["cache_control"].(string)
			q.cache.put(key, payload, cc)
		}
		return payload, err
	case <-rl.rcv.Done():
		q.drop(tenant, rl)
		return nil, fmt.Errorf("%s: reply link closed: %w", op, ErrUnavailable)
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: no response within %v: %w", op, q.timeout(), ErrUnavailable)
	}
}

// linksFor returns the links for tenant, attaching them on first use: the
// reply receiver first, as Hono requires.
func (q *requester) linksFor(ctx context.Context, tenant string) (*replyLinks, error) {
	sess, gen, err := q.peer.session()
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if rl := q.links[tenant]; rl != nil && rl.gen == gen {
		return rl, nil
	}

	target := q.endpoint
	if tenant != "" {
		target += "/" + tenant
	}
	replyTo := target + "/" + containerID("reply")
	rcv, err := sess.NewReceiver(ctx, replyTo, nil)
	if err != nil {
		return nil, fmt.Errorf("attach reply link %s: %w", replyTo, err)
	}
	snd, err := sess.NewSender(ctx, target, &amqp.SenderOptions{SettleMode: amqp.SenderUnsettled})
	if err != nil {
		rcv.Close(ctx)
		return nil, fmt.Errorf("attach request link %s: %w", target, err)
	}
	rl := &replyLinks{gen: gen, snd: snd, rcv: rcv, replyTo: replyTo, pending: map[string]chan *amqp.Message{}}
	go rl.dispatch()
	q.links[tenant] = rl
	return rl, nil
}

func (q *requester) drop(tenant string, rl *replyLinks) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.links[tenant] == rl {
		delete(q.links, tenant)
	}
}

// dispatch hands each response to the request it correlates with.
func (rl *replyLinks) dispatch() {
	for {
		d, err := rl.rcv.Receive(context.Background())
		if err != nil {
			return
		}
		d.Accept() //nolint:errcheck // the link is going away if this fails
		var corr string
		if p := d.Message.Properties; p != nil {
			corr = fmt.Sprint(p.CorrelationID)
		}
		rl.mu.Lock()
		ch := rl.pending[corr]
		rl.mu.Unlock()
		if ch != nil {
			ch <- d.Message
		}
	}
}

// responsePayload reads status and body of a registry response.
func responsePayload(op string, m *amqp.Message) ([]byte, error) {
	st, ok := asInt(m.ApplicationProperties["status"])
	if !ok {
		return nil, fmt.Errorf("%s: response without status", op)
	}
	if st != 200 {
		return nil, &StatusError{Op: op, Status: st}
	}
	switch v := m.Value.(type) {
	case string:
		return []byte(v), nil
	case []byte:
		return v, nil
	}
	if len(m.Data) > 0 {
		return m.Data[0], nil
	}
	return nil, fmt.Errorf("%s: response without a body", op)
}

func asInt(v any) (int, bool) {
	switch n := v.(type) {
	case int32:
		return int(n), true
	case int64:
		return int(n), true
	case int:
		return n, true
	case uint32:
		return int(n), true
	case int16:
		return int(n), true
	}
	return 0, false
}

// sendError classifies a failed send: a rejection, or the link or
// connection being gone.
func sendError(err error) error {
	var de *amqp.DeliveryError
	if errors.As(err, &de) {
		if _, ok := de.State.(*amqp.Rejected); ok {
			return &RejectedError{Cause: err}
		}
	}
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}
