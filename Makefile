# The README's two commands are `make demo` and `make test`; everything they
# need is set up from here.

GO        ?= go
BIN       := bin
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
# The e2e tests bring whole stacks up; give them room, but never forever.
TEST_TIMEOUT ?= 30m

export CGO_ENABLED := 0
# testcontainers' reaper image cannot be pulled on a machine without a
# registry; our tests remove what they create themselves.
export TESTCONTAINERS_RYUK_DISABLED := true

.PHONY: all build test unit e2e demo down bench lint render deps docker clean

all: build

## build: static binaries of honoctl and hono-sim into bin/
build:
	@mkdir -p $(BIN)
	$(GO) build -trimpath -o $(BIN)/ ./cmd/...

## deps: the Debian packages the tests use as real peers
deps:
	@scripts/install-deps.sh

## docker: fail with a clear message when the Docker engine is not reachable
docker: deps
	@scripts/require-docker.sh

## test: unit tests and end-to-end tests against the Docker engine
# The swarm test runs alone, first: docker swarm leave breaks name resolution on
# the bridge networks that are up meanwhile (moby/moby#45144), so it must not
# overlap other tests, and it stops at once, saying so, while other stacks run.
SWARM_TEST = ^TestSwarmStackDeploys$$

test: deps docker
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 10m -run '$(SWARM_TEST)' ./e2e/
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) -skip '$(SWARM_TEST)' ./...

## unit: the tests that need neither Docker nor the network
unit:
	$(GO) test -count=1 -short ./...

## demo: certificates, images, render, up and check, in one go
demo: build
	$(BIN)/honoctl demo

## down: stop the demo stack and remove its containers and network
down: build
	$(BIN)/honoctl down

## bench: benchmarks, each with its reference measured in the same run
bench: deps
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...

## lint: gofmt, go vet and staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then \
		echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## render: refresh the reference compose files in compose/
# The reference files come from the renderer itself, with no PKI needed and
# the upstream flavor binding the repository's extensions/.
render:
	go test ./orchestrator/render -run TestReferenceFiles -count=1 -update

clean:
	rm -rf $(BIN)
