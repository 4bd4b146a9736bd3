package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/kotodigi/kotodigi/internal/audit"
	"github.com/kotodigi/kotodigi/internal/store"
)

// retentionFlags are the retention periods of the record classes (audit
// events have --audit-retention); every one is a default whose legal basis
// is still to be confirmed (README, "Retention").
func retentionFlags(fs *flag.FlagSet, p *store.RetentionPolicy) {
	fs.DurationVar(&p.Clients, "retention-clients", envDuration("KOTODIGI_RETENTION_CLIENTS", store.DefaultClientRetention),
		"a client with every case record is removed this long after the last activity on the client (env KOTODIGI_RETENTION_CLIENTS)")
	fs.DurationVar(&p.CaseRecords, "retention-case-records", envDuration("KOTODIGI_RETENTION_CASE_RECORDS", store.DefaultCaseRecordRetention),
		"a case record of a client still kept is removed this long after its own date (env KOTODIGI_RETENTION_CASE_RECORDS)")
	fs.DurationVar(&p.SignIns, "retention-sign-ins", envDuration("KOTODIGI_RETENTION_SIGN_INS", store.DefaultSignInRetention),
		"failed sign-in attempts and ended sessions are removed this long after (env KOTODIGI_RETENTION_SIGN_INS)")
}

// retentionCmd removes what has passed its retention period now (what the
// retention and audit retention jobs do), or with --dry-run prints what a
// run would remove, by class (counts only).
func retentionCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlags("retention", &c)
	dry := fs.Bool("dry-run", false, "only count what a run would remove")
	var p store.RetentionPolicy
	retentionFlags(fs, &p)
	fs.DurationVar(&p.Audit, "audit-retention", envDuration("KOTODIGI_AUDIT_RETENTION", store.DefaultAuditRetention), "how long audit events are kept, at least 8760h (env KOTODIGI_AUDIT_RETENTION)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if p.Audit < audit.MinRetention {
		return fmt.Errorf("--audit-retention must be at least %s", audit.MinRetention)
	}
	s, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer s.Close()
	var n store.RetentionCounts
	verb := "removed"
	if *dry {
		verb = "would remove"
		n, err = s.RetentionDryRun(ctx, store.OperatorActor(), p)
	} else {
		if n, err = s.ApplyRetention(ctx, store.OperatorActor(), p); err == nil {
			n.AuditEvents, err = s.ApplyAuditRetention(ctx, p.Audit)
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "clients %d (held by a legal hold: %d)\nassessments %d\nplans %d\nservices %d\naudit events %d\nsign-in attempts %d\nsessions %d\n",
		n.Clients, n.Held, n.Assessments, n.Plans, n.Services, n.AuditEvents, n.SignInAttempts, n.Sessions)
	fmt.Fprintf(stdout, "%s %d clients, %d case records, %d audit events, %d sign-in records\n", verb, n.Clients,
		n.Assessments+n.Plans+n.Services, n.AuditEvents, n.SignInAttempts+n.Sessions)
	return nil
}
