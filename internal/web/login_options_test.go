package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

func TestSignInPageOffersTheIdentityProvider(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := newEnv(t, tg)
		plain := e.browser().get("/login")
		if strings.Contains(plain.body, "/login/oidc") || !strings.Contains(plain.body, `type="password"`) {
			t.Errorf("without a provider: %s", plain.body)
		}
		e.srv.SignIn = server.SignInOptions{OIDCPath: "/login/oidc", NoPassword: true}
		p := e.browser().get("/login?next=/clients")
		wantStatus(t, "sign-in page", p, http.StatusOK)
		mustContain(t, "provider link", p.body, `href="/login/oidc?next=%2fclients"`, "Kirjaudu organisaatiosi tunnistuspalvelulla")
		if strings.Contains(p.body, `type="password"`) {
			t.Error("password form shown although password sign-in is off")
		}
		checkPages(t, map[string]string{"sign-in with provider": p.body})
	})
}
