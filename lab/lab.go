package lab

import (
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/go-connections/nat"

	"github.com/honoctl/honoctl/orchestrator/engine"
)

// Options configure the TLS engine lab.
type Options struct {
	// Project is the stack's Compose project; the lab's containers and
	// volumes carry its label. Required.
	Project string
	// Network is the stack network to join; when empty or absent the lab
	// makes a network of its own, <project>_lab.
	Network string
	// Cert and Key are the PEM certificate chain and PKCS#8 key every
	// endpoint serves with, such as a stack service's. Required.
	Cert, Key string
	// Protocols is Hono's secureProtocols, comma separated. Default:
	// TLSv1.2, Hono 0.7's default.
	Protocols string
	// Endpoints to run. Default: DefaultEndpoints.
	Endpoints []EndpointSpec
	// Log gets narration (building the images); nil for none.
	Log io.Writer
}

// The endpoints of the TLS engine lab.
var (
	// JDK has an empty extensions volume: Hono's default, the JDK engine.
	JDK = EndpointSpec{Name: "lab-jdk"}
	// OpenSSL has Debian's tcnative in its extensions volume.
	OpenSSL = EndpointSpec{Name: "lab-openssl", Tcnative: true}
	// Required asks for OpenSSL with nativeTlsRequired and has no
	// tcnative: it must fail to start, as Hono's services do.
	Required = EndpointSpec{Name: "lab-required", NativeTLSRequired: true}
)

// DefaultEndpoints are JDK, OpenSSL and Required.
var DefaultEndpoints = []EndpointSpec{JDK, OpenSSL, Required}

// Lab is a running set of endpoints.
type Lab struct {
	e       *engine.Engine
	o       Options
	network string
	image   string

	Base      *Base
	Image     string
	Endpoints []*Endpoint
}

// Up builds the images when needed and starts the endpoints, after
// removing what an earlier lab of the project left.
func Up(ctx context.Context, e *engine.Engine, o Options) (*Lab, error) {
	if o.Project == "" || o.Cert == "" || o.Key == "" {
		return nil, fmt.Errorf("lab: a project, a certificate and a key are required")
	}
	var err error
	for _, p := range []*string{&o.Cert, &o.Key} {
		if *p, err = filepath.Abs(*p); err != nil {
			return nil, err
		}
	}
	if len(o.Endpoints) == 0 {
		o.Endpoints = DefaultEndpoints
	}
	l := &Lab{e: e, o: o}

	if l.Base, err = EnsureBase(ctx, e, o.Log); err != nil {
		return nil, err
	}
	if l.image, err = EnsureEndpointImage(ctx, e, l.Base); err != nil {
		return nil, err
	}
	l.Image = l.image
	if err := Down(ctx, e, o.Project); err != nil {
		return nil, err
	}
	if err := l.ensureNetwork(ctx); err != nil {
		return nil, err
	}
	for _, s := range o.Endpoints {
		ep, err := l.runEndpoint(ctx, s)
		if err != nil {
			return l, err
		}
		l.Endpoints = append(l.Endpoints, ep)
	}
	return l, nil
}

// Endpoint is the started endpoint named name, or nil.
func (l *Lab) Endpoint(name string) *Endpoint {
	for _, ep := range l.Endpoints {
		if ep.Spec.Name == name {
			return ep
		}
	}
	return nil
}

// Running finds the endpoints of the lab of project on the engine, with
// their published address and their log so far, in DefaultEndpoints order.
func Running(ctx context.Context, e *engine.Engine, project string) ([]*Endpoint, error) {
	l := &Lab{e: e, o: Options{Project: project}}
	var out []*Endpoint
	for _, s := range DefaultEndpoints {
		ins, err := e.Client().ContainerInspect(ctx, l.containerName(s.Name))
		if cerrdefs.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("endpoint %s: %w", s.Name, err)
		}
		ep := &Endpoint{Spec: s, ID: ins.ID, Exited: !ins.State.Running, ExitCode: ins.State.ExitCode}
		if ep.Log, err = l.logs(ctx, ins.ID); err != nil {
			return nil, fmt.Errorf("endpoint %s: %w", s.Name, err)
		}
		if b := ins.NetworkSettings.Ports[nat.Port(fmt.Sprintf("%d/tcp", Port))]; len(b) > 0 && !ep.Exited {
			ep.Addr = net.JoinHostPort(b[0].HostIP, b[0].HostPort)
		}
		out = append(out, ep)
	}
	return out, nil
}
