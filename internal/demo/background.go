package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/kotodigi/kotodigi/internal/model"
)

// profile is a kind of demo client: citizenships, the mother tongues and
// client groups that go with them, and names.
type profile struct {
	citizenships []string
	tongues      []string
	groups       []string
	women, men   []string // first names
	last         []string
}

// profiles are weighted by repetition, roughly as the clients of integration
// services in Finland are.
var profiles = []profile{
	{[]string{"UA"}, []string{"uk", "ru"}, []string{"temporary_protection"}, []string{"Olena", "Oksana"}, []string{"Dmytro", "Serhii"}, []string{"Kovalenko", "Shevchenko", "Bondarenko"}},
	{[]string{"UA"}, []string{"uk"}, []string{"temporary_protection"}, []string{"Iryna", "Yulia"}, []string{"Andrii", "Taras"}, []string{"Melnyk", "Tkachenko", "Kravchenko"}},
	{[]string{"SY"}, []string{"ar"}, []string{"international_protection", "family_member", "quota_refugee"}, []string{"Amina", "Rasha"}, []string{"Mohammed", "Omar"}, []string{"Haddad", "Al-Khatib", "Hassan"}},
	{[]string{"AF"}, []string{"prs", "ps"}, []string{"quota_refugee", "international_protection", "family_member"}, []string{"Zahra", "Mariam"}, []string{"Ahmad", "Farid"}, []string{"Ahmadi", "Rahimi", "Hakimi"}},
	{[]string{"SO"}, []string{"so"}, []string{"family_member", "international_protection"}, []string{"Fadumo", "Hodan", "Ayaan"}, []string{"Abdirahman", "Mahad"}, []string{"Abdi", "Yusuf", "Warsame"}},
	{[]string{"IQ"}, []string{"ar", "ckb"}, []string{"international_protection", "family_member"}, []string{"Zainab", "Shilan"}, []string{"Ali", "Karwan"}, []string{"Al-Rubaie", "Ahmed", "Karim"}},
	{[]string{"VN"}, []string{"vi"}, []string{"work", "study", "family_member"}, []string{"Thị Lan", "Hoa"}, []string{"Văn Minh", "Đức Anh"}, []string{"Nguyễn", "Trần", "Phạm"}},
	{[]string{"RU"}, []string{"ru"}, []string{"family_member", "work"}, []string{"Natalia", "Irina"}, []string{"Sergei", "Aleksei"}, []string{"Petrov", "Ivanova", "Smirnov"}},
	{[]string{"EE"}, []string{"et", "ru"}, []string{"eu_eea"}, []string{"Kadri", "Tiina"}, []string{"Margus", "Andres"}, []string{"Tamm", "Saar", "Kask"}},
	{[]string{"IN"}, []string{"hi", "ta", "ml"}, []string{"work", "study", "family_member"}, []string{"Priya", "Lakshmi"}, []string{"Arjun", "Rahul"}, []string{"Sharma", "Nair", "Krishnan"}},
	{[]string{"PH"}, []string{"fil", "ceb"}, []string{"work"}, []string{"Maria Angelica", "Rowena"}, []string{"Jose", "Mark Anthony"}, []string{"Santos", "Reyes", "Cruz"}},
	{[]string{"ER"}, []string{"ti"}, []string{"quota_refugee", "international_protection"}, []string{"Selam", "Helen"}, []string{"Yonas", "Tesfay"}, []string{"Gebremedhin", "Tekle", "Haile"}},
	{[]string{"CD"}, []string{"ln", "sw", "fr"}, []string{"quota_refugee"}, []string{"Grâce", "Esther"}, []string{"Jean-Pierre", "Patrick"}, []string{"Mbuyi", "Kabongo", "Ilunga"}},
	{[]string{"TH"}, []string{"th"}, []string{"family_member"}, []string{"Siriporn", "Nattaya"}, []string{"Somchai"}, []string{"Saetang", "Wongsa"}},
	{[]string{"ES"}, []string{"es", "ca"}, []string{"eu_eea"}, []string{"Sofía", "Ana María"}, []string{"Javier", "Pablo"}, []string{"García", "López", "Martínez"}},
	{[]string{"DE"}, []string{"de"}, []string{"eu_eea"}, []string{"Katrin", "Anja"}, []string{"Jürgen", "Tobias"}, []string{"Müller", "Schmidt"}},
	{[]string{"NG"}, []string{"en", "yo", "ig"}, []string{"work", "trafficking_victim", "family_member"}, []string{"Blessing", "Ngozi"}, []string{"Chinedu", "Emeka"}, []string{"Okafor", "Adeyemi"}},
	{[]string{"TR"}, []string{"tr", "kmr"}, []string{"work", "family_member", "international_protection"}, []string{"Elif", "Zeynep"}, []string{"Mehmet", "Emre"}, []string{"Yılmaz", "Kaya"}},
	{[]string{"SY", "TR"}, []string{"kmr", "ar"}, []string{"family_member"}, []string{"Rojin", "Berfin"}, []string{"Baran", "Azad"}, []string{"Demir", "Aydın"}},
	{[]string{model.StatelessCitizenship}, []string{"ar"}, []string{"international_protection", "quota_refugee"}, []string{"Noura", "Fatima"}, []string{"Hamad", "Khalid"}, []string{"Al-Enezi", "Al-Shammari"}},
}

// basisOf is the residence basis that goes with a client group.
func basisOf(rng *rand.Rand, group string) string {
	switch group {
	case "temporary_protection":
		return "temporary_protection"
	case "eu_eea":
		return "eu_registration"
	case "family_member":
		return []string{"residence_permit", "residence_card"}[rng.IntN(2)]
	case "international_protection":
		return []string{"residence_permit", "residence_permit", "pending_application"}[rng.IntN(3)]
	}
	return "residence_permit"
}

// background gives a demo client a name and background data from a profile,
// with the residence basis that goes with its client group. Some clients have
// not told one thing or another (about one in eight each), every twelfth has
// told nothing, and every seventh has a UMA number instead of an identity
// code, so the sex is entered (or, for every other one, not told) rather
// than derived.
func background(rng *rand.Rand, in *model.ClientFields, dob, today model.Date, i int) {
	p := profiles[rng.IntN(len(profiles))]
	group := p.groups[rng.IntN(len(p.groups))]
	if rng.IntN(20) == 0 {
		group = "other"
	}
	in.ResidenceBasis.Type = basisOf(rng, group)
	if in.ResidenceBasis.Type == "eu_registration" {
		in.ResidenceBasis.ValidUntil = nil
	}
	if i%7 == 5 {
		uma := fmt.Sprintf("DEMO-%03d-%03d", rng.IntN(1000), i)
		d := dob
		in.PersonalIdentityCode, in.UMANumber, in.DateOfBirth = nil, &uma, &d
		if i%14 != 5 { // every other one has not told
			sex := model.Sexes[rng.IntN(len(model.Sexes))]
			in.Sex = &sex
		}
	}
	first := slices.Concat(p.women, p.men)
	if pic, err := model.ParsePersonalIdentityCode(deref(in.PersonalIdentityCode)); err == nil {
		in.Sex = nil
		first = p.men
		if model.SexFromIdentityCode(pic) == model.SexFemale {
			first = p.women
		}
	} else if in.Sex != nil && *in.Sex == model.SexFemale {
		first = p.women
	} else if in.Sex != nil {
		first = p.men
	}
	in.FirstNames, in.LastName = first[rng.IntN(len(first))], p.last[rng.IntN(len(p.last))]
	if i%12 == 11 {
		return // told nothing
	}
	told := func() bool { return rng.IntN(8) > 0 }
	if told() {
		in.Citizenships = p.citizenships
	}
	if told() {
		in.MotherTongue = &p.tongues[rng.IntN(len(p.tongues))]
	}
	if told() {
		in.ClientGroup = &group
	}
	if told() && in.ResidenceBasis.FirstPermitDate != nil {
		// Usually shortly before the first permit; asylum seekers wait longer.
		arrival := in.ResidenceBasis.FirstPermitDate.AddDate(0, 0, -rng.IntN(60))
		if group == "international_protection" {
			arrival = arrival.AddDate(0, -3-rng.IntN(18), 0)
		}
		if arrival.Before(dob) {
			arrival = dob
		}
		if arrival.After(today) {
			arrival = today
		}
		in.ArrivalDate = &arrival
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
