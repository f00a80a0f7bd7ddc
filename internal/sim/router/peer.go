package router

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/honoctl/honoctl/internal/amqp"
	"github.com/honoctl/honoctl/internal/sim/auth"
	"github.com/honoctl/honoctl/internal/sim/hono"
)

// peer is an authenticated connection's user.
type peer struct {
	user string
	// authz is what the Auth Server allows the user; nil when the peer
	// authenticated without the plugin (EXTERNAL, ANONYMOUS).
	authz *auth.AddressAuthz
}

// authenticator decides SASL on a listener: PLAIN through the Auth Server,
// EXTERNAL by the client certificate's uidFormat fields.
func (r *Router) authenticator(l *listener) amqp.Authenticator {
	return func(ctx context.Context, req *amqp.SASLRequest) (any, error) {
		switch req.Mechanism {
		case amqp.MechPlain:
			a, err := l.plugin.Authorize(ctx, req.AuthzID, req.AuthcID, req.Password)
			if err != nil {
				r.log.Info("authentication failed", "port", int(l.spec.Port), "remote", addrString(req.RemoteAddr),
					"mechanism", req.Mechanism, "user", req.AuthcID, "auth_server", l.plugin.Addr(), "err", err)
				if auth.Refused(err) {
					return nil, &amqp.SASLError{Code: amqp.SASLAuth, Err: err}
				}
				return nil, &amqp.SASLError{Code: amqp.SASLSysTemp, Err: err}
			}
			return &peer{user: a.Identity, authz: a}, nil
		case amqp.MechExternal:
			if len(req.PeerCertificates) == 0 {
				return nil, &amqp.SASLError{Code: amqp.SASLAuth, Err: errors.New("EXTERNAL without a client certificate")}
			}
			uid, err := hono.PeerUID(req.PeerCertificates[0], l.uid)
			if err != nil {
				return nil, &amqp.SASLError{Code: amqp.SASLSys, Err: err}
			}
			return &peer{user: uid}, nil
		case amqp.MechAnonymous:
			return &peer{user: "anonymous"}, nil
		}
		return nil, &amqp.SASLError{Code: amqp.SASLAuth, Err: fmt.Errorf("mechanism %s not offered", req.Mechanism)}
	}
}

// open admits a connection by the vhost policy.
func (r *Router) open(ctx context.Context, req *amqp.OpenRequest) error {
	p, _ := req.Conn.Identity().(*peer)
	if p == nil {
		p = &peer{user: "anonymous"}
	}
	host := ""
	if a := req.Conn.RemoteAddr(); a != nil {
		host, _, _ = net.SplitHostPort(a.String())
	}
	adm, err := r.policy.Admit(req.Remote.Hostname, p.user, host)
	if err != nil {
		r.log.Info("connection refused by policy", "user", p.user, "hostname", req.Remote.Hostname,
			"remote", addrString(req.Conn.RemoteAddr()), "err", err)
		return &amqp.Error{Condition: hono.PolicyDeniedCondition, Description: hono.PolicyDeniedConnection}
	}
	r.mu.Lock()
	r.admissions[req.Conn] = adm
	r.mu.Unlock()
	conn := req.Conn
	go func() {
		<-conn.Done()
		adm.Release()
		r.mu.Lock()
		delete(r.admissions, conn)
		r.mu.Unlock()
	}()
	vhost := ""
	if adm.Vhost != nil {
		vhost = adm.Vhost.Hostname
	}
	r.log.Debug("connection admitted", "user", p.user, "vhost", vhost, "remote", addrString(conn.RemoteAddr()))
	return nil
}

func (r *Router) admission(c *amqp.Conn) *hono.Admission {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.admissions[c]
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}
