package adapter

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// responseCache keeps registry responses for as long as their
// cache_control property allows, as Hono 0.7's request/response clients do
// (responseCacheMaxSize 1000 by default).
type responseCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]cached
	now     func() time.Time
}

type cached struct {
	payload []byte
	expires time.Time
}

func newResponseCache(max int) *responseCache {
	return &responseCache{max: max, entries: map[string]cached{}, now: time.Now}
}

func (c *responseCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	if !c.now().Before(e.expires) {
		delete(c.entries, key)
		return nil, false
	}
	return e.payload, true
}

// put stores payload if directive ("max-age = 600", "no-cache") allows.
func (c *responseCache) put(key string, payload []byte, directive string) {
	age, ok := maxAge(directive)
	if !ok {
		return
	}
	// NOTE: kept for 90% of max-age: an assertion cached for its whole
	// lifetime would reach Hono Messaging just expired.
	ttl := age * 9 / 10
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		now := c.now()
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries { // still full: drop any
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = cached{payload: payload, expires: c.now().Add(ttl)}
}

// maxAge reads Hono's cache directive; no-cache and anything else is not
// cacheable.
func maxAge(directive string) (time.Duration, bool) {
	d := strings.ReplaceAll(directive, " ", "")
	v, ok := strings.CutPrefix(d, "max-age=")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}
