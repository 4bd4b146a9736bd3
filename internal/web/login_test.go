package web_test

import (
	"bufio"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/testdb"
)

// hostileNext reads the shared list of "next" values that must never lead to
// another site (internal/server/testdata/hostile_next.txt).
func hostileNext(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../server/testdata/hostile_next.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		v, err := strconv.Unquote(line)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

var hiddenNextRe = regexp.MustCompile(`name="next" value="([^"]*)"`)

// TestSignInNeverRedirectsToAnotherSite walks every route that takes "next"
// (the sign-in page, the sign-in form, the language switcher, also on the
// sign-in page) with single-, double- and triple-encoded slashes and
// backslashes, tabs and newlines, schemes, encoded dots and look-alike
// characters: each ends on this site's front page or sign-in page, also when
// the value the page hands back is submitted again.
func TestSignInNeverRedirectsToAnotherSite(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		b := e.browser()
		signIn := func(next string) string {
			p := b.post("/login", url.Values{"email": {helsinkiWorker}, "password": {password}, "next": {next}})
			if p.status != http.StatusSeeOther {
				t.Fatalf("sign-in with next=%q: status %d", next, p.status)
			}
			return p.location
		}
		switchLanguage := func(next string) string {
			p := b.post("/language", url.Values{"lang": {"fi"}, "next": {next}})
			if p.status != http.StatusSeeOther {
				t.Fatalf("language with next=%q: status %d", next, p.status)
			}
			return p.location
		}
		check := func(route, next, got string, want ...string) {
			t.Helper()
			for _, w := range want {
				if got == w {
					return
				}
			}
			t.Errorf("%s with next=%q: Location %q, want one of %q", route, next, got, want)
		}
		pages := []string{"/login?next=/%25252Fevil.example", "/login?next=/%25255Cevil.example"}
		for _, next := range hostileNext(t) {
			check("POST /login", next, signIn(next), "/")
			check("POST /language", next, switchLanguage(next), "/")
			check("POST /language from the sign-in page", next, switchLanguage("/login?next="+url.QueryEscape(next)), "/login")
			pages = append(pages, "/login?next="+url.QueryEscape(next))
		}
		// What the sign-in page hands back (its form and its language
		// switcher) is submitted again.
		handedBack := map[string]string{}
		for _, path := range pages {
			p := b.get(path)
			hidden := hiddenNextRe.FindAllStringSubmatch(p.body, -1)
			if p.status != http.StatusOK || len(hidden) == 0 {
				t.Fatalf("GET %s: status %d, %d next fields", path, p.status, len(hidden))
			}
			for _, m := range hidden {
				handedBack[m[1]] = path
			}
		}
		for next, path := range handedBack {
			check("POST /login after GET "+path, next, signIn(next), "/", "/login")
			check("POST /language after GET "+path, next, switchLanguage(next), "/", "/login")
		}
		for next, want := range map[string]string{"/clients": "/clients", "/clients%2Fnew": "/clients/new"} {
			check("POST /login", next, signIn(next), want)
		}
	})
}
