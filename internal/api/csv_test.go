package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// formulaEmail is a valid e-mail address that a spreadsheet would run as a
// formula if a CSV file gave it as it is.
const formulaEmail = "=cmd|'/ccalc'!a0@hel.example"

// TestAccessesCSVNeutralisesFormulas: an account whose e-mail address starts
// like a formula appears in "who has seen this client" as CSV with a
// leading apostrophe, so that a spreadsheet shows it as text.
func TestAccessesCSVNeutralisesFormulas(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		ctx := context.Background()
		op := store.OperatorActor()
		if _, err := e.s.CreateAccount(ctx, op, store.NewAccount{Email: formulaEmail, Name: "Formula", OrganisationID: "municipality:091"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.CreateGrant(ctx, op, store.NewGrant{Email: formulaEmail, Municipality: "091", Role: "viewer", Task: "§ 80(2) task"}); err != nil {
			t.Fatal(err)
		}
		tok, err := e.s.CreateToken(ctx, op, formulaEmail, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[formulaEmail] = tok
		_, c := e.do("worker@hel.example", "POST", "/api/v1/clients", client("010190-999W"))
		id := c["id"].(string)
		if st, _ := e.do(formulaEmail, "GET", "/api/v1/clients/"+id, nil); st != 200 {
			t.Fatalf("read: %d", st)
		}
		body := e.raw(t, "main@hel.example", e.url+"/api/v1/clients/"+id+"/accesses?format=csv")
		if !strings.HasPrefix(body, "\ufefftime,actor_email,actor_organisation,action,outcome\n") {
			t.Fatalf("accesses CSV:\n%s", body)
		}
		if !strings.Contains(body, ",'"+formulaEmail+",municipality:091,client.read,allowed\n") {
			t.Errorf("the formula is not neutralised:\n%s", body)
		}
		for _, line := range strings.Split(body, "\n") {
			for _, field := range strings.Split(line, ",") {
				if strings.HasPrefix(strings.TrimPrefix(field, `"`), "=") {
					t.Errorf("a field starts with =: %q", line)
				}
			}
		}
	})
}
