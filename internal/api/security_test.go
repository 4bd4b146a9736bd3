package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

func TestCredentialsThatMustNotWork(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		ctx := context.Background()
		w := "worker@hel.example"
		_, c := e.do(w, "POST", "/api/v1/clients", client("010190-999W"))
		path := "/api/v1/clients/" + c["id"].(string)

		for name, tok := range map[string]string{
			"forged":        "kd_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
			"not ours":      "eyJhbGciOiJIUzI1NiJ9.e30.x",
			"truncated":     e.tokens[w][:20],
			"with a suffix": e.tokens[w] + "x",
		} {
			e.tokens["forger"] = tok
			if st, _ := e.do("forger", "GET", path, nil); st != 401 {
				t.Errorf("%s token: %d", name, st)
			}
		}
		// An expired token.
		later := e.reopenAt(t, tg, testNow.Add(2*time.Hour))
		if _, _, err := later.PrincipalForToken(ctx, e.tokens[w]); err == nil {
			t.Error("a one-hour token works two hours later")
		}
		// A disabled account's token stops at once; the main user cannot disable another municipality's staff or themself.
		if st, _ := e.do("main@hel.example", "DELETE", "/api/v1/accounts/"+itoa(e.principal("worker@espoo.example").AccountID), nil); st != 404 {
			t.Errorf("main user disables another municipality's worker: %d", st)
		}
		if st, _ := e.do("main@hel.example", "DELETE", "/api/v1/accounts/"+itoa(e.principal("main@hel.example").AccountID), nil); st != 422 {
			t.Errorf("main user disables themself: %d", st)
		}
		if st, _ := e.do("main@hel.example", "DELETE", "/api/v1/accounts/"+itoa(e.principal(w).AccountID), nil); st != 204 {
			t.Fatalf("disable: %d", st)
		}
		if st, _ := e.do(w, "GET", path, nil); st != 401 {
			t.Errorf("disabled account's token: %d", st)
		}
		if _, err := e.s.CreateToken(ctx, store.OperatorActor(), w, time.Hour); err == nil {
			t.Error("a token was made for a disabled account")
		}
		if _, _, err := e.s.SignInWithPassword(ctx, w, "whatever-password", store.RequestMeta{RemoteAddr: "192.0.2.1"}); err == nil {
			t.Error("a disabled account signed in")
		}
	})
}
