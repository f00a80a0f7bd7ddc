// Command hono-sim stands in for the services of an Eclipse Hono 0.7 stack
// (Auth Server, Device Registry, Hono Messaging, the Dispatch Router and the
// HTTP, MQTT and Kura adapters) on the wire: same ports, same TLS, same
// configuration files. It is one static binary; the first argument picks
// the role. It says in its first log line that it is a stand-in.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
