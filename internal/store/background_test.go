package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/testdb"
)

// Background data is stored, read back (also by search), kept in step with
// the identity code, and every change is in the client's history.
func TestClientBackgroundData(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		f := newFixture(t, tg)
		ctx := context.Background()
		in := validClient("091", "010190-999W") // odd individual number: a man
		arrival := model.Date{Year: 2023, Month: 9, Day: 14}
		tongue, group := "AR", "family_member"
		in.Citizenships, in.MotherTongue, in.ArrivalDate, in.ClientGroup = []string{"sy", "TR"}, &tongue, &arrival, &group
		c, err := f.s.RegisterClient(ctx, f.helsinki, in)
		if err != nil {
			t.Fatal(err)
		}
		check := func(what string, got model.Client, sex string, cits []string, tongue string) {
			t.Helper()
			if deref(got.Sex) != sex || !slices.Equal(got.Citizenships, cits) || deref(got.MotherTongue) != tongue ||
				got.ArrivalDate == nil || *got.ArrivalDate != arrival || deref(got.ClientGroup) != "family_member" {
				t.Fatalf("%s: sex %v citizenships %v tongue %v arrival %v group %v", what, got.Sex, got.Citizenships,
					got.MotherTongue, got.ArrivalDate, got.ClientGroup)
			}
		}
		check("registered", c, "male", []string{"SY", "TR"}, "ar")
		got, err := f.s.ClientByID(ctx, f.helsinki, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		check("read", got, "male", []string{"SY", "TR"}, "ar")
		found, err := f.s.SearchClients(ctx, f.helsinki, "yusuf")
		if err != nil || len(found) != 1 {
			t.Fatal(found, err)
		}
		check("search", found[0], "male", []string{"SY", "TR"}, "ar")

		// A corrected identity code with an even individual number: the sex follows.
		woman := "010190-998V"
		if _, err := model.ParsePersonalIdentityCode(woman); err != nil {
			t.Fatal(err)
		}
		up, err := f.s.UpdateClient(ctx, f.helsinki, c.ID, model.ClientPatch{PersonalIdentityCode: model.Set(&woman),
			Citizenships: model.Set([]string{"XX"}), MotherTongue: model.Set[*string](nil)})
		if err != nil {
			t.Fatal(err)
		}
		check("updated", up, "female", []string{"XX"}, "")
		got, _ = f.s.ClientByID(ctx, f.helsinki, c.ID)
		check("read after update", got, "female", []string{"XX"}, "")

		// A sex that contradicts the code is refused and nothing changes.
		male := "male"
		_, err = f.s.UpdateClient(ctx, f.helsinki, c.ID, model.ClientPatch{Sex: model.Set(&male), ClientGroup: model.Set[*string](nil)})
		if fieldErr(err) != "sex:sex_mismatch" {
			t.Fatalf("contradicting sex: %v", err)
		}
		got, _ = f.s.ClientByID(ctx, f.helsinki, c.ID)
		check("after refused update", got, "female", []string{"XX"}, "")

		history, err := f.s.ClientHistory(ctx, f.helsinki, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		changes := map[string][2]string{}
		for _, h := range history {
			changes[h.Field] = [2]string{deref(h.OldValue), deref(h.NewValue)}
		}
		for field, want := range map[string][2]string{
			"personal_identity_code": {"010190-999W", woman}, "sex": {"male", "female"},
			"citizenships": {"SY TR", "XX"}, "mother_tongue": {"ar", ""},
		} {
			if changes[field] != want {
				t.Errorf("history of %s: %q, want %q", field, changes[field], want)
			}
		}
		if _, ok := changes["client_group"]; ok || len(changes) != 4 {
			t.Errorf("history: %v", changes)
		}
	})
}

// Without an identity code the sex is entered (or not told), and validation
// errors leave nothing stored.
func TestClientBackgroundWithoutCode(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		f := newFixture(t, tg)
		ctx := context.Background()
		in := validClient("091", "")
		uma, dob := "1234-5678", model.Date{Year: 1988, Month: 3, Day: 4}
		in.PersonalIdentityCode, in.UMANumber, in.DateOfBirth = nil, &uma, &dob
		c, err := f.s.RegisterClient(ctx, f.helsinki, in)
		if err != nil || c.Sex != nil || c.Citizenships != nil {
			t.Fatalf("nothing told: %+v %v", c, err)
		}
		bad := "tourist"
		_, err = f.s.UpdateClient(ctx, f.helsinki, c.ID, model.ClientPatch{Citizenships: model.Set([]string{"QQ"}), ClientGroup: model.Set(&bad)})
		if fieldErr(err) != "citizenships:unknown_country client_group:invalid_choice" {
			t.Fatalf("invalid: %v", err)
		}
		female := "female"
		if _, err := f.s.UpdateClient(ctx, f.helsinki, c.ID, model.ClientPatch{Sex: model.Set(&female)}); err != nil {
			t.Fatal(err)
		}
		got, err := f.s.ClientByID(ctx, f.helsinki, c.ID)
		if err != nil || deref(got.Sex) != "female" || got.Citizenships != nil || got.ClientGroup != nil {
			t.Fatalf("after update: %+v %v", got, err)
		}
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func fieldErr(err error) string {
	e, ok := err.(*model.Error)
	if !ok {
		return "not a field error: " + model.ErrorCode(err)
	}
	var out string
	for i, f := range e.Fields {
		if i > 0 {
			out += " "
		}
		out += f.Field + ":" + f.Code
	}
	return out
}
