package browsertest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/kotodigi/kotodigi/internal/api"
	"github.com/kotodigi/kotodigi/internal/demo"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/web"
)

// requireEnv makes a missing browser or axe-core a failure instead of a skip
// (CI sets it after installing Chromium and running npm ci in tools/a11y).
const requireEnv = "KOTODIGI_REQUIRE_BROWSER"

// axeTags are the rule sets every page must pass: WCAG 2.0 and 2.1, A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// unavailable skips the test, or fails it when the browser tests are required.
func unavailable(t *testing.T, reason string) {
	t.Helper()
	if os.Getenv(requireEnv) == "1" {
		t.Fatalf("%s (%s=1: the browser tests must run)", reason, requireEnv)
	}
	t.Skipf("%s; set %s=1 to make this a failure", reason, requireEnv)
}

// chromiumPath is Debian's Chromium.
func chromiumPath(t *testing.T) string {
	t.Helper()
	const debian = "/usr/bin/chromium"
	if _, err := os.Stat(debian); err == nil {
		return debian
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	unavailable(t, "no Chromium: /usr/bin/chromium is missing (apt-get install chromium)")
	return ""
}

var axeOnce struct {
	sync.Once
	src string
	err error
}

// axeSource reads axe-core from tools/a11y/node_modules (installed by npm ci
// there; never copied into the repository).
func axeSource(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			axeOnce.err = err
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				break
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				axeOnce.err = errors.New("go.mod not found above the test's directory")
				return
			}
			dir = parent
		}
		b, err := os.ReadFile(filepath.Join(dir, "tools", "a11y", "node_modules", "axe-core", "axe.min.js"))
		if err != nil {
			axeOnce.err = err
			return
		}
		axeOnce.src = string(b)
	})
	if axeOnce.err != nil {
		unavailable(t, fmt.Sprintf("no axe-core (run `npm ci` in tools/a11y): %v", axeOnce.err))
	}
	return axeOnce.src
}

// app is kotodigi with the demo data on a fresh SQLite database, served on
// loopback HTTP, plus one client of our own to search for.
type app struct {
	url string
	st  *store.Store
	// seeded is a Helsinki client that the tests search for: its names have
	// letters outside ASCII, so that a search without accents finds it.
	seeded seededClient
}

type seededClient struct {
	FirstNames, LastName, IdentityCode string
}

// startApp starts the app for one test, after checking that the test can
// run at all (Chromium and axe-core are there).
func startApp(t *testing.T) *app {
	t.Helper()
	chromiumPath(t)
	axeSource(t)
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "k.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := demo.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	a := &app{st: st, seeded: seededClient{FirstNames: "Zoë", LastName: "Öberg",
		IdentityCode: model.SyntheticIdentityCode(time.Date(1979, time.November, 23, 0, 0, 0, 0, time.UTC), 960)}}
	a.seed(t)
	srv := server.New(server.Config{}, st, locale.MustLoad(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv.Mount(api.Routes(srv))
	srv.Mount(web.Routes(srv))
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	a.url = ts.URL
	return a
}

func (a *app) seed(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	id, err := a.st.AccountIDByEmail(ctx, "worker@helsinki.demo")
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.st.PrincipalByAccountID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	today := a.st.Today()
	until := today.AddDate(2, 0, 0)
	first := today.AddDate(0, -6, 0)
	code := a.seeded.IdentityCode
	_, err = a.st.RegisterClient(ctx, store.Actor{Principal: p, Meta: store.RequestMeta{RequestID: "browsertest"}}, model.ClientFields{
		Municipality: "091", PersonalIdentityCode: &code, FirstNames: a.seeded.FirstNames, LastName: a.seeded.LastName,
		ResidenceBasis:  &model.ResidenceBasis{Type: "residence_permit", ValidUntil: &until, FirstPermitDate: &first},
		ServiceLanguage: "sv", RightToWork: "Oikeus ansiotyöhön ilman rajoituksia",
	})
	if err != nil {
		t.Fatal(err)
	}
}

// screenshotsEnv names a directory for the screenshots of every page the
// browser tests visit (one folder per test and browser), for a reviewer to
// look at after a run; the repository ignores /screenshots/. Without it the
// screenshots go to a temporary directory that is removed.
const screenshotsEnv = "KOTODIGI_SCREENSHOTS"

// screenshotDir is a new folder under dir for one browser of test t: the
// test's name, with -2, -3, ... for a second and third browser in it.
func screenshotDir(t *testing.T, dir string) string {
	t.Helper()
	base := filepath.Join(dir, regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(t.Name(), "_"))
	for i := 1; ; i++ {
		d := base
		if i > 1 {
			d = fmt.Sprintf("%s-%d", base, i)
		}
		if err := os.MkdirAll(filepath.Dir(d), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(d, 0o755); err == nil {
			return d
		} else if !os.IsExist(err) {
			t.Fatal(err)
		}
	}
}

// browser is one headless Chromium with a fresh profile, pointed at an app.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	// lang is the language every page must now be in (<html lang>).
	lang  string
	axe   string
	shots string
	n     int

	mu sync.Mutex
	// urls are the addresses of every request and navigation the browser made.
	urls []string
}

// newBrowser starts a Chromium of its own for one test, with a fresh
// profile. Its Accept-Language is Finnish, so pages come in Finnish until the
// user chooses another language.
func newBrowser(t *testing.T, a *app) *browser {
	t.Helper()
	exe := chromiumPath(t)
	axe := axeSource(t)
	shots := t.TempDir()
	if dir := os.Getenv(screenshotsEnv); dir != "" {
		shots = screenshotDir(t, dir)
	}
	profile := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("lang", "fi-FI"),
		chromedp.Flag("accept-lang", "fi-FI,fi"),
	)
	// The first Do binds Chromium's life to ctx: the whole test, browser
	// included, ends in bounded time.
	tctx, cancelT := context.WithTimeout(context.Background(), 90*time.Second)
	actx, cancelA := chromedp.NewExecAllocator(tctx, opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	// Registered after the t.TempDir calls, so it runs before their removal:
	// Chromium has exited (cancelA waits for it) when its profile is deleted.
	t.Cleanup(func() { cancelC(); cancelA(); cancelT() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	b := &browser{t: t, ctx: ctx, base: a.url, lang: "fi", axe: axe, shots: shots}
	if err := chromedp.Listen(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			b.urls = append(b.urls, ev.Request.URL)
		case *page.EventFrameNavigated:
			b.urls = append(b.urls, ev.Frame.URL)
		case *page.EventNavigatedWithinDocument:
			b.urls = append(b.urls, ev.URL)
		}
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots of the visited pages: %s", shots)
	return b
}

// step runs actions that do not load a page, with a time limit.
func (b *browser) step(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// open loads path as if typed into the address bar and checks the page.
func (b *browser) open(path, label string, wantStatus int64) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("%s: opening %s: %v", label, path, err)
	}
	b.checkPage(label, resp, wantStatus)
}

// follow runs steps that load another page (clicking a link or a submit
// button), waits for it and checks it.
func (b *browser) follow(label string, wantStatus int64, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.checkPage(label, b.load(label, steps...), wantStatus)
}

// load runs steps that load another page and returns its response,
// unchecked.
func (b *browser) load(label string, steps ...chromedp.Action[chromedp.Void]) *network.Response {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		b.t.Fatalf("%s: waiting for the page: %v", label, err)
	}
	if resp == nil {
		b.t.Fatalf("%s: no response", label)
	}
	return resp
}

// click is a real mouse click on the first element sel matches.
func click(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(sel))
}

// typeInto clears a field and types text into it key by key.
func typeInto(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text))
}

// path is the path and query of the page now shown.
func (b *browser) path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatal(err)
	}
	return u.RequestURI()
}

// checkPage checks what every page must be: the expected status and
// language, the accessibility statement linked from the footer, and no axe
// violation. It takes a screenshot too.
func (b *browser) checkPage(label string, resp *network.Response, wantStatus int64) {
	b.t.Helper()
	label = fmt.Sprintf("%s [%s]", label, b.lang)
	if resp == nil {
		b.t.Fatalf("%s: no response", label)
	}
	if resp.Status != wantStatus {
		b.t.Errorf("%s: %s answered %d %s, want %d", label, resp.URL, resp.Status, resp.StatusText, wantStatus)
	}
	b.screenshot(label)
	if lang := eval[string](b, `document.documentElement.lang`); lang != b.lang {
		b.t.Errorf("%s: <html lang=%q>, want %q", label, lang, b.lang)
	}
	if !eval[bool](b, `!!document.querySelector('footer a[href="/accessibility"]')`) {
		b.t.Errorf("%s: the footer does not link the accessibility statement", label)
	}
	b.audit(label)
}

// screenshot saves the whole page as a PNG (for debugging; not asserted).
func (b *browser) screenshot(label string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot of %s: %v", label, err)
		return
	}
	b.n++
	name := fmt.Sprintf("%02d-%s.png", b.n, strings.Trim(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(label, "-"), "-"))
	if err := os.WriteFile(filepath.Join(b.shots, name), png, 0o644); err != nil {
		b.t.Logf("screenshot of %s: %v", label, err)
	}
}

// axeViolation is one failed axe rule with the elements that fail it.
type axeViolation struct {
	ID      string    `json:"id"`
	Impact  string    `json:"impact"`
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []axeNode `json:"nodes"`
}

type axeNode struct {
	Target         []any  `json:"target"`
	HTML           string `json:"html"`
	FailureSummary string `json:"failureSummary"`
}

// audit runs axe on the page and fails the test on every violation.
func (b *browser) audit(label string) {
	b.t.Helper()
	where := b.path()
	for _, v := range b.runAxe(label) {
		var sb strings.Builder
		fmt.Fprintf(&sb, "axe violation on %s (%s): %s [%s] %s\n    %s", label, where, v.ID, v.Impact, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&sb, "\n    - target %v\n      %s\n      %s", n.Target, n.HTML,
				strings.ReplaceAll(n.FailureSummary, "\n", "\n      "))
		}
		b.t.Error(sb.String())
	}
}

// runAxe injects axe-core into the page (Runtime.evaluate is not subject to
// the page's Content-Security-Policy) and returns the WCAG 2.1 A/AA
// violations.
func (b *browser) runAxe(label string) []axeViolation {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](b.axe)); err != nil {
		b.t.Fatalf("%s: injecting axe-core: %v", label, err)
	}
	tags := `"` + strings.Join(axeTags, `", "`) + `"`
	script := `axe.run(document, {runOnly: {type: "tag", values: [` + tags + `]}, resultTypes: ["violations"]})
		.then(r => ({rules: r.passes.length + r.violations.length + r.incomplete.length + r.inapplicable.length,
			violations: r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
				nodes: v.nodes.map(n => ({target: n.target, html: n.html, failureSummary: n.failureSummary || ""}))}))}))`
	res, err := chromedp.Run(ctx, chromedp.Evaluate[axeResult](script, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: running axe: %v", label, err)
	}
	if res.Rules < 20 {
		b.t.Fatalf("%s: axe ran only %d rules", label, res.Rules)
	}
	return res.Violations
}

type axeResult struct {
	Rules      int            `json:"rules"`
	Violations []axeViolation `json:"violations"`
}

// requestedURLs is every address the browser requested or showed so far.
func (b *browser) requestedURLs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.urls...)
}

// signIn signs in through the sign-in page and lands on the front page.
func (b *browser) signIn(email string) {
	b.t.Helper()
	b.open("/login", "sign-in page", 200)
	b.step("typing the credentials", typeInto("#email", email), typeInto("#password", demo.Password))
	b.follow("front page after sign-in", 200, click(`main form button[type="submit"]`))
	if p := b.path(); p != "/" {
		b.t.Fatalf("after signing in as %s: at %s, want /", email, p)
	}
}

// switchLanguage presses the language switcher's button for lang.
func (b *browser) switchLanguage(lang, label string) {
	b.t.Helper()
	before := b.path()
	b.lang = lang
	b.follow(label, 200, click(`.lang-switch button[lang="`+lang+`"]`))
	if cur := eval[string](b, `document.querySelector('.lang-switch button[aria-current="true"]')?.lang ?? ""`); cur != lang {
		b.t.Errorf("%s: the switcher marks %q as the current language, want %q", label, cur, lang)
	}
	if after := b.path(); strings.SplitN(after, "?", 2)[0] != strings.SplitN(before, "?", 2)[0] && !strings.HasPrefix(before, "/clients/search") {
		b.t.Errorf("%s: switching language went from %s to %s", label, before, after)
	}
}
