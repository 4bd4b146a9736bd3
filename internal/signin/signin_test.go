package signin_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/signin"
)

// TestGateBoundsPasswordChecks: with one slot and one place in the queue, a
// third concurrent check is refused at once, a queued one runs when the slot
// frees, and one that waits too long is refused without running.
func TestGateBoundsPasswordChecks(t *testing.T) {
	g := signin.NewGate(1, 1, time.Hour)
	entered, release := make(chan struct{}), make(chan struct{})
	first := make(chan error)
	go func() { first <- g.Do(context.Background(), func() { close(entered); <-release }) }()
	<-entered
	queuedRan := false
	queued := make(chan error)
	go func() {
		for { // refused only while the probe below holds the queue's place
			if err := g.Do(context.Background(), func() { queuedRan = true }); !errors.Is(err, signin.ErrBusy) {
				queued <- err
				return
			}
		}
	}()
	// The queue's one place is taken once a third call is refused as busy;
	// until the second has queued, a third (whose context has ended) queues
	// and gives up at once.
	ended, cancelEnded := context.WithCancel(context.Background())
	cancelEnded()
	for {
		err := g.Do(ended, func() { t.Error("a check ran beyond the bound") })
		if errors.Is(err, signin.ErrBusy) {
			break
		}
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-queued; err != nil || !queuedRan {
		t.Fatalf("queued check: ran %v, %v", queuedRan, err)
	}

	short := signin.NewGate(1, 4, time.Millisecond)
	hold, done := make(chan struct{}), make(chan struct{})
	go func() { _ = short.Do(context.Background(), func() { close(hold); <-done }) }()
	<-hold
	if err := short.Do(context.Background(), func() { t.Error("ran after waiting too long") }); !errors.Is(err, signin.ErrBusy) {
		t.Errorf("waited past the limit: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	long := signin.NewGate(1, 4, time.Hour)
	go func() { _ = long.Do(context.Background(), func() { <-done }) }()
	for {
		err := long.Do(ctx, func() {})
		if errors.Is(err, context.Canceled) {
			break
		}
	}
	close(done)
}

func TestIdentifierRecordsOnlyPlausibleAddresses(t *testing.T) {
	for typed, want := range map[string]string{
		" Wilma@Hel.Example ":              "wilma@hel.example",
		"correct horse battery staple":     "",
		"hunter2":                          "",
		strings.Repeat("a", 200000):        "",
		strings.Repeat("a", 250) + "@x.fi": "",
		"wilma@hel":                        "",
		"wilma@hel.example\nX":             "",
		"Wilma <wilma@hel.example>":        "",
	} {
		if got := signin.Identifier(typed); got != want {
			t.Errorf("Identifier(%.40q) = %q, want %q", typed, got, want)
		}
	}
}

func TestAddressKeyGroupsIPv6Networks(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.7":                     "192.0.2.7",
		"::ffff:192.0.2.7":              "192.0.2.7",
		"2001:db8:1:2:aaaa::1":          "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff:ffff:ffff:1": "2001:db8:1:2::/64",
		"fe80::1%eth0":                  "fe80::/64",
		strings.Repeat("x", 500):        strings.Repeat("x", 64),
	} {
		if got := signin.AddressKey(addr); got != want {
			t.Errorf("AddressKey(%.30q) = %q, want %q", addr, got, want)
		}
	}
}
