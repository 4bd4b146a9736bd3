package browsertest

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kotodigi/kotodigi/internal/importer"
	"github.com/kotodigi/kotodigi/internal/model"
)

// TestImportJourney: Helsinki's main user clicks from the front page to
// the data migration, uploads a client file, sees the check's report with
// the rejections by reason and line (in Finnish, then in Swedish), confirms,
// follows the background import by refreshing and sees the result with the
// downloads; every page passes axe.
func TestImportJourney(t *testing.T) {
	a := startApp(t)
	ctx := context.Background()
	worker := &importer.Worker{Store: a.st, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	code := func(n int) string {
		return model.SyntheticIdentityCode(time.Date(1988, time.March, 3, 0, 0, 0, 0, time.UTC), n)
	}
	bad := code(971)
	bad = bad[:len(bad)-1] + map[bool]string{true: "A", false: "B"}[!strings.HasSuffix(bad, "A")]
	file := filepath.Join(t.TempDir(), "vienti.csv")
	data := "source_id;personal_identity_code;first_names;last_name;residence_basis_type;residence_valid_until;service_language\n" +
		"V-1;" + code(970) + ";Amina;Yusuf;residence_permit;2099-06-30;fi\n" +
		"V-2;" + bad + ";Lan;Nguyen;residence_permit;2099-06-30;fi\n"
	if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, a)
	b.signIn("main@helsinki.demo")
	b.follow("data migration", 200, click(`nav a[href="/admin/import"]`))
	b.step("choosing the file", chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{file}))
	b.follow("upload being checked", 200, click(`form[action="/admin/import"] button[type="submit"]`))
	status := b.path()
	if !strings.HasPrefix(status, "/admin/import/") {
		t.Fatalf("after the upload: at %s", status)
	}
	if did, err := worker.RunOne(ctx); !did || err != nil {
		t.Fatalf("check: %v %v", did, err)
	}
	b.follow("check report", 200, click(`main a.button[href="`+status+`"]`))
	text := eval[string](b, `document.querySelector("main").innerText`)
	for _, want := range []string{msg("fi", "import.check_report"), "personal_identity_code: " + msg("fi", "field.invalid_identity_code"),
		msg("fi", "import.download_rejects")} {
		if !strings.Contains(text, want) {
			t.Errorf("the check report lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, bad) {
		t.Error("the report shows an identity code")
	}
	b.switchLanguage("sv", "check report in Swedish")
	if text := eval[string](b, `document.querySelector("main").innerText`); !strings.Contains(text, msg("sv", "import.check_report")) {
		t.Errorf("the Swedish report lacks its heading:\n%s", text)
	}
	b.follow("import queued", 200, click(`form[action="`+status+`/confirm"] button`))
	if did, err := worker.RunOne(ctx); !did || err != nil {
		t.Fatalf("import: %v %v", did, err)
	}
	b.follow("import result", 200, click(`main a.button[href="`+status+`"]`))
	text = eval[string](b, `document.querySelector("main").innerText`)
	for _, want := range []string{msg("sv", "import.result"), msg("sv", "import.state.done")} {
		if !strings.Contains(text, want) {
			t.Errorf("the result lacks %q:\n%s", want, text)
		}
	}
	b.step("narrow screen", chromedp.EmulateViewport(390, 900))
	b.screenshot("import result at 390 px")
}
