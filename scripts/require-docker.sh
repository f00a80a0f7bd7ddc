#!/usr/bin/env bash
# Fails with a clear message when the Docker engine the end-to-end tests need
# is not reachable. The tests would fail too; this says why before they start.
set -uo pipefail

host=${DOCKER_HOST:-unix:///var/run/docker.sock}
case "$host" in
  unix://*)
    sock=${host#unix://}
    if out=$(curl -sS --max-time 5 --unix-socket "$sock" http://localhost/_ping 2>&1) && [ "$out" = OK ]; then
      exit 0
    fi ;;
  tcp://*)
    if out=$(curl -sS --max-time 5 "http://${host#tcp://}/_ping" 2>&1) && [ "$out" = OK ]; then
      exit 0
    fi ;;
  *) out="DOCKER_HOST scheme not understood" ;;
esac
cat >&2 <<MSG
make test: the Docker engine is not reachable at $host ($out).
The end-to-end tests bring whole stacks up and are never skipped: start Docker
(for example: sudo systemctl start docker) or point DOCKER_HOST at a running
engine, then run make test again. Unit tests alone: make unit.
MSG
exit 2
