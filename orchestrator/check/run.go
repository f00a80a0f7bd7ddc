package check

import (
	"context"
	"sync"
)

// parallelism bounds the links probed at once: each link opens a dozen
// connections, and a small machine runs the whole stack too.
const parallelism = 8

// Run probes every target, several at a time, and returns the findings in
// target order.
func Run(ctx context.Context, p *TLSProber, targets []Target) []Finding {
	results := make([][]Finding, len(targets))
	sem := make(chan struct{}, parallelism)
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = p.Probe(ctx, t)
		})
	}
	wg.Wait()
	var out []Finding
	for _, fs := range results {
		out = append(out, fs...)
	}
	return out
}
