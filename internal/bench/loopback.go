package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Load is only ever generated against this machine: every target must be a
// loopback address (127.0.0.0/8, ::1) or "localhost".

// isLoopbackHost reports whether host (no port) is a loopback name or address.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// CheckHTTPTarget accepts only http(s) URLs whose host is a loopback address.
func CheckHTTPTarget(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("--target: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("--target: want an http:// or https:// URL, got %q", raw)
	}
	if !isLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("--target: refusing %q: load is generated against loopback addresses only (127.0.0.1, ::1, localhost)", u.Hostname())
	}
	return u, nil
}

// CheckPostgresTarget accepts only PostgreSQL connection strings whose every
// host is a loopback address or a local Unix socket directory.
func CheckPostgresTarget(raw string) error {
	cfg, err := pgconn.ParseConfig(raw)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	hosts := []string{cfg.Host}
	for _, f := range cfg.Fallbacks {
		hosts = append(hosts, f.Host)
	}
	for _, h := range hosts {
		if !strings.HasPrefix(h, "/") && !isLoopbackHost(h) {
			return fmt.Errorf("postgres: refusing host %q: raw load is generated against loopback addresses only", h)
		}
	}
	return nil
}

// errNotLoopback is returned by the dialer for any other address.
var errNotLoopback = fmt.Errorf("refusing to connect: not a loopback address")

// LoopbackClient is an HTTP client that connects to loopback addresses only
// (checked on every dial, after name resolution), never follows redirects and
// keeps up to conns connections alive.
func LoopbackClient(conns int, timeout time.Duration) *http.Client {
	d := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				return errNotLoopback
			}
			return nil
		},
	}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
