package check

import (
	"context"
	"sync"
)

// parallelism bounds the probes run at once: a TLS probe opens a dozen
// connections, and a small machine runs the whole stack too.
const parallelism = 8

// Job is one probe: it returns its findings and never fails; a probe that
// cannot run says so in a finding.
type Job func(ctx context.Context) []Finding

// Run probes every TLS target, several at a time, and returns the findings
// in target order.
func Run(ctx context.Context, p *TLSProber, targets []Target) []Finding {
	jobs := make([]Job, len(targets))
	for i, t := range targets {
		jobs[i] = func(ctx context.Context) []Finding { return p.Probe(ctx, t) }
	}
	return Parallel(ctx, jobs)
}

// Parallel runs jobs, several at a time, and returns their findings in job
// order.
func Parallel(ctx context.Context, jobs []Job) []Finding {
	results := make([][]Finding, len(jobs))
	sem := make(chan struct{}, parallelism)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = j(ctx)
		})
	}
	wg.Wait()
	var out []Finding
	for _, fs := range results {
		out = append(out, fs...)
	}
	return out
}

// AMQPJobs are the AMQP probes of targets.
func AMQPJobs(p *AMQPProber, targets []AMQPTarget) []Job {
	jobs := make([]Job, len(targets))
	for i, t := range targets {
		jobs[i] = func(ctx context.Context) []Finding { return p.Probe(ctx, t) }
	}
	return jobs
}

// TLSJobs are the TLS probes of targets.
func TLSJobs(p *TLSProber, targets []Target) []Job {
	jobs := make([]Job, len(targets))
	for i, t := range targets {
		jobs[i] = func(ctx context.Context) []Finding { return p.Probe(ctx, t) }
	}
	return jobs
}
