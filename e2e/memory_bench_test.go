package e2e

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/docker/docker/api/types/container"
)

// BenchmarkSimStackMemory reports what the whole sim stack holds in memory
// (the sum over its containers of the cgroup's usage less the page cache):
// at rest after up, and after five runs of honoctl check, each of which
// drives every link (TLS handshakes, AMQP logins, the data path).
//
//	go test ./e2e/ -run '^$' -bench Memory -benchtime 1x
func BenchmarkSimStackMemory(b *testing.B) {
	s := benchStack(b)
	s.mustHonoctl("up")
	var rest float64
	for b.Loop() {
		rest = stackMemory(b, s)
	}
	b.StopTimer()
	for range 5 {
		s.mustHonoctl("check")
	}
	b.ReportMetric(rest/1e6, "MB-at-rest")
	b.ReportMetric(stackMemory(b, s)/1e6, "MB-after-5-checks")
}

// stackMemory sums the resident memory of the stack's containers.
func stackMemory(b *testing.B, s *stack) float64 {
	b.Helper()
	ctx := context.Background()
	var sum float64
	for svc, id := range s.containerIDs() {
		resp, err := s.e.Client().ContainerStatsOneShot(ctx, id)
		if err != nil {
			b.Fatalf("stats of %s: %v", svc, err)
		}
		var st container.StatsResponse
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err != nil {
			b.Fatalf("stats of %s: %v", svc, err)
		}
		// cgroup v2 names the page cache inactive_file, v1 cache.
		cache := st.MemoryStats.Stats["inactive_file"]
		if c, ok := st.MemoryStats.Stats["cache"]; ok {
			cache = c
		}
		sum += float64(st.MemoryStats.Usage - cache)
	}
	return sum
}
