package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"

	"github.com/honoctl/honoctl/internal/sim/adapter"
	"github.com/honoctl/honoctl/internal/sim/auth"
	"github.com/honoctl/honoctl/internal/sim/config"
	"github.com/honoctl/honoctl/internal/sim/health"
	"github.com/honoctl/honoctl/internal/sim/messaging"
	"github.com/honoctl/honoctl/internal/sim/registry"
	"github.com/honoctl/honoctl/internal/sim/router"
	"github.com/honoctl/honoctl/orchestrator/topology"
)

// role is one service hono-sim can play.
type role struct {
	// service names the Hono 0.7 service and image stood in for.
	service string
	// start runs the role until ctx ends; args follow the role's name.
	start func(ctx context.Context, args []string, log *slog.Logger) error
}

// Hono runs a role configured like a Hono 0.7 service: the configuration
// loaded, its warnings logged, and the health server started on
// hono.app.healthCheckPort before run is called.
//
// Roles with a Hono YAML file implement this signature.
type Hono func(ctx context.Context, cfg *config.Service, status *health.Status, log *slog.Logger) error

// roles is the dispatch table, by the name given as first argument
// (topology.Role values).
var roles = map[string]role{
	string(topology.RoleHTTPAdapter): {
		service: "Hono HTTP adapter (eclipse/hono-adapter-http-vertx:0.7)",
		start:   honoRole(topology.RoleHTTPAdapter, adapter.RunHTTP),
	},
	string(topology.RoleMQTTAdapter): {
		service: "Hono MQTT adapter (eclipse/hono-adapter-mqtt-vertx:0.7)",
		start:   honoRole(topology.RoleMQTTAdapter, adapter.RunMQTT),
	},
	string(topology.RoleKuraAdapter): {
		service: "Hono Kura adapter (eclipse/hono-adapter-kura:0.7)",
		start:   honoRole(topology.RoleKuraAdapter, adapter.RunKura),
	},
	string(topology.RoleAuth): {
		service: "Hono Auth Server (eclipse/hono-service-auth:0.7)",
		start:   honoRole(topology.RoleAuth, auth.Run),
	},
	string(topology.RoleRegistry): {
		service: "Hono Device Registry (eclipse/hono-service-device-registry:0.7)",
		start:   honoRole(topology.RoleRegistry, registry.Run),
	},
	string(topology.RoleMessaging): {
		service: "Hono Messaging (eclipse/hono-service-messaging:0.7)",
		start:   honoRole(topology.RoleMessaging, messaging.Run),
	},
	string(topology.RoleRouter): {
		service: "Qpid Dispatch Router (enmasseproject/qdrouterd-base:1.1.0)",
		start:   routerRole(router.Run),
	},
}

// honoRole wraps run with the configuration and health plumbing of r.
func honoRole(r topology.Role, run Hono) func(context.Context, []string, *slog.Logger) error {
	return func(ctx context.Context, args []string, log *slog.Logger) error {
		cfg, err := config.Load(r, config.FromEnvironment(args))
		if err != nil {
			return configError{err}
		}
		log.Info("configuration", "files", describe(cfg.Files))
		for _, w := range cfg.Warnings {
			log.Warn(w)
		}
		status := health.NewStatus()
		if cfg.App.HealthCheckPort > 0 {
			srv, err := health.Listen(cfg.App.HealthCheckBindAddress, cfg.App.HealthCheckPort, status)
			if err != nil {
				return err
			}
			defer srv.Close()
			log.Info("health check server listening", "address", srv.Addr().String(),
				"paths", "/liveness /readiness")
		} else {
			log.Warn("hono.app.healthCheckPort is not set: no health check server, as in Hono")
		}
		return run(ctx, cfg, status, log)
	}
}

// RouterRole runs the Dispatch Router stand-in from its qdrouterd.json.
type RouterRole func(ctx context.Context, cfg *config.Router, status *health.Status, log *slog.Logger) error

// routerRole reads "-c FILE" like qdrouterd, and serves health on
// 0.0.0.0:8088: qdrouterd has no health endpoint, the compose health check
// asks hono-sim's. HONO_APP_HEALTH_CHECK_PORT and
// HONO_APP_HEALTH_CHECK_BIND_ADDRESS move it, as for the other roles (a
// hono-sim extension: qdrouterd reads no environment).
func routerRole(run RouterRole) func(context.Context, []string, *slog.Logger) error {
	return func(ctx context.Context, args []string, log *slog.Logger) error {
		path := "/etc/qpid-dispatch/qdrouterd.json"
		switch {
		case len(args) == 2 && (args[0] == "-c" || args[0] == "--config"):
			path = args[1]
		case len(args) != 0:
			return configError{fmt.Errorf("router arguments %q: want -c FILE", args)}
		}
		cfg, err := config.LoadRouter(path)
		if err != nil {
			return configError{err}
		}
		log.Info("configuration", "files", path)
		for _, w := range cfg.Warnings {
			log.Warn(w)
		}
		bind, port, err := routerHealth(os.Getenv)
		if err != nil {
			return configError{err}
		}
		status := health.NewStatus()
		srv, err := health.Listen(bind, port, status)
		if err != nil {
			return err
		}
		defer srv.Close()
		log.Info("health check server listening", "address", srv.Addr().String(), "paths", "/liveness /readiness")
		return run(ctx, cfg, status, log)
	}
}

// routerHealth is the router's health server address.
func routerHealth(getenv func(string) string) (bind string, port int, err error) {
	bind, port = "0.0.0.0", topology.HealthPort.Container
	if v := getenv("HONO_APP_HEALTH_CHECK_BIND_ADDRESS"); v != "" {
		bind = v
	}
	if v := getenv("HONO_APP_HEALTH_CHECK_PORT"); v != "" {
		if port, err = strconv.Atoi(v); err != nil || port <= 0 || port > 65535 {
			return "", 0, fmt.Errorf("HONO_APP_HEALTH_CHECK_PORT=%q: want a port number", v)
		}
	}
	return bind, port, nil
}
