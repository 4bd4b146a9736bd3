package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// TestAccessesCSVNeutralisesFormulas: in the downloaded "who has seen this
// client" file, an account whose e-mail address starts like a formula is
// text for a spreadsheet (a leading apostrophe), as in the API's file.
func TestAccessesCSVNeutralisesFormulas(t *testing.T) {
	t.Parallel() // its own databases; runs beside the other tests of this kind
	const formulaEmail = "=cmd|'/ccalc'!a0@hel.example"
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newAdminEnv(t, tg)
		ctx := context.Background()
		op := store.OperatorActor()
		if _, err := e.store.CreateAccount(ctx, op, store.NewAccount{Email: formulaEmail, Name: "Formula", OrganisationID: "municipality:091", Password: password}); err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{formulaEmail, helsinkiMain} {
			if _, err := e.store.CreateGrant(ctx, op, store.NewGrant{Email: email, Municipality: "091", Role: "viewer", Task: grantTask}); err != nil {
				t.Fatal(err)
			}
		}
		path := e.signedIn(helsinkiWorker).register(clientForm(identityCode(966), "Sara", "Ali"))
		wantStatus(t, "formula account reads the client", e.signedIn(formulaEmail).get(path), http.StatusOK)
		c := e.signedIn(helsinkiMain).get(path + "/accesses.csv")
		wantStatus(t, "CSV", c, http.StatusOK)
		mustContain(t, "CSV", c.body, "\r\n", ";'"+formulaEmail+";Helsinki (091);Asiakkaan tietojen katselu;Sallittu\r\n")
		for _, line := range strings.Split(c.body, "\r\n") {
			for _, field := range strings.Split(line, ";") {
				if strings.HasPrefix(strings.TrimPrefix(field, `"`), "=") {
					t.Errorf("a field starts with =: %q", line)
				}
			}
		}
	})
}
