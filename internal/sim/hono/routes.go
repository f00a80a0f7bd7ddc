package hono

import (
	"sort"
	"strings"
	"sync"
)

// Distribution is how the Dispatch Router spreads messages for an address
// among its receivers.
type Distribution string

// The distributions of qdrouterd's "address" entity.
const (
	Balanced  Distribution = "balanced"  // one receiver, the least busy
	Closest   Distribution = "closest"   // one receiver, the nearest
	Multicast Distribution = "multicast" // every receiver, pre-settled
)

// Routes is the router's address table: the "address" entities of
// qdrouterd.json, by prefix (see NewRoutes). Unlisted addresses use Balanced, qdrouterd's
// default distribution.
type Routes struct {
	prefixes []route // longest prefix first
}

type route struct {
	prefix string
	dist   Distribution
}

func (r *Routes) add(prefix string, d Distribution) {
	r.prefixes = append(r.prefixes, route{prefix, d})
	sort.SliceStable(r.prefixes, func(i, j int) bool { return len(r.prefixes[i].prefix) > len(r.prefixes[j].prefix) })
}

// Distribution returns how messages to address are distributed.
func (r *Routes) Distribution(address string) Distribution {
	for _, p := range r.prefixes {
		if strings.HasPrefix(address, p.prefix) {
			return p.dist
		}
	}
	return Balanced
}

// Consumer is a receiving link as the router's routing sees it.
type Consumer interface {
	// Credit is the link credit the receiver has left.
	Credit() int
	// Unsettled counts deliveries sent on the link and not yet settled.
	Unsettled() int
}

// Fanout holds the consumers attached to each address and picks the
// receivers of a message. It is safe for concurrent use.
type Fanout[C Consumer] struct {
	mu    sync.Mutex
	addrs map[string][]C
	next  map[string]int // round-robin start, to break ties fairly
}

// Attach adds a consumer for address.
func (f *Fanout[C]) Attach(address string, c C) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.addrs == nil {
		f.addrs = map[string][]C{}
		f.next = map[string]int{}
	}
	f.addrs[address] = append(f.addrs[address], c)
}

// Detach removes a consumer; eq tells consumers apart.
func (f *Fanout[C]) Detach(address string, c C, eq func(a, b C) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cs := f.addrs[address]
	for i := range cs {
		if eq(cs[i], c) {
			f.addrs[address] = append(cs[:i:i], cs[i+1:]...)
			break
		}
	}
	if len(f.addrs[address]) == 0 {
		delete(f.addrs, address)
		delete(f.next, address)
	}
}

// Count is the number of consumers of address.
func (f *Fanout[C]) Count(address string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.addrs[address])
}

// Pick returns the consumers a message to address goes to: for Multicast
// every consumer with credit; otherwise the one with credit and the fewest
// unsettled deliveries, ties broken round-robin. None means no consumer
// can take it now: a router then holds back credit from the sender.
func (f *Fanout[C]) Pick(address string, d Distribution) []C {
	f.mu.Lock()
	defer f.mu.Unlock()
	cs := f.addrs[address]
	if len(cs) == 0 {
		return nil
	}
	if d == Multicast {
		var out []C
		for _, c := range cs {
			if c.Credit() > 0 {
				out = append(out, c)
			}
		}
		return out
	}
	start := f.next[address] % len(cs)
	best := -1
	for i := range cs {
		j := (start + i) % len(cs)
		if cs[j].Credit() <= 0 {
			continue
		}
		if best < 0 || cs[j].Unsettled() < cs[best].Unsettled() {
			best = j
		}
	}
	if best < 0 {
		return nil
	}
	f.next[address] = best + 1
	return []C{cs[best]}
}

// Credit is the total credit of address's consumers: how much a router
// may grant a sender to that address (multicast: the smallest, since every
// consumer must take each message).
func (f *Fanout[C]) Credit(address string, d Distribution) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	total := 0
	for i, c := range f.addrs[address] {
		n := max(c.Credit(), 0)
		if d == Multicast {
			if i == 0 || n < total {
				total = n
			}
			continue
		}
		total += n
	}
	return total
}
