package registry

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/hono"
)

// Application properties of the registry API (MessageHelper).
const (
	propDeviceID     = "device_id"
	propGatewayID    = "gateway_id"
	propTenantID     = "tenant_id"
	propStatus       = "status"
	propCacheControl = "cache_control"
	annotAppCorrID   = "x-opt-app-correlation-id"
	contentTypeJSON  = "application/json"
)

// request is a formally valid request.
type request struct {
	subject       string
	replyTo       string
	correlationID any
	appCorrID     bool
	tenant        string
	deviceID      string
	gatewayID     string
	body          map[string]any
}

// parseRequest does Hono's formal checks: a message-id or correlation-id,
// a subject, a reply-to, and what each API needs.
func parseRequest(target hono.Resource, msg *amqp.Message) (*request, error) {
	p := msg.Properties
	if p == nil {
		return nil, errors.New("no properties")
	}
	req := &request{subject: p.Subject, replyTo: p.ReplyTo, correlationID: p.CorrelationID, tenant: target.Tenant()}
	if req.correlationID == nil {
		req.correlationID = p.MessageID
	}
	switch {
	case req.correlationID == nil:
		return nil, errors.New("neither message-id nor correlation-id")
	case req.subject == "":
		return nil, errors.New("no subject")
	case req.replyTo == "":
		return nil, errors.New("no reply-to")
	}
	if v, ok := msg.Annotations[annotAppCorrID].(bool); ok {
		req.appCorrID = v
	}
	req.deviceID, _ = msg.ApplicationProperties[propDeviceID].(string)
	if target.Endpoint() == EndpointTenant {
		// The tenant API's link has no tenant; a request may name one.
		req.tenant, _ = msg.ApplicationProperties[propTenantID].(string)
	}
	req.gatewayID, _ = msg.ApplicationProperties[propGatewayID].(string)

	switch target.Endpoint() {
	case EndpointRegistration:
		if target.Tenant() == "" || req.deviceID == "" {
			return nil, errors.New("registration request needs a tenant and device_id")
		}
		// "register" and "update" carry the device's data, if any.
		if msg.HasValue || len(msg.Data) > 0 {
			body, err := jsonBody(msg)
			if err != nil {
				return nil, err
			}
			req.body = body
		}
	case EndpointCredentials:
		if target.Tenant() == "" {
			return nil, errors.New("credentials request needs a tenant")
		}
		body, err := jsonBody(msg)
		if err != nil {
			return nil, err
		}
		req.body = body
	case EndpointTenant:
		if msg.HasValue || len(msg.Data) > 0 {
			body, err := jsonBody(msg)
			if err != nil {
				return nil, err
			}
			req.body = body
		}
	}
	return req, nil
}

// jsonBody decodes an amqp-value body holding JSON as binary (the Hono
// client's form) or as a string. Credentials requests must have one.
func jsonBody(msg *amqp.Message) (map[string]any, error) {
	var raw []byte
	switch v := msg.Value.(type) {
	case []byte:
		raw = v
	case string:
		raw = []byte(v)
	default:
		return nil, fmt.Errorf("body must be an amqp-value with JSON, got %T", msg.Value)
	}
	if !msg.HasValue {
		return nil, errors.New("body must be an amqp-value")
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	return m, nil
}

// response is an API result (EventBusMessage).
type response struct {
	status   int
	tenant   string
	deviceID string
	cache    string
	payload  any
}

// process answers a request to endpoint from the stores.
func (s *Server) process(endpoint string, req *request) (*response, error) {
	switch endpoint + ":" + req.subject {
	case EndpointRegistration + ":assert":
		return s.assert(req)
	case EndpointRegistration + ":get":
		return s.getDevice(req), nil
	case EndpointRegistration + ":register":
		// NOTE: unlike REST, Hono's AMQP endpoint keeps a "device-id" of the
		// body in the stored data.
		return s.changed(req, s.registerDevice(req.tenant, req.deviceID, req.body)), nil
	case EndpointRegistration + ":update":
		return s.changed(req, s.updateDevice(req.tenant, req.deviceID, req.body)), nil
	case EndpointRegistration + ":deregister":
		return s.changed(req, s.deregisterDevice(req.tenant, req.deviceID)), nil
	case EndpointCredentials + ":get":
		return s.getCredentials(req)
	case EndpointTenant + ":get":
		return s.getTenant(req)
	}
	// TODO: the credentials API's add, update, remove and the tenant API's
	// add, update, remove over AMQP: only REST changes credentials and
	// tenants so far (change.go); these answer 501 rather than pretend,
	// until each is wired to those changes and tested.
	return &response{status: hono.StatusNotImplemented, tenant: req.tenant, deviceID: req.deviceID}, nil
}

// changed is the response to a change: its status, no payload
// (BaseRegistrationService's register, update, deregister).
func (s *Server) changed(req *request, status int) *response {
	return &response{status: status, tenant: req.tenant, deviceID: req.deviceID}
}

func (s *Server) assert(req *request) (*response, error) {
	status, a, err := s.store.devices.Assert(s.store.key, s.store.lifetime, req.tenant, req.deviceID, req.gatewayID, time.Now())
	if err != nil {
		return nil, err
	}
	resp := &response{status: status, tenant: req.tenant, deviceID: req.deviceID}
	if a != nil {
		resp.payload = a
		resp.cache = hono.CacheMaxAge(s.store.lifetime)
	}
	return resp, nil
}

func (s *Server) getDevice(req *request) *response {
	resp := &response{status: hono.StatusNotFound, tenant: req.tenant, deviceID: req.deviceID}
	if d, ok := s.store.devices.Get(req.tenant, req.deviceID); ok {
		resp.status = hono.StatusOK
		resp.payload = map[string]any{"device-id": d.ID, "data": d.Data}
	}
	return resp
}

func (s *Server) getCredentials(req *request) (*response, error) {
	typ, _ := req.body["type"].(string)
	authID, _ := req.body["auth-id"].(string)
	resp := &response{tenant: req.tenant}
	if typ == "" || authID == "" {
		resp.status = hono.StatusBadRequest
		return resp, nil
	}
	// Every other field of the body is the client context to match.
	ctx := map[string]any{}
	for k, v := range req.body {
		if k != "type" && k != "auth-id" {
			ctx[k] = v
		}
	}
	c, ok := s.store.credentials.Get(req.tenant, typ, authID, ctx)
	if !ok {
		resp.status = hono.StatusNotFound
		return resp, nil
	}
	resp.status, resp.deviceID, resp.payload, resp.cache = hono.StatusOK, c.DeviceID, c.Raw, hono.CacheNoCache
	return resp, nil
}

func (s *Server) getTenant(req *request) (*response, error) {
	id, _ := req.body["tenant-id"].(string)
	if id == "" {
		id = req.tenant
	}
	dn, _ := req.body["subject-dn"].(string)
	var t hono.Tenant
	var ok bool
	switch {
	case id != "":
		t, ok = s.store.tenants.Get(id)
	case dn != "":
		t, ok = s.store.tenants.BySubjectDN(dn)
	default:
		return &response{status: hono.StatusBadRequest}, nil
	}
	if !ok {
		return &response{status: hono.StatusNotFound, tenant: id}, nil
	}
	return &response{status: hono.StatusOK, tenant: t.ID, payload: t.JSON(), cache: hono.CacheMaxAge(hono.TenantCacheAge)}, nil
}

// message builds the AMQP response (RequestResponseApiConstants.getAmqpReply).
func (r *response) message(endpoint string, req *request) (*amqp.Message, error) {
	to := hono.Resource{Path: []string{endpoint}}
	for _, seg := range []string{r.tenant, r.deviceID} {
		if seg == "" {
			break
		}
		to.Path = append(to.Path, seg)
	}
	m := &amqp.Message{
		Properties: &amqp.Properties{MessageID: newUUID(), CorrelationID: req.correlationID, To: to.String()},
		ApplicationProperties: map[string]any{
			propTenantID: r.tenant,
			propStatus:   int32(r.status),
		},
	}
	if r.deviceID != "" {
		m.ApplicationProperties[propDeviceID] = r.deviceID
	}
	if r.cache != "" {
		m.ApplicationProperties[propCacheControl] = r.cache
	}
	if req.appCorrID {
		m.Annotations = amqp.Annotations{annotAppCorrID: true}
	}
	if r.payload != nil {
		b, err := json.Marshal(r.payload)
		if err != nil {
			return nil, err
		}
		m.Properties.ContentType = contentTypeJSON
		m.Value, m.HasValue = string(b), true
	}
	return m, nil
}

// newUUID is a random (version 4) UUID in its string form, as Hono's
// UUID.randomUUID().toString().
func newUUID() string {
	var u amqp.UUID
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u.String()
}
