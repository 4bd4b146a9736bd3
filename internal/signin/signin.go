// Package signin holds the rules of signing in that need no database:
// session lifetimes and the limits on failed sign-ins (Policy), the bound on
// password checks running at once (Gate), how addresses are grouped for the
// per-address limit (AddressKey) and what of a typed sign-in name may be
// recorded (Identifier). The store applies them.
package signin

import (
	"context"
	"errors"
	"net/netip"
	"runtime"
	"strings"
	"time"

	"github.com/kotodigi/kotodigi/internal/model"
)

// Policy sets session lifetimes and sign-in limits.
type Policy struct {
	Idle     time.Duration // a session ends after this long without requests (default 30 min)
	Absolute time.Duration // a session ends this long after sign-in whatever happens (default 10 h)
	// At most MaxFailures failed sign-ins per account, and MaxFailuresPerAddr
	// per address (an IPv6 address counts as its /64 network), within Window.
	MaxFailures        int
	MaxFailuresPerAddr int
	Window             time.Duration
	// HashSlots is how many password checks may run at once: each argon2id
	// computation holds 19 MiB of memory (default: the number of CPUs, 2–8).
	HashSlots int
	// HashQueue is how many more sign-ins may wait for a slot, each at most
	// HashWait; beyond that a sign-in is refused as busy (default 8 × slots,
	// 5 s; a negative HashQueue lets none wait).
	HashQueue int
	HashWait  time.Duration
}

// DefaultPolicy is the policy of an installation that sets none.
var DefaultPolicy = Policy{Idle: 30 * time.Minute, Absolute: 10 * time.Hour, MaxFailures: 5, MaxFailuresPerAddr: 20,
	Window: 15 * time.Minute, HashSlots: min(max(runtime.NumCPU(), 2), 8), HashWait: 5 * time.Second}

// WithDefaults returns p with every unset (zero) setting taken from DefaultPolicy.
func (p Policy) WithDefaults() Policy {
	d := DefaultPolicy
	set := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	setInt := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&p.Idle, d.Idle)
	set(&p.Absolute, d.Absolute)
	set(&p.Window, d.Window)
	set(&p.HashWait, d.HashWait)
	setInt(&p.MaxFailures, d.MaxFailures)
	setInt(&p.MaxFailuresPerAddr, d.MaxFailuresPerAddr)
	setInt(&p.HashSlots, d.HashSlots)
	if p.HashQueue == 0 {
		p.HashQueue = 8 * p.HashSlots
	}
	return p
}

// ErrBusy says that too many password checks are running or waiting.
var ErrBusy = errors.New("signin: too many password checks at once")

// Gate bounds how many password checks run at once, with a bounded queue of
// waiters: a burst of sign-ins waits its turn or is refused, and never holds
// more than slots × 19 MiB of memory.
type Gate struct {
	slots chan struct{}
	queue chan struct{}
	wait  time.Duration
}

// NewGate returns a gate of slots concurrent checks and queue waiters, who
// wait at most wait.
func NewGate(slots, queue int, wait time.Duration) *Gate {
	slots, queue = max(slots, 1), max(queue, 0)
	return &Gate{slots: make(chan struct{}, slots), queue: make(chan struct{}, queue), wait: wait}
}

// Do runs fn when a slot is free. It returns ErrBusy without running fn when
// the queue is full or no slot freed up in time, and ctx's error when ctx
// ends first.
func (g *Gate) Do(ctx context.Context, fn func()) error {
	select {
	case g.slots <- struct{}{}:
	default:
		select {
		case g.queue <- struct{}{}:
		default:
			return ErrBusy
		}
		t := time.NewTimer(g.wait)
		defer t.Stop()
		select {
		case g.slots <- struct{}{}:
			<-g.queue
		case <-t.C:
			<-g.queue
			return ErrBusy
		case <-ctx.Done():
			<-g.queue
			return ctx.Err()
		}
	}
	defer func() { <-g.slots }()
	fn()
	return nil
}

// Identifier returns what may be recorded of a typed sign-in name: the
// address lower-cased when it is a plausible e-mail address (at most 254
// characters), otherwise "". Anything else (a password typed into the
// e-mail field, a 200,000-character string) is never stored or logged.
func Identifier(typed string) string {
	id := strings.ToLower(strings.TrimSpace(typed))
	if !model.ValidEmail(id) {
		return ""
	}
	return id
}

// maxAddressKey bounds an address that is not an IP address.
const maxAddressKey = 64

// AddressKey is the key of the per-address limit for a client address: the
// address itself for IPv4, its /64 network for IPv6 (one subscriber's usual
// allocation, within which an address costs nothing to change).
func AddressKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		if len(addr) > maxAddressKey {
			addr = addr[:maxAddressKey]
		}
		return addr
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}
