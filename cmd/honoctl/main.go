// Command honoctl generates the demo PKI of an Eclipse Hono stack, renders and
// runs the stack with TLS on every link, and checks every TLS channel.
package main

import "os"

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}
