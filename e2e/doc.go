// Package e2e holds the end-to-end tests: the honoctl binary, built
// static, against the Docker engine of the machine, and the rendered files
// against Compose's own engine. They need Docker: without it they fail,
// and under go test -short they skip.
//
//	go test ./e2e/                 # everything
//	E2E_KEEP=1 go test ./e2e/      # keep a failed test's stack to look at
package e2e
