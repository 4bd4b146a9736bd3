package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/refdata"
	"github.com/kotodigi/kotodigi/internal/store"
)

// GenerateOptions configure Generate.
type GenerateOptions struct {
	// Clients is how many clients to make.
	Clients int
	// Seed makes the data: the same seed, number and day give the same rows.
	Seed uint64
	// Batch is how many clients one transaction writes (default 5000).
	Batch int
	// Progress, when set, is called after every batch.
	Progress func(done int)
}

// GenerateResult tells what Generate wrote.
type GenerateResult struct {
	Run string
	store.SyntheticCounts
	Elapsed time.Duration
}

// Generate fills the database with synthetic clients for benchmarks: spread
// over the municipalities in proportion to their populations (largest
// remainders, so the counts are exact), registered over the three years
// before today, each with background data and case records as they would
// build up (assessments, plans with reviews, services with final language
// tests, transfers). Identity codes use only the individual numbers 900–999
// and are unique. Rows are written in batches through bulk (COPY on
// PostgreSQL: see store.LoadSynthetic); the run writes one audit event, not
// one per client. It is deterministic for a seed and a day.
func Generate(ctx context.Context, s *store.Store, bulk *db.DB, opt GenerateOptions) (GenerateResult, error) {
	started := time.Now()
	if opt.Batch <= 0 {
		opt.Batch = 5000
	}
	g := newGenerator(s.RefData(), opt.Seed, s.Today())
	res := GenerateResult{Run: g.uuid()}
	alloc := Allocate(s.RefData().Municipalities, opt.Clients)
	var batch []store.SyntheticClient
	flush := func() error {
		if err := s.LoadSynthetic(ctx, bulk, res.Run, batch); err != nil {
			return err
		}
		batch = batch[:0]
		if opt.Progress != nil {
			opt.Progress(res.Clients)
		}
		return nil
	}
	for mi, n := range alloc {
		for range n {
			c := g.client(s.RefData().Municipalities[mi].Code, res.Clients)
			res.count(c)
			if batch = append(batch, c); len(batch) >= opt.Batch {
				if err := flush(); err != nil {
					return res, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return res, err
	}
	if err := s.AnalyzeSynthetic(ctx, bulk); err != nil {
		return res, err
	}
	res.Elapsed = time.Since(started)
	return res, s.RecordSynthetic(ctx, store.OperatorActor(), res.Run, opt.Seed, res.SyntheticCounts)
}

func (r *GenerateResult) count(c store.SyntheticClient) {
	r.Clients++
	r.Assessments += len(c.Assessments)
	r.Plans += len(c.Plans)
	for _, p := range c.Plans {
		r.Reviews += len(p.Reviews)
	}
	r.Services += len(c.Services)
	if c.Transfer != nil {
		r.Transfers++
	}
}

// Allocate spreads n clients over the municipalities in proportion to their
// populations by largest remainders (ties to the earlier municipality).
func Allocate(ms []refdata.Municipality, n int) []int {
	total := 0
	for _, m := range ms {
		total += m.Population
	}
	out := make([]int, len(ms))
	rem := make([]int, len(ms))
	left := n
	for i, m := range ms {
		q := n * m.Population
		out[i], rem[i] = q/total, q%total
		left -= out[i]
	}
	for ; left > 0; left-- {
		best := 0
		for i := range rem {
			if rem[i] > rem[best] {
				best = i
			}
		}
		out[best]++
		rem[best] = -1
	}
	return out
}

// generator makes synthetic clients from one random stream.
type generator struct {
	rng   *rand.Rand
	ref   *refdata.Data
	today model.Date
	now   time.Time
	// used: per date of birth, the individual numbers handed out (from 900)
	used    map[model.Date]int
	weights []int // municipality populations, for transfers
	total   int
}

func newGenerator(ref *refdata.Data, seed uint64, today model.Date) *generator {
	g := &generator{rng: rand.New(rand.NewPCG(seed, 0x6b6f746f)), ref: ref, today: today, used: map[model.Date]int{}}
	g.now = time.Date(today.Year, today.Month, today.Day, 12, 0, 0, 0, store.Finland)
	for _, m := range ref.Municipalities {
		g.weights = append(g.weights, m.Population)
		g.total += m.Population
	}
	return g
}

// uuid is a random (version 4) uuid from the generator's stream.
func (g *generator) uuid() string {
	var b [16]byte
	for i := range 2 {
		x := g.rng.Uint64()
		for j := range 8 {
			b[i*8+j] = byte(x >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// day is a date uniformly within [from, from+days).
func (g *generator) day(from model.Date, days int) model.Date {
	return from.AddDate(0, 0, g.rng.IntN(max(days, 1)))
}

// identity returns a date of birth and an unused identity code with an
// individual number from 900 to 999.
func (g *generator) identity() (model.Date, string) {
	for {
		dob := g.day(model.Date{Year: 1958, Month: 1, Day: 1}, 50*365)
		n := g.used[dob]
		if n >= 100 {
			continue
		}
		g.used[dob] = n + 1
		return dob, model.SyntheticIdentityCode(dob.Time(), 900+n)
	}
}

func (g *generator) client(muni string, i int) store.SyntheticClient {
	dob, pic := g.identity()
	registered := g.now.Add(-time.Duration(g.rng.Int64N(int64(3 * 365 * 24 * time.Hour)))).Truncate(time.Second).UTC()
	regDay := model.DateOf(registered.In(store.Finland))
	firstPermit := regDay.AddDate(0, 0, -g.rng.IntN(200))
	until := g.day(g.today.AddDate(0, 1, 0), 3*365)
	in := model.ClientFields{Municipality: muni, PersonalIdentityCode: &pic, DateOfBirth: &dob,
		ResidenceBasis:  &model.ResidenceBasis{ValidUntil: &until, FirstPermitDate: &firstPermit},
		ServiceLanguage: g.language(muni), RightToWork: "Oikeus ansiotyöhön ilman rajoituksia", Jobseeker: g.rng.IntN(100) < 35}
	background(g.rng, &in, dob, g.today, i)
	if in.UMANumber != nil {
		uma := fmt.Sprintf("SYNT-%09d", i)
		in.UMANumber = &uma
	}
	c := store.SyntheticClient{ID: g.uuid(), SourceID: fmt.Sprintf("synthetic-%d", i), Fields: in, Registered: registered}
	var moved *model.Date
	if g.rng.IntN(100) < 3 {
		c.Transfer, moved = g.transfer(muni, registered)
		if c.Transfer != nil {
			c.Fields.Municipality = c.Transfer.To
		}
	}
	at := func(d model.Date) string { // the municipality responsible on day d
		if moved != nil && !d.Before(*moved) {
			return c.Transfer.To
		}
		return muni
	}
	g.cases(&c, regDay, at)
	return c
}

// language: Swedish in Åland, otherwise for one client in sixteen.
func (g *generator) language(muni string) string {
	if m, ok := g.ref.Municipality(muni); ok && m.RegionCode == "21" || g.rng.IntN(16) == 0 {
		return "sv"
	}
	return "fi"
}

// transfer moves a client to another municipality (chosen by population)
// some time after registration, if that is not in the future.
func (g *generator) transfer(from string, registered time.Time) (*store.SyntheticTransfer, *model.Date) {
	at := registered.Add(time.Duration(30+g.rng.IntN(700)) * 24 * time.Hour)
	if at.After(g.now) {
		return nil, nil
	}
	x := g.rng.IntN(g.total)
	to := g.ref.Municipalities[0].Code
	for i, w := range g.weights {
		if x < w {
			to = g.ref.Municipalities[i].Code
			break
		}
		x -= w
	}
	if to == from {
		return nil, nil
	}
	day := model.DateOf(at.In(store.Finland))
	return &store.SyntheticTransfer{ID: g.uuid(), From: from, To: to, At: at, ReadUntil: day.AddDate(0, 3, 0)}, &day
}

// cases records the client's statutory work as it would build up: most
// clients are assessed within two months, most of those get a plan within
// two more, plans are reviewed around their planned date and lead to civic
// orientation, integration training (with a final language test once it
// ends), language courses and guidance.
func (g *generator) cases(c *store.SyntheticClient, reg model.Date, at func(model.Date) string) {
	past := func(d model.Date) bool { return !d.After(g.today) }
	if g.rng.IntN(100) >= 85 {
		if d := g.day(reg, 90); g.rng.IntN(3) == 0 && past(d) {
			c.Services = append(c.Services, g.service(at, model.ServiceGuidance, d, nil))
		}
		return
	}
	assessed := g.day(reg.AddDate(0, 0, 5), 55)
	if !past(assessed) {
		return
	}
	planDue := assessed.AddDate(0, 1, 0)
	a := store.SyntheticAssessment{ID: g.uuid(), Municipality: at(assessed), Date: assessed, PlanNeeded: g.rng.IntN(10) > 0, PlannedPlanDate: &planDue}
	c.Assessments = append(c.Assessments, a)
	start := g.day(assessed.AddDate(0, 0, 7), 70)
	if !a.PlanNeeded || g.rng.IntN(100) >= 80 || !past(start) {
		return
	}
	review := start.AddDate(0, 6, 0)
	p := store.SyntheticPlan{ID: g.uuid(), Municipality: at(start), Start: start, End: start.AddDate(1, 0, -1), PlannedReview: &review}
	if r := g.day(review.AddDate(0, 0, -20), 60); g.rng.IntN(100) < 65 && past(r) {
		p.Reviews = append(p.Reviews, store.SyntheticReview{ID: g.uuid(), Date: r})
	}
	c.Plans = append(c.Plans, p)
	g.planServices(c, start, at)
}

func (g *generator) planServices(c *store.SyntheticClient, start model.Date, at func(model.Date) string) {
	past := func(d model.Date) bool { return !d.After(g.today) }
	if d := g.day(start.AddDate(0, 0, 10), 50); g.rng.IntN(100) < 60 && past(d) {
		end := d.AddDate(0, 2, 0)
		v := g.service(at, model.ServiceCivicOrientation, d, &end)
		v.Attendance = "attended"
		if g.rng.IntN(100) < 12 {
			v.Attendance = "missed"
		}
		c.Services = append(c.Services, v)
	}
	if d := g.day(start.AddDate(0, 0, 20), 70); g.rng.IntN(100) < 50 && past(d) {
		end := d.AddDate(0, 10, 0)
		v := g.service(at, model.ServiceIntegrationTraining, d, &end)
		if past(end) && g.rng.IntN(100) < 80 {
			// CEFR levels reached: mostly A2–B1
			levels := []string{"A1", "A2", "A2", "A2", "B1", "B1", "B1", "B2", "B2", "C1"}
			v.TestLevel, v.TestDate = levels[g.rng.IntN(len(levels))], &end
		}
		c.Services = append(c.Services, v)
	}
	if d := g.day(start.AddDate(0, 1, 0), 200); g.rng.IntN(100) < 20 && past(d) {
		c.Services = append(c.Services, g.service(at, model.ServiceLanguageCourse, d, nil))
	}
	if d := g.day(start, 120); g.rng.IntN(100) < 40 && past(d) {
		c.Services = append(c.Services, g.service(at, model.ServiceGuidance, d, nil))
	}
}

func (g *generator) service(at func(model.Date) string, kind string, d model.Date, end *model.Date) store.SyntheticService {
	if end != nil && end.After(g.today) {
		end = nil
	}
	return store.SyntheticService{ID: g.uuid(), Municipality: at(d), Type: kind, Date: d, End: end}
}
