package hono

import (
	"strings"
	"testing"

	"github.com/honoctl/honoctl/internal/sim/config"
)

type fakeConsumer struct {
	name              string
	credit, unsettled int
}

func (c *fakeConsumer) Credit() int    { return c.credit }
func (c *fakeConsumer) Unsettled() int { return c.unsettled }

func TestRoutesFromReference(t *testing.T) {
	r, err := NewRoutes(mustRouterConfig(t).Addresses)
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]Distribution{
		"telemetry/DEFAULT_TENANT": Balanced,
		"event/DEFAULT_TENANT":     Balanced,
		"control/DEFAULT_TENANT":   Balanced, // qdrouterd's default
	} {
		if got := r.Distribution(addr); got != want {
			t.Errorf("%s: %s, want %s", addr, got, want)
		}
	}
	r, err = NewRoutes([]config.Address{
		{Prefix: "a/", Distribution: "multicast"},
		{Prefix: "a/b/", Distribution: "closest"},
		{Pattern: "m/#", Distribution: "multicast"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]Distribution{"a/x": Multicast, "a/b/x": Closest, "m/1": Multicast} {
		if got := r.Distribution(addr); got != want {
			t.Errorf("%s: %s, want %s (longest prefix wins)", addr, got, want)
		}
	}
	_, err = NewRoutes([]config.Address{{Prefix: "x/", Distribution: "random"}})
	if err == nil || !strings.Contains(err.Error(), `distribution "random"`) {
		t.Errorf("bad distribution: err = %v", err)
	}
}

func TestFanoutBalanced(t *testing.T) {
	var f Fanout[*fakeConsumer]
	a := &fakeConsumer{name: "a", credit: 10}
	b := &fakeConsumer{name: "b", credit: 10}
	f.Attach("telemetry/T", a)
	f.Attach("telemetry/T", b)

	// Equal load: round-robin.
	seen := map[string]int{}
	for range 4 {
		got := f.Pick("telemetry/T", Balanced)
		if len(got) != 1 {
			t.Fatalf("picked %d consumers, want 1", len(got))
		}
		seen[got[0].name]++
	}
	if seen["a"] != 2 || seen["b"] != 2 {
		t.Errorf("equal consumers picked %v, want 2 each", seen)
	}

	// The less busy one wins.
	a.unsettled = 5
	if got := f.Pick("telemetry/T", Balanced); got[0] != b {
		t.Errorf("picked %s, want b (fewer unsettled)", got[0].name)
	}
	// No credit, no delivery.
	b.credit = 0
	if got := f.Pick("telemetry/T", Balanced); got[0] != a {
		t.Errorf("picked %s, want a (b has no credit)", got[0].name)
	}
	a.credit = 0
	if got := f.Pick("telemetry/T", Balanced); got != nil {
		t.Errorf("picked %v without any credit", got)
	}
	if got := f.Pick("telemetry/OTHER", Balanced); got != nil {
		t.Errorf("picked %v for an address without consumers", got)
	}
	if f.Credit("telemetry/T", Balanced) != 0 {
		t.Error("credit without credit")
	}
}

func TestFanoutMulticastAndDetach(t *testing.T) {
	var f Fanout[*fakeConsumer]
	a := &fakeConsumer{name: "a", credit: 3}
	b := &fakeConsumer{name: "b", credit: 5}
	c := &fakeConsumer{name: "c", credit: 0}
	for _, x := range []*fakeConsumer{a, b, c} {
		f.Attach("event/T", x)
	}
	if got := f.Pick("event/T", Multicast); len(got) != 2 {
		t.Errorf("multicast reached %d, want the 2 with credit", len(got))
	}
	if got := f.Credit("event/T", Balanced); got != 8 {
		t.Errorf("balanced credit %d, want 8", got)
	}
	if got := f.Credit("event/T", Multicast); got != 0 {
		t.Errorf("multicast credit %d, want the smallest, 0", got)
	}
	eq := func(x, y *fakeConsumer) bool { return x == y }
	f.Detach("event/T", c, eq)
	f.Detach("event/T", a, eq)
	if n := f.Count("event/T"); n != 1 {
		t.Errorf("%d consumers after two detaches, want 1", n)
	}
	f.Detach("event/T", b, eq)
	if n := f.Count("event/T"); n != 0 {
		t.Errorf("%d consumers after detaching all", n)
	}
}
