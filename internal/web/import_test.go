package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/importer"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// postFile posts a multipart form with a file (name "file", and "mapping"
// when given) and the fields, with the CSRF token of the page at from.
func (b *browser) postFile(from, path string, fields map[string]string, file []byte, mapping []byte) page {
	b.e.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("csrf_token", b.csrf(from))
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", "export.csv")
	_, _ = fw.Write(file)
	if mapping != nil {
		mw, _ := w.CreateFormFile("mapping", "mapping.txt")
		_, _ = mw.Write(mapping)
	}
	_ = w.Close()
	req, err := http.NewRequest(http.MethodPost, b.e.url+path, &body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

var uploadPathRe = regexp.MustCompile(`^/admin/import/([0-9a-f-]{36})$`)

// TestImportUpload walks a main user's data migration in the UI: upload,
// the dry run's report (counts, rejections by reason with their lines, in
// the chosen language), confirmation, the background import and its
// progress, the downloads; the uploaded file is removed after the job, a job
// whose server stopped is taken up again, and only the municipality's own
// main users may do any of it.
func TestImportUpload(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newAdminEnv(t, tg)
		ctx := context.Background()
		worker := &importer.Worker{Store: e.store, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		b := e.signedIn(helsinkiMain)
		b.post("/language", url.Values{"lang": {"en"}, "next": {"/"}})
		mustContain(t, "front page", b.get("/").body, `href="/admin/import"`)
		csv := "source_id;personal_identity_code;first_names;last_name;residence_basis_type;residence_valid_until;service_language\n" +
			"W-1;010190-999W;Amina;Yusuf;residence_permit;2099-06-30;fi\n" +
			"W-2;010190-999X;Jürgen;Müller;residence_permit;2099-06-30;fi\n" + // wrong check character
			"W-3;010190-999W;Amina;Yusuf;residence_permit;2099-06-30;fi\n" // the same person again
		p := b.postFile("/admin/import", "/admin/import", map[string]string{"kind": "clients", "source_system": "vanha"}, []byte(csv), nil)
		m := uploadPathRe.FindStringSubmatch(p.location)
		if p.status != http.StatusSeeOther || m == nil {
			t.Fatalf("upload: %d %q\n%s", p.status, p.location, p.body)
		}
		status := p.location
		mustContain(t, "waiting check", b.get(status).body, "Being checked", `href="`+status+`"`)
		if did, err := worker.RunOne(ctx); !did || err != nil {
			t.Fatalf("check: %v %v", did, err)
		}
		body := b.get(status).body
		mustContain(t, "check report", body, "Report of the check (nothing was stored)", "Rows read</dt><dd>3",
			"Would be imported</dt><dd>1", "Rejected</dt><dd>2", "personal_identity_code: The personal identity code is not valid",
			"<td>3</td>", "<td>4</td>", "The person is already registered in", `action="`+status+`/confirm"`)
		for _, pii := range []string{"010190-999", "Müller"} {
			if strings.Contains(body, pii) {
				t.Errorf("the status page shows %q", pii)
			}
		}
		sv := e.browser()
		sv.signIn(helsinkiMain)
		sv.post("/language", url.Values{"lang": {"sv"}, "next": {status}})
		mustContain(t, "report in Swedish", sv.get(status).body, "Kontrollens rapport")
		rep := b.get(status + "/report.json")
		if rep.status != 200 || !strings.Contains(rep.body, `"rejected": 2`) || strings.Contains(rep.body, "010190-999") {
			t.Errorf("report download: %d %s", rep.status, rep.body)
		}
		rej := b.get(status + "/rejects")
		if rej.status != 200 || !strings.Contains(rej.body, "010190-999X") || !strings.Contains(rej.header.Get("Content-Disposition"), "attachment") {
			t.Errorf("rejects download: %d %v %s", rej.status, rej.header, rej.body)
		}

		// Others may not see, confirm or download it.
		for _, who := range []string{espooMain, helsinkiWorker, kehaAdmin} {
			o := e.signedIn(who)
			if p := o.get("/admin/import"); (p.status == http.StatusOK) != (who == espooMain) || strings.Contains(p.body, m[1]) {
				t.Errorf("%s GET /admin/import: %d", who, p.status)
			}
			for _, path := range []string{status, status + "/rejects", status + "/report.json"} {
				if got := o.get(path).status; got != http.StatusForbidden && got != http.StatusNotFound {
					t.Errorf("%s GET %s: %d", who, path, got)
				}
			}
		}
		espoo := e.signedIn(espooMain)
		if got := espoo.submit("/admin/import", status+"/confirm", url.Values{}).status; got != http.StatusNotFound {
			t.Errorf("Espoo's main user confirmed Helsinki's upload: %d", got)
		}

		if p := b.submit(status, status+"/confirm", url.Values{}); p.status != http.StatusSeeOther || p.location != status {
			t.Fatalf("confirm: %d %q", p.status, p.location)
		}
		mustContain(t, "queued", b.get(status).body, "Queued", "Refresh")
		// A server takes the job and stops: its lease runs out and another
		// instance completes the import.
		if _, ok, err := e.store.LeaseImportUpload(ctx, "stopped-server", time.Millisecond); !ok || err != nil {
			t.Fatalf("lease: %v %v", ok, err)
		}
		time.Sleep(20 * time.Millisecond)
		if did, err := worker.RunOne(ctx); !did || err != nil {
			t.Fatalf("import: %v %v", did, err)
		}
		mustContain(t, "result", b.get(status).body, "Result of the import", "Imported</dt><dd>1", "Rejected</dt><dd>2", "/rejects")
		raw := tg.Raw(t)
		var withContent, clients int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM import_uploads WHERE content IS NOT NULL`).Scan(&withContent); err != nil {
			t.Fatal(err)
		}
		if err := raw.QueryRow(`SELECT COUNT(*) FROM clients WHERE source_system = 'vanha'`).Scan(&clients); err != nil {
			t.Fatal(err)
		}
		if withContent != 0 || clients != 1 {
			t.Errorf("after the job: %d uploads keep their file, %d clients", withContent, clients)
		}
		var runs int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action = 'import.run' AND detail LIKE '%imported=1 skipped=0 rejected=2%'
			AND detail NOT LIKE '%dry-run%' AND actor_email = $1`, helsinkiMain).Scan(&runs); err != nil {
			t.Fatal(err)
		}
		if runs != 1 {
			t.Errorf("%d import.run events with the counts", runs)
		}

		// A file over the limit is refused, nothing is stored.
		big := b.postFile("/admin/import", "/admin/import", map[string]string{"kind": "clients"}, bytes.Repeat([]byte("x"), 66<<20), nil)
		if big.status != http.StatusRequestEntityTooLarge {
			t.Errorf("a 66 MB upload: %d", big.status)
		}
		// A missing file is an error at the field.
		none := b.postFile("/admin/import", "/admin/import", map[string]string{"kind": "clients"}, nil, nil)
		mustContain(t, "empty upload", none.body, "The file is empty.")

		if p := b.submit(status, status+"/discard", url.Values{}); p.status != http.StatusSeeOther {
			t.Fatalf("discard: %d", p.status)
		}
		if got := b.get(status).status; got != http.StatusNotFound {
			t.Errorf("a discarded upload: %d", got)
		}
	})
}
