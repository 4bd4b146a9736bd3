package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// TestLegalHoldThroughTheForm: the responsible municipality's main user sets
// a legal hold with its reason (required, at its field), sees it, and clears
// it; both are audited. A worker and another municipality's main user get
// nowhere; the data-request lookup's result links the page.
func TestLegalHoldThroughTheForm(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		ctx := context.Background()
		w := e.browser()
		w.signIn(helsinkiWorker)
		client := w.caseClient(983, "Omid", "Rahimi", nil)
		id := strings.TrimPrefix(client, "/clients/")
		op := store.OperatorActor()
		for _, a := range []store.NewAccount{
			{Email: "main@helsinki.test", Name: "Paula Pääkäyttäjä", OrganisationID: "municipality:091", Roles: []authz.Role{authz.MainUser}, Password: password},
			{Email: "main@espoo.test", Name: "Eero Pääkäyttäjä", OrganisationID: "municipality:049", Roles: []authz.Role{authz.MainUser}, Password: password},
		} {
			if _, err := e.store.CreateAccount(ctx, op, a); err != nil {
				t.Fatal(err)
			}
		}
		m := e.browser()
		m.signIn("main@helsinki.test")
		path := client + "/legal-hold"
		page := m.get(path)
		if page.status != http.StatusOK || !strings.Contains(page.body, fi("hold.none")) {
			t.Fatalf("the hold page: %d\n%s", page.status, page.body)
		}
		p := m.submit(path, path, url.Values{"reason": {"  "}})
		if p.status != http.StatusUnprocessableEntity || errorAt(p.body, "reason") != fi("field.required") || !strings.Contains(p.body, `href="#reason"`) {
			t.Fatalf("a hold without a reason: %d %q", p.status, errorAt(p.body, "reason"))
		}
		if hold, err := e.store.LegalHoldOf(ctx, op, id); err != nil || hold != nil {
			t.Fatalf("a hold was stored without a reason: %v %v", hold, err)
		}
		p = m.submit(path, path, url.Values{"reason": {"Valitus hallinto-oikeudessa, dnro 123/2026"}})
		if p.status != http.StatusSeeOther || p.location != path+"?done=set" {
			t.Fatalf("setting the hold: %d %q\n%s", p.status, p.location, p.body)
		}
		page = m.get(p.location)
		mustContain(t, "the hold", page.body, fi("hold.done_set"), fi("hold.on"), "Valitus hallinto-oikeudessa, dnro 123/2026")
		if hold, err := e.store.LegalHoldOf(ctx, op, id); err != nil || hold == nil || hold.Organisation != "municipality:091" {
			t.Fatalf("the stored hold: %+v %v", hold, err)
		}

		// Nobody else reaches it.
		other := e.browser()
		other.signIn("main@espoo.test")
		if st := other.get(path).status; st != http.StatusNotFound && st != http.StatusForbidden {
			t.Errorf("another municipality's main user reads the hold: %d", st)
		}
		if st := other.submit("/", path+"/clear", url.Values{}).status; st != http.StatusNotFound && st != http.StatusForbidden {
			t.Errorf("another municipality's main user clears the hold: %d", st)
		}
		if st := w.get(path).status; st != http.StatusNotFound && st != http.StatusForbidden {
			t.Errorf("a worker reads the hold: %d", st)
		}
		if hold, _ := e.store.LegalHoldOf(ctx, op, id); hold == nil {
			t.Fatal("the hold was cleared by someone else")
		}

		p = m.submit(path, path+"/clear", url.Values{})
		if p.status != http.StatusSeeOther || p.location != path+"?done=cleared" {
			t.Fatalf("clearing the hold: %d %q", p.status, p.location)
		}
		mustContain(t, "cleared", m.get(p.location).body, fi("hold.done_cleared"), fi("hold.none"))
		if n := auditCount(t, e, "main@helsinki.test", "client.legal_hold", id); n != 2 {
			t.Errorf("audited %d legal hold events, want 2 (set, cleared)", n)
		}
		// The lookup's result leads here.
		look := m.submit("/admin/clients", "/admin/clients", url.Values{"query": {identityCode(983)}})
		mustContain(t, "lookup result", look.body, `href="`+path+`"`)
	})
}

// TestRetentionDryRunPage: KEHA-keskus' admin reaches the retention dry run
// from the navigation: the configured period and the count due of every
// record class, audited as retention.read; nobody else has the page.
func TestRetentionDryRunPage(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newAdminEnv(t, tg)
		adm := e.signedIn(kehaAdmin)
		mustContain(t, "KEHA admin's navigation", adm.get("/").body, `<a href="/admin/retention">`+fi("nav.retention")+`</a>`)
		before := auditCount(t, e, kehaAdmin, "retention.read", "")
		p := adm.get("/admin/retention")
		wantStatus(t, "retention page", p, http.StatusOK)
		mustContain(t, "retention page", p.body, fi("retention.caption"),
			"<td>"+fi("retention.clients")+"</td><td>"+fi("retention.days", "1825")+"</td>",
			"<td>"+fi("retention.audit_events")+"</td><td>"+fi("retention.days", "1825")+"</td>",
			"<td>"+fi("retention.sign_in_attempts")+"</td><td>"+fi("retention.days", "90")+"</td>",
			fi("retention.held", "0"))
		if n := auditCount(t, e, kehaAdmin, "retention.read", ""); n != before+1 {
			t.Errorf("retention.read events %d → %d", before, n)
		}
		for _, who := range []string{helsinkiWorker, helsinkiMain} {
			b := e.signedIn(who)
			mustNotContain(t, who+"'s navigation", b.get("/").body, `href="/admin/retention"`)
			if st := b.get("/admin/retention").status; st != http.StatusForbidden && st != http.StatusNotFound {
				t.Errorf("%s opens the retention page: %d", who, st)
			}
		}
	})
}
