package browsertest

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/store"
)

// TestMergeTwoRecordsOfOnePerson: Espoo's main user, from the data requests
// page by clicking, asks to merge Espoo's record of a person (by UMA number)
// with Helsinki's (by identity code, typed, never in a URL); Helsinki's main
// user approves from the data requests page and then undoes the merge; a
// KEHA-keskus admin merges the two from the navigation. Every page passes
// axe.
func TestMergeTwoRecordsOfOnePerson(t *testing.T) {
	a := startApp(t)
	ctx := context.Background()
	id, err := a.st.AccountIDByEmail(ctx, "worker@espoo.demo")
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.st.PrincipalByAccountID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	uma, dob := "7777-0001", model.DateOf(a.st.Now().AddDate(-40, 0, 0))
	until := a.st.Today().AddDate(1, 0, 0)
	if _, err := a.st.RegisterClient(ctx, store.Actor{Principal: p}, model.ClientFields{Municipality: "049", UMANumber: &uma,
		FirstNames: "Zoe", LastName: "Oberg", DateOfBirth: &dob, ServiceLanguage: "fi",
		ResidenceBasis: &model.ResidenceBasis{Type: "residence_permit", ValidUntil: &until}}); err != nil {
		t.Fatal(err)
	}

	espoo := newBrowser(t, a)
	espoo.signIn("main@espoo.demo")
	espoo.follow("data requests", 200, click(`nav a[href="/admin/clients"]`))
	espoo.step("typing the UMA number", typeInto("#query", uma))
	espoo.follow("client found", 200, click(`form[role="search"] button[type="submit"]`))
	espoo.follow("merge form", 200, click(`#result-title ~ .actions a[href^="/admin/merges/new"]`))
	espoo.follow("merge form refused", 422, click(`main form.form button[type="submit"]`))
	espoo.step("typing Helsinki's identity code", typeInto("#other_identifier", a.seeded.IdentityCode), click(`#keep-other`))
	espoo.follow("merge requested", 200, click(`main form.form button[type="submit"]`))
	if st := eval[string](espoo, `document.querySelector("#merge-state").innerText`); st != msg("fi", "merge.state.requested") {
		t.Fatalf("after the request: %q", st)
	}
	espoo.screenshot("merge requested")

	hel := newBrowser(t, a)
	hel.signIn("main@helsinki.demo")
	hel.follow("data requests", 200, click(`nav a[href="/admin/clients"]`))
	hel.follow("merges", 200, click(`main a[href="/admin/merges"]`))
	hel.follow("the request", 200, click(`tbody a[href^="/admin/merges/"]`))
	hel.follow("approved", 200, click(`form[action$="/approve"] button`))
	if st := eval[string](hel, `document.querySelector("#merge-state").innerText`); st != msg("fi", "merge.state.merged") {
		t.Fatalf("after approving: %q", st)
	}
	hel.screenshot("merged")
	hel.follow("undone", 200, click(`form[action$="/undo"] button`))
	if st := eval[string](hel, `document.querySelector("#merge-state").innerText`); st != msg("fi", "merge.state.undone") {
		t.Fatalf("after undoing: %q", st)
	}

	keha := newBrowser(t, a)
	keha.signIn("admin@keha.demo")
	keha.follow("merges", 200, click(`nav a[href="/admin/merges"]`))
	keha.follow("new merge", 200, click(`main a[href="/admin/merges/new"]`))
	keha.step("typing both identifiers", typeInto("#identifier", uma), typeInto("#other_identifier", a.seeded.IdentityCode), click(`#keep`))
	keha.follow("merged by KEHA", 200, click(`main form.form button[type="submit"]`))
	if st := eval[string](keha, `document.querySelector("#merge-state").innerText`); st != msg("fi", "merge.state.merged") {
		t.Fatalf("KEHA's merge: %q", st)
	}
	keha.screenshot("merged by KEHA")

	for _, b := range []*browser{espoo, hel, keha} {
		for _, u := range b.requestedURLs() {
			plain, _ := url.QueryUnescape(u)
			if strings.Contains(strings.ToUpper(plain), a.seeded.IdentityCode) || strings.Contains(plain, uma) {
				t.Errorf("address %s holds an identifier", u)
			}
		}
	}
}
