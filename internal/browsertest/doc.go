// Package browsertest holds end-to-end tests of the web UI in a real,
// headless Chromium: user journeys in Finnish, Swedish and English, each page
// they visit checked with axe-core against WCAG 2.1 A and AA.
//
// The tests need /usr/bin/chromium (Debian's package) and axe-core from
// tools/a11y (`npm ci` there). Without them they are skipped, unless
// KOTODIGI_REQUIRE_BROWSER=1 (as in CI), which turns a missing browser or
// axe-core into a failure. Set KOTODIGI_SCREENSHOTS to a directory to keep
// the screenshot of every visited page; otherwise they go to t.TempDir().
package browsertest
