package adapter

import (
	"fmt"
	"testing"
	"time"
)

func TestMaxAge(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"max-age = 600": 600 * time.Second, "max-age=5": 5 * time.Second,
		"no-cache": 0, "": 0, "max-age = -1": 0, "max-age = x": 0,
	} {
		got, ok := maxAge(in)
		if got != want || ok != (want > 0) {
			t.Errorf("maxAge(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
}

func TestResponseCache(t *testing.T) {
	now := time.Unix(1000, 0)
	c := newResponseCache(2)
	c.now = func() time.Time { return now }

	c.put("a", []byte("A"), "max-age = 100")
	c.put("nc", []byte("N"), "no-cache")
	if p, ok := c.get("a"); !ok || string(p) != "A" {
		t.Errorf("get(a) = %q, %v", p, ok)
	}
	if _, ok := c.get("nc"); ok {
		t.Error("a no-cache response was kept")
	}
	now = now.Add(89 * time.Second)
	if _, ok := c.get("a"); !ok {
		t.Error("gone before 90% of max-age")
	}
	now = now.Add(2 * time.Second)
	if _, ok := c.get("a"); ok {
		t.Error("kept past 90% of max-age")
	}
	for i := range 5 {
		c.put(fmt.Sprint(i), nil, "max-age = 100")
	}
	if len(c.entries) > 2 {
		t.Errorf("%d entries, limit 2", len(c.entries))
	}
}
