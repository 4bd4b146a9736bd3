package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// The clients file may carry the background data for statistics; a value
// that the registration would refuse rejects the row with its reason.
func TestImportBackgroundColumns(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		file := filepath.Join(t.TempDir(), "old-system.csv")
		data := "source_id;last_name;first_names;personal_identity_code;uma_number;date_of_birth;residence_basis_type;residence_valid_until;service_language;sex;citizenships;mother_tongue;arrival_date;client_group\n" +
			"B-1;Haddad;Rasha;020295-998L;;;residence_permit;2099-06-30;fi;;SY, TR;ar;2023-09-14;family_member\n" +
			"B-2;Abdi;Hodan;;AB-90;1991-07-07;residence_permit;2099-06-30;fi;female;so;som;;quota_refugee\n" +
			"B-3;Ahmadi;Zahra;;AB-91;1993-03-03;residence_permit;2099-06-30;fi;;;;;\n" +
			"B-4;Tamm;Kadri;010190-999W;;;eu_registration;;fi;female;EE;et;;eu_eea\n" + // a man's code
			"B-5;Saar;Tiina;;AB-92;1990-01-01;eu_registration;;fi;;EST;;;eu_eea\n" + // not an alpha-2 code
			"B-6;Kask;Mari;;AB-93;1990-01-01;eu_registration;;fi;;EE;klingon;2030-01-01;tourist\n"
		if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, err := cli(t, "", "import", "--db="+tg.URL, "--municipality", "091", file)
		if err != nil || !strings.HasSuffix(strings.TrimSpace(out), "imported 3, skipped 0, rejected 3") {
			t.Fatalf("import: %q %q %v", out, errOut, err)
		}
		for _, want := range []string{"line 5: ", "sex: The sex does not match the identity code.", "line 6: ", "citizenships: Unknown country code",
			"line 7: ", "mother_tongue: Unknown language", "arrival_date: The date cannot be in the future.", "client_group: This value is not allowed."} {
			if !strings.Contains(errOut, want) {
				t.Errorf("rejections lack %q:\n%s", want, errOut)
			}
		}
		ctx := context.Background()
		s, err := store.Open(ctx, tg.URL, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		got := map[string]string{}
		err = s.DB().InScope(ctx, db.AllMunicipalities, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, `SELECT source_id, sex, citizenships, mother_tongue, arrival_date, client_group FROM clients`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id string
				var v [5]sql.NullString
				if err := rows.Scan(&id, &v[0], &v[1], &v[2], &v[3], &v[4]); err != nil {
					return err
				}
				var parts []string
				for _, x := range v {
					parts = append(parts, x.String)
				}
				got[id] = strings.Join(parts, "|")
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]string{
			"B-1": "female|SY TR|ar|2023-09-14|family_member", // sex from the code
			"B-2": "female|SO|so||quota_refugee",              // 639-3 som stored as so
			"B-3": "||||",
		} {
			if g := got[id]; !strings.HasPrefix(strings.Replace(g, "T00:00:00Z", "", 1), want) {
				t.Errorf("%s: %q, want %q", id, g, want)
			}
		}
		if len(got) != 3 {
			t.Errorf("stored: %v", got)
		}
	})
}
