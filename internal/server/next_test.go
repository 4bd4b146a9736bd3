package server_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/server/redirecttest"
)

// sameOriginPath reports why to, used as a Location header on
// https://kotodigi.example, would leave the site or change meaning when
// decoded again ("" when it stays a path on the site).
func sameOriginPath(to string) string {
	if !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") || strings.HasPrefix(to, "/\\") {
		return "not a path on this site"
	}
	// Browsers drop tabs and newlines and read a backslash as a slash.
	browser := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(to)
	base, _ := url.Parse("https://kotodigi.example/login")
	for _, form := range []string{to, browser} {
		u, err := url.Parse(form)
		if err != nil {
			return "unparseable: " + err.Error()
		}
		if got := base.ResolveReference(u); got.Host != "kotodigi.example" || got.Scheme != "https" {
			return "resolves to " + got.String()
		}
	}
	if dec, err := url.PathUnescape(to); err != nil || dec != to {
		return "decodes to something else: " + dec
	}
	return ""
}

func TestSafeNextKeepsEveryRedirectOnThisSite(t *testing.T) {
	for _, next := range redirecttest.Hostile() {
		got := server.SafeNext(next)
		if got != "/" {
			t.Errorf("SafeNext(%q) = %q, want /", next, got)
		}
		// Decoding the input more times (a form re-submitting it, a proxy) never helps.
		for v := next; ; {
			dec, err := url.PathUnescape(v)
			if err != nil || dec == v {
				break
			}
			v = dec
			if got := server.SafeNext(v); got != "/" {
				t.Errorf("SafeNext(%q) (decoded from %q) = %q, want /", v, next, got)
			}
		}
	}
	for next, want := range map[string]string{
		"/clients": "/clients",
		"/clients/0b6a0a52-5d2e-4c8e-9a39-4b5e2f3c8a10": "/clients/0b6a0a52-5d2e-4c8e-9a39-4b5e2f3c8a10",
		"/admin/grants?municipality=091":                "/admin/grants",
		"/worklist#due":                                 "/worklist",
		"/clients%2Fnew":                                "/clients/new",
		"/":                                             "/",
	} {
		if got := server.SafeNext(next); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

// FuzzSafeNext: whatever comes in, what SafeNext returns is a path on this
// site, stays the same when decoded again, and is its own SafeNext.
func FuzzSafeNext(f *testing.F) {
	for _, v := range redirecttest.Hostile() {
		f.Add(v)
	}
	f.Add("/clients/new")
	f.Fuzz(func(t *testing.T, next string) {
		got := server.SafeNext(next)
		if why := sameOriginPath(got); why != "" {
			t.Fatalf("SafeNext(%q) = %q: %s", next, got, why)
		}
		if again := server.SafeNext(got); again != got {
			t.Fatalf("SafeNext(%q) = %q, but SafeNext(%q) = %q", next, got, got, again)
		}
	})
}
