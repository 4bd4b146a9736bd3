package main

import (
	"strings"
	"testing"
)

// TestEveryCommandHasHelp: "--help" (and -h) of every command prints its
// usage on standard output and succeeds; a wrong flag fails with the usage
// on standard error.
func TestEveryCommandHasHelp(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--help"}, {"serve", "-h"}, {"migrate", "--help"}, {"user", "add", "--help"}, {"grant", "add", "-h"},
		{"token", "create", "--help"}, {"audit", "verify", "--help"}, {"audit", "heads", "--help"}, {"import", "--help"}, {"statistics", "refresh", "--help"},
	} {
		out, errOut, err := cli(t, "", args...)
		name := strings.Join(args[:len(args)-1], " ")
		if err != nil || !strings.HasPrefix(out, "usage: kotodigi "+name+" [flags]") || !strings.Contains(out, "-db") || errOut != "" {
			t.Errorf("%q: err %v, stdout %q, stderr %q", args, err, out, errOut)
		}
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"user", "--help"}, {"audit", "-h"}} {
		out, _, err := cli(t, "", args...)
		if err != nil || !strings.Contains(out, "commands:") {
			t.Errorf("%q: err %v, stdout %q", args, err, out)
		}
	}
	out, errOut, err := cli(t, "", "serve", "--no-such-flag")
	if err == nil || out != "" || !strings.Contains(errOut, "usage: kotodigi serve") {
		t.Errorf("wrong flag: err %v, stdout %q, stderr %q", err, out, errOut)
	}
	for _, bad := range [][]string{{"serve", "--trusted-proxies", "10.0.0.0/33"}, {"serve", "--base-url", "kotodigi.example"}} {
		if _, _, err := cli(t, "", bad...); err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(bad[1], "--")) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
