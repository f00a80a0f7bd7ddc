package engine

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
)

// PortTakenError says that a host port a service publishes is in use.
type PortTakenError struct {
	Service string
	HostIP  string
	Port    int
	Proto   string
	// Holder is who holds the port when it could be told: a container or
	// a process; empty otherwise.
	Holder string
	Err    error
}

func (e *PortTakenError) Error() string {
	addr := net.JoinHostPort(e.HostIP, strconv.Itoa(e.Port))
	msg := fmt.Sprintf("host port %s/%s of service %s is taken", addr, e.Proto, e.Service)
	if e.Holder != "" {
		msg += " by " + e.Holder
	}
	return msg + "; free it, or render with --port-offset N (or --no-publish)"
}

func (e *PortTakenError) Unwrap() error { return e.Err }

// checkPorts tries to listen on every host port the services publish,
// before anything is created. Ports in freed (host port numbers held by
// containers this up replaces) are left alone.
func checkPorts(ctx context.Context, cli client.APIClient, services []types.ServiceConfig,
	freed map[int]bool) error {
	for _, s := range services {
		for _, pc := range s.Ports {
			port, err := strconv.Atoi(pc.Published)
			if err != nil || port == 0 || freed[port] {
				continue
			}
			proto := pc.Protocol
			if proto == "" {
				proto = "tcp"
			}
			if err := tryListen(proto, pc.HostIP, port); err != nil {
				return &PortTakenError{Service: s.Name, HostIP: pc.HostIP, Port: port, Proto: proto,
					Holder: holderOf(ctx, cli, port, proto), Err: err}
			}
		}
	}
	return nil
}

func tryListen(proto, ip string, port int) error {
	addr := net.JoinHostPort(ip, strconv.Itoa(port))
	if proto == "udp" {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return err
		}
		return c.Close()
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return l.Close()
}

// holderOf names who holds a port, best effort: a container that
// publishes it, else the process whose socket listens on it.
func holderOf(ctx context.Context, cli client.APIClient, port int, proto string) string {
	if cs, err := cli.ContainerList(ctx, container.ListOptions{}); err == nil {
		for _, c := range cs {
			for _, p := range c.Ports {
				if int(p.PublicPort) != port || p.Type != proto {
					continue
				}
				name := strings.TrimPrefix(firstOr(c.Names, c.ID[:12]), "/")
				if proj := c.Labels[LabelProject]; proj != "" {
					return fmt.Sprintf("container %s (compose project %s)", name, proj)
				}
				return "container " + name
			}
		}
	}
	if proto != "tcp" {
		return ""
	}
	return processListening(port)
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

// processListening reads /proc/net/tcp{,6} for a socket listening on
// port and /proc/*/fd for the process that has it open. Processes of other
// users stay unknown without privileges.
func processListening(port int) string {
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) < 10 || fields[3] != "0A" { // 0A: TCP_LISTEN
				continue
			}
			_, hexPort, _ := strings.Cut(fields[1], ":")
			if p, err := strconv.ParseInt(hexPort, 16, 32); err == nil && int(p) == port {
				inodes["socket:["+fields[9]+"]"] = true
			}
		}
	}
	if len(inodes) == 0 {
		return ""
	}
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range fds {
		link, err := os.Readlink(fd)
		if err != nil || !inodes[link] {
			continue
		}
		pid := strings.Split(fd, "/")[2]
		comm, _ := os.ReadFile(filepath.Join("/proc", pid, "comm"))
		return fmt.Sprintf("process %s (%s)", pid, strings.TrimSpace(string(comm)))
	}
	return ""
}
