// Command kotodigi is the national client information system for integration
// services: web UI, REST API and operator subcommands in one binary.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kotodigi/kotodigi/internal/accessreview"
	"github.com/kotodigi/kotodigi/internal/api"
	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/authz"
	"github.com/kotodigi/kotodigi/internal/config"
	"github.com/kotodigi/kotodigi/internal/db"
	"github.com/kotodigi/kotodigi/internal/demo"
	"github.com/kotodigi/kotodigi/internal/importer"
	"github.com/kotodigi/kotodigi/internal/jobs"
	"github.com/kotodigi/kotodigi/internal/locale"
	"github.com/kotodigi/kotodigi/internal/mail"
	"github.com/kotodigi/kotodigi/internal/model"
	"github.com/kotodigi/kotodigi/internal/server"
	"github.com/kotodigi/kotodigi/internal/sso"
	"github.com/kotodigi/kotodigi/internal/store"
	"github.com/kotodigi/kotodigi/internal/web"
)

const usage = `usage: kotodigi COMMAND [flags]

commands:
  serve [--demo]     serve the web UI and the API
  migrate            apply migrations and reference data
  user add           create a staff account
  grant add          grant access on behalf of a municipality
  token create       print a new API bearer token
  audit verify       check the audit trail's hash chains and seals (read-only) [--heads FILE|DIR ...]
  audit heads        print the chains' heads as JSON (signed with the audit key), to keep outside the database
  import             data migration: --municipality CODE [--dry-run] FILE.csv
  statistics refresh bring every indicator up to date now
  demo generate      fill a test database with synthetic clients: --clients N [--seed S] (benchmarks)
  retention [--dry-run]  remove what has passed its retention period (or count it)

every command takes --db (KOTODIGI_DB, default kotodigi.db) and, on PostgreSQL, --migrate-db
(KOTODIGI_MIGRATE_DB: the schema owner, for migrations only); run "kotodigi COMMAND -h" for its flags
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kotodigi: "+oneLine(err))
		os.Exit(1)
	}
}

// env returns the environment variable or a default.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// envDuration reads a duration from the environment, or returns def.
func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

// common are the flags every command has.
type common struct {
	db           string
	migrateDB    string
	auditKeyFile string
}

// auditKey reads the audit key from --audit-key-file, else from
// KOTODIGI_AUDIT_KEY; nil when neither is set.
func (c common) auditKey() (*audit.Key, error) {
	text, ok := os.LookupEnv("KOTODIGI_AUDIT_KEY")
	if c.auditKeyFile != "" {
		b, err := os.ReadFile(c.auditKeyFile)
		if err != nil {
			return nil, fmt.Errorf("--audit-key-file: %w", err)
		}
		text, ok = string(b), true
	}
	if !ok || strings.TrimSpace(text) == "" {
		return nil, nil
	}
	return audit.ParseKey(text)
}

func newFlags(name string, c *common) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&c.db, "db", env("KOTODIGI_DB", "kotodigi.db"), "database: a file path or sqlite:PATH (embedded SQLite), or postgres://… (env KOTODIGI_DB)")
	fs.StringVar(&c.migrateDB, "migrate-db", env("KOTODIGI_MIGRATE_DB", ""), "PostgreSQL only: the schema owner's postgres://… URL, used for migrations and nothing else; --db is then the runtime login (env KOTODIGI_MIGRATE_DB; see README)")
	fs.StringVar(&c.auditKeyFile, "audit-key-file", env("KOTODIGI_AUDIT_KEY_FILE", ""), "file holding the audit key that seals the audit trail (env KOTODIGI_AUDIT_KEY_FILE, or the key itself in KOTODIGI_AUDIT_KEY; see README)")
	return fs
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	err := runCommand(ctx, args, stdin, stdout, stderr)
	var h helpShown
	if errors.As(err, &h) {
		fmt.Fprint(stdout, h.usage)
		return nil
	}
	return err
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

func runCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	if cmd == "user" || cmd == "grant" || cmd == "token" || cmd == "audit" || cmd == "statistics" || cmd == "demo" {
		if len(rest) == 0 || isHelp(rest[0]) {
			if len(rest) > 0 {
				return helpShown{usage}
			}
			fmt.Fprint(stderr, usage)
			return fmt.Errorf("%q needs a subcommand", cmd)
		}
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	if isHelp(cmd) {
		return helpShown{usage}
	}
	switch cmd {
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "migrate":
		var c common
		fs := newFlags("migrate", &c)
		if err := parse(fs, rest, stderr); err != nil {
			return err
		}
		s, err := open(ctx, c)
		if err != nil {
			return err
		}
		defer s.Close()
		fmt.Fprintln(stdout, "migrations and reference data applied")
		return nil
	case "user add":
		return userAdd(ctx, rest, stdin, stdout, stderr)
	case "grant add":
		return grantAdd(ctx, rest, stdout, stderr)
	case "token create":
		return tokenCreate(ctx, rest, stdout, stderr)
	case "audit verify":
		return auditVerify(ctx, rest, stdout, stderr)
	case "audit heads":
		return auditHeads(ctx, rest, stdout, stderr)
	case "import":
		return importCmd(ctx, rest, stdout, stderr)
	case "statistics refresh":
		return statisticsRefresh(ctx, rest, stdout, stderr)
	case "demo generate":
		return demoGenerate(ctx, rest, stdout, stderr)
	case "retention":
		return retentionCmd(ctx, rest, stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// helpShown is returned by parse when -h or --help asked for a command's
// usage: run prints it on standard output and exits 0.
type helpShown struct{ usage string }

func (h helpShown) Error() string { return "help requested" }

// parse parses a command's flags; it takes no other arguments.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	rest, err := parseArgs(fs, args, stderr)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("unexpected argument %q", rest[0])
	}
	return err
}

// parseArgs parses a command's flags, which may come before and after its
// other arguments, and returns those. -h or --help returns helpShown.
func parseArgs(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	var out bytes.Buffer
	fs.SetOutput(&out)
	fs.Usage = func() {
		fmt.Fprintf(&out, "usage: kotodigi %s [flags]\n\nflags:\n", fs.Name())
		fs.PrintDefaults()
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, helpShown{out.String()}
			}
			_, _ = stderr.Write(out.Bytes())
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func open(ctx context.Context, c common) (*store.Store, error) {
	key, err := c.auditKey()
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, c.db, store.Options{Logger: slog.New(slog.NewJSONHandler(os.Stdout, nil)), MigrateDB: c.migrateDB, AuditKey: key})
}

// openReadOnly opens the database to read the audit trail: nothing is
// migrated or written; a schema not migrated is an error.
func openReadOnly(ctx context.Context, c common) (*db.DB, *audit.Key, error) {
	key, err := c.auditKey()
	if err != nil {
		return nil, nil, err
	}
	d, err := db.OpenReadOnly(ctx, c.db)
	if err != nil {
		return nil, nil, err
	}
	if err := d.CheckMigrated(ctx); err != nil {
		d.Close()
		return nil, nil, err
	}
	return d, key, nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("serve", &c)
	addr := fs.String("addr", env("KOTODIGI_ADDR", "127.0.0.1:8080"), "listen address (env KOTODIGI_ADDR)")
	withDemo := fs.Bool("demo", false, "load synthetic demo data first (idempotent)")
	var oc sso.Config
	fs.StringVar(&oc.Issuer, "oidc-issuer", env("KOTODIGI_OIDC_ISSUER", ""), "OpenID Connect issuer URL of the staff identity provider (env KOTODIGI_OIDC_ISSUER)")
	fs.StringVar(&oc.ClientID, "oidc-client-id", env("KOTODIGI_OIDC_CLIENT_ID", ""), "OpenID Connect client id (env KOTODIGI_OIDC_CLIENT_ID)")
	fs.StringVar(&oc.ClientSecret, "oidc-client-secret", env("KOTODIGI_OIDC_CLIENT_SECRET", ""), "OpenID Connect client secret (prefer the env KOTODIGI_OIDC_CLIENT_SECRET)")
	fs.StringVar(&oc.RedirectURL, "oidc-redirect-url", env("KOTODIGI_OIDC_REDIRECT_URL", ""), "this server's callback URL, ending in /login/oidc/callback (env KOTODIGI_OIDC_REDIRECT_URL)")
	var jc jobs.Config
	fs.DurationVar(&jc.AnomalyEvery, "anomaly-interval", envDuration("KOTODIGI_ANOMALY_INTERVAL", time.Minute), "how often log monitoring looks for anomalies (env KOTODIGI_ANOMALY_INTERVAL)")
	fs.DurationVar(&jc.AuditRetention, "audit-retention", envDuration("KOTODIGI_AUDIT_RETENTION", store.DefaultAuditRetention), "how long audit events are kept, at least 8760h (env KOTODIGI_AUDIT_RETENTION)")
	retentionFlags(fs, &jc.Retention)
	smtpSender := &mail.Sender{Username: os.Getenv("KOTODIGI_SMTP_USERNAME"), Password: os.Getenv("KOTODIGI_SMTP_PASSWORD")}
	fs.StringVar(&smtpSender.Addr, "smtp-addr", env("KOTODIGI_SMTP_ADDR", ""), "SMTP relay host:port for notices to main users (env KOTODIGI_SMTP_ADDR; credentials in KOTODIGI_SMTP_USERNAME/KOTODIGI_SMTP_PASSWORD)")
	fs.StringVar(&smtpSender.From, "smtp-from", env("KOTODIGI_SMTP_FROM", ""), "sender address of notices (env KOTODIGI_SMTP_FROM)")
	baseURL := fs.String("base-url", env("KOTODIGI_BASE_URL", ""), "public address of this service, for links in e-mail; https://… makes session cookies Secure whatever the Host header says (env KOTODIGI_BASE_URL)")
	trustedProxies := fs.String("trusted-proxies", env("KOTODIGI_TRUSTED_PROXIES", ""), "comma-separated networks of the reverse proxies in front of this service (CIDR); only their X-Forwarded-For is believed (env KOTODIGI_TRUSTED_PROXIES)")
	casePolicy := fs.String("case-policy", env("KOTODIGI_CASE_POLICY", ""), "statutory deadline settings, e.g. plan_preparation_months=2,service_guidance_months=6 (env KOTODIGI_CASE_POLICY; see README)")
	anomalyRules := fs.String("anomaly-rules", env("KOTODIGI_ANOMALY_RULES", ""), "log monitoring thresholds, e.g. many_reads=50,many_reads_window=10m (env KOTODIGI_ANOMALY_RULES; see README)")
	dormantAfter := fs.Duration("dormant-after", envDuration("KOTODIGI_DORMANT_AFTER", 90*24*time.Hour), "an account without sign-in this long is dormant in the access review (env KOTODIGI_DORMANT_AFTER)")
	fs.DurationVar(&jc.StatisticsEvery, "statistics-interval", envDuration("KOTODIGI_STATISTICS_INTERVAL", jobs.DefaultStatisticsEvery), "how often the indicators are refreshed; figures lag the data by up to this much (env KOTODIGI_STATISTICS_INTERVAL)")
	threshold := thresholdFlag(fs)
	openData := fs.Bool("open-data", env("KOTODIGI_OPEN_DATA", "false") == "true", "publish the indicators of the country, regions and wellbeing counties without sign-in at /api/v1/open/indicators (env KOTODIGI_OPEN_DATA=true|false)")
	readyFailures := fs.String("ready-max-failures", env("KOTODIGI_READY_MAX_FAILURES", strconv.Itoa(jobs.DefaultHealth.MaxFailures)),
		"GET /readyz answers 503 when a background job has failed this many runs in a row (env KOTODIGI_READY_MAX_FAILURES)")
	readyStale := fs.String("ready-stale-after", env("KOTODIGI_READY_STALE_AFTER", jobs.DefaultHealth.StaleAfter.String()),
		"GET /readyz answers 503 when a background job is this long overdue, or without a success for its interval plus this long (env KOTODIGI_READY_STALE_AFTER)")
	passwordSignIn := fs.Bool("password-signin", env("KOTODIGI_PASSWORD_SIGNIN", "true") == "true", "allow sign-in with a password (env KOTODIGI_PASSWORD_SIGNIN=true|false)")
	headsDir := fs.String("audit-heads-dir", env("KOTODIGI_AUDIT_HEADS_DIR", ""), "publish the audit trail's signed heads as files in this directory (env KOTODIGI_AUDIT_HEADS_DIR; needs the audit key)")
	fs.DurationVar(&jc.AuditHeadsEvery, "audit-heads-interval", envDuration("KOTODIGI_AUDIT_HEADS_INTERVAL", time.Hour), "how often the signed heads are published (env KOTODIGI_AUDIT_HEADS_INTERVAL)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	key, err := c.auditKey()
	if err != nil {
		return err
	}
	if *headsDir != "" {
		if key == nil {
			return errors.New("--audit-heads-dir needs the audit key (--audit-key-file or KOTODIGI_AUDIT_KEY): published heads are signed with it")
		}
		if st, err := os.Stat(*headsDir); err != nil || !st.IsDir() {
			return fmt.Errorf("--audit-heads-dir: %s is not a directory", *headsDir)
		}
	}
	if oc.Issuer != "" && (oc.ClientID == "" || oc.RedirectURL == "") {
		return errors.New("--oidc-issuer needs --oidc-client-id and --oidc-redirect-url")
	}
	if !*passwordSignIn && !oc.Enabled() {
		return errors.New("password sign-in is off and no identity provider is configured: nobody could sign in")
	}
	proxies, err := config.TrustedProxies(*trustedProxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	if u, err := url.Parse(*baseURL); *baseURL != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
		return errors.New("--base-url: want the public address, such as https://kotodigi.example")
	}
	cases, err := config.CasePolicy(*casePolicy)
	if err != nil {
		return fmt.Errorf("--case-policy: %w", err)
	}
	if jc.Rules, err = config.AnomalyRules(*anomalyRules); err != nil {
		return fmt.Errorf("--anomaly-rules: %w", err)
	}
	if *threshold < 2 {
		return errors.New("--statistics-threshold must be at least 2")
	}
	if jc.StatisticsEvery < time.Minute {
		return errors.New("--statistics-interval must be at least 1m")
	}
	health, err := readiness(*readyFailures, *readyStale)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stdout, nil))
	s, err := store.Open(ctx, c.db, store.Options{Logger: log, DisablePasswordSignIn: !*passwordSignIn, BaseURL: strings.TrimRight(*baseURL, "/"),
		Cases: cases, Access: accessreview.Policy{DormantAfter: *dormantAfter}, MigrateDB: c.migrateDB, AuditKey: key,
		Indicators: store.IndicatorOptions{Threshold: *threshold, OpenData: *openData},
		Retention:  store.RetentionPolicy{Clients: jc.Retention.Clients, CaseRecords: jc.Retention.CaseRecords, SignIns: jc.Retention.SignIns, Audit: jc.AuditRetention}})
	if err != nil {
		return err
	}
	defer s.Close()
	if key == nil && !*withDemo {
		log.Warn("no audit key: the audit trail is not sealed, and anyone who can write to the database can forge or remove events unnoticed (set --audit-key-file or KOTODIGI_AUDIT_KEY; see README, Audit trail)")
	}
	if *headsDir != "" {
		jc.PublishAuditHeads = func(ctx context.Context) error {
			_, err := audit.PublishHeads(ctx, s.DB(), key, *headsDir, s.Now())
			return err
		}
	}
	if owner, err := s.DB().SessionCanBecomeOwner(ctx); err != nil {
		return err
	} else if owner && !*withDemo {
		log.Warn("the --db login can become the owner of the audit trail (RESET ROLE): run with a runtime login and --migrate-db (see README, Running on PostgreSQL)")
	}
	if *withDemo {
		if err := demo.Load(ctx, s); err != nil {
			return err
		}
	}
	srv := server.New(server.Config{Addr: *addr, BaseURL: *baseURL, TrustedProxies: proxies}, s, locale.MustLoad(), log)
	srv.SignIn = server.SignInOptions{NoPassword: !*passwordSignIn}
	if oc.Enabled() {
		srv.SignIn.OIDCPath = sso.StartPath
	}
	srv.Mount(api.Routes(srv))
	srv.Mount(web.Routes(srv))
	srv.Mount(sso.Routes(srv, oc))
	if jc.AuditRetention < audit.MinRetention {
		return fmt.Errorf("--audit-retention must be at least %s", audit.MinRetention)
	}
	if smtpSender.Enabled() {
		jc.Mail = smtpSender
		srv.Mail = smtpSender
	}
	runner := jobs.New(s, jc, log)
	health.Jobs = runner.Names()
	srv.JobHealth = health
	go runner.Loop(ctx, runner.Tick())
	go (&importer.Worker{Store: s, Log: log}).Loop(ctx)
	go s.WatchPrincipals(ctx)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	addrURL := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(stderr, "kotodigi is serving at %s\n", addrURL)
	if *withDemo {
		fmt.Fprintf(stderr, "demo: sign in with any of these accounts, password %q:\n", demo.Password)
		for _, a := range demo.Accounts {
			fmt.Fprintf(stderr, "  %-28s %s\n", a.Email, describe(a))
		}
	}
	return srv.ListenAndServe(ctx, ln)
}

// readiness parses the thresholds of GET /readyz.
func readiness(failures, stale string) (jobs.Health, error) {
	n, err := strconv.Atoi(failures)
	if err != nil || n <= 0 {
		return jobs.Health{}, fmt.Errorf("--ready-max-failures: want a positive whole number, got %q", failures)
	}
	d, err := time.ParseDuration(stale)
	if err != nil || d <= 0 {
		return jobs.Health{}, fmt.Errorf("--ready-stale-after: want a positive duration such as 15m, got %q", stale)
	}
	return jobs.Health{MaxFailures: n, StaleAfter: d}, nil
}

func describe(a demo.Account) string {
	var parts []string
	for _, r := range a.Roles {
		parts = append(parts, string(r))
	}
	for _, g := range a.Grants {
		parts = append(parts, g.Role+" for "+g.Municipality)
	}
	return strings.Join(parts, ", ")
}

func userAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("user add", &c)
	email := fs.String("email", "", "e-mail address (the sign-in name)")
	name := fs.String("name", "", "full name")
	org := fs.String("org", "", "employer: municipality:CODE, wellbeing_county:CODE, keha, tem, regional_centre:SLUG")
	var roles stringList
	fs.Var(&roles, "role", "organisation role (repeatable): keha_admin, log_monitor, main_user, statistician")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *email == "" || *name == "" || *org == "" {
		return errors.New("--email, --name and --org are required")
	}
	in := store.NewAccount{Email: *email, Name: *name, OrganisationID: *org}
	for _, r := range roles {
		in.Roles = append(in.Roles, authz.Role(r))
	}
	if *pwStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		in.Password = strings.TrimRight(line, "\r\n")
		if in.Password == "" {
			return errors.New("no password on standard input")
		}
	}
	s, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	id, err := s.CreateAccount(ctx, store.OperatorActor(), in)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "account %d created\n", id)
	return nil
}

func grantAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("grant add", &c)
	var in store.NewGrant
	fs.StringVar(&in.Email, "email", "", "the grantee's e-mail")
	fs.StringVar(&in.Municipality, "municipality", "", "the granting municipality's 3-digit code")
	fs.StringVar(&in.Role, "role", "", "worker or viewer")
	fs.StringVar(&in.Task, "task", "", "the statutory task (Integration Act § 80(2)) the access is for")
	until := fs.String("until", "", "last day of validity, YYYY-MM-DD (optional)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *until != "" {
		d, err := model.ParseDate(*until)
		if err != nil {
			return fmt.Errorf("--until: %w", err)
		}
		in.ValidUntil = &d
	}
	s, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	g, err := s.CreateGrant(ctx, store.OperatorActor(), in)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "grant %d created\n", g.ID)
	return nil
}

func tokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("token create", &c)
	email := fs.String("email", "", "the account's e-mail")
	ttl := fs.Duration("ttl", 8*time.Hour, "validity, e.g. 8h or 30m")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("--email is required")
	}
	s, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	tok, err := s.CreateToken(ctx, store.OperatorActor(), *email, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

func auditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("audit verify", &c)
	var headPaths stringList
	fs.Var(&headPaths, "heads", "also check published heads: a file of `kotodigi audit heads`, or a directory of --audit-heads-dir (repeatable)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	d, key, err := openReadOnly(ctx, c)
	if err != nil {
		return err
	}
	defer d.Close()
	rep, err := audit.VerifyWith(ctx, d, key)
	if err != nil {
		return err
	}
	if rep.Broken != "" {
		return fmt.Errorf("audit trail broken: %s", rep.Broken)
	}
	fmt.Fprintf(stdout, "audit trail intact: %d events in %d chains\n", rep.Events, rep.Shards)
	switch {
	case key != nil:
		fmt.Fprintf(stdout, "seals checked with the audit key %s: %d events, %d retention checkpoints\n", key.ID(), rep.Sealed, rep.Checkpoints)
	default:
		fmt.Fprintf(stdout, "seals not checked (no audit key given): events made up or changed by someone with write access to the database, with their links recomputed, would not be found (%d sealed events)\n", rep.Unchecked)
	}
	if rep.Unsealed > 0 {
		fmt.Fprintf(stdout, "%d events at the start of their chains are not sealed (written before the audit key was used): checked by their links only\n", rep.Unsealed)
	}
	var problems []string
	for _, path := range headPaths {
		pc, err := audit.CheckPublished(ctx, d, key, path)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		problems = append(problems, pc.Problems...)
		if len(pc.Problems) > 0 || pc.Files == 0 {
			continue
		}
		signed := "signature checked"
		if !pc.Signed {
			signed = "signature not checked"
		}
		fmt.Fprintf(stdout, "%s: all %d heads published at %s are in the trail (%s; %d files read)", path, len(pc.Checked.Heads)-pc.TooOld,
			pc.Checked.Taken.Format(time.RFC3339), signed, pc.Files)
		if pc.TooOld > 0 {
			fmt.Fprintf(stdout, " (%d older than the retention checkpoints not checked)", pc.TooOld)
		}
		fmt.Fprintln(stdout)
	}
	if len(problems) > 0 {
		for _, p := range problems[1:] {
			fmt.Fprintln(stderr, p)
		}
		return fmt.Errorf("audit trail does not contain what was published: %s", problems[0])
	}
	return nil
}

func auditHeads(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("audit heads", &c)
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	d, key, err := openReadOnly(ctx, c)
	if err != nil {
		return err
	}
	defer d.Close()
	h, err := audit.CurrentHeads(ctx, d, time.Now())
	if err != nil {
		return err
	}
	if key != nil {
		key.SignHeads(&h)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(h)
}

// oneLine renders an error for the operator in one line, with field errors in
// English and never personal data.
func oneLine(err error) string {
	var e *model.Error
	if errors.As(err, &e) {
		cat := locale.MustLoad()
		msg := e.Code
		if cat.Has("error." + e.Code) {
			msg = cat.T("en", "error."+e.Code)
			if e.Code == model.CodeDuplicateClient {
				msg = cat.T("en", "error."+e.Code, e.Municipality)
			}
		}
		if e.Detail != "" && e.Code != model.CodeValidationFailed {
			msg += " (" + e.Detail + ")"
		}
		for _, f := range e.Fields {
			fm := cat.T("en", "field."+f.Code)
			if f.Param != "" {
				fm = cat.T("en", "field."+f.Code, f.Param)
			}
			msg += " " + f.Field + ": " + fm
		}
		return msg
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}
