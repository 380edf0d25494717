package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/app"
	"github.com/pioniersnetwerk/pioniers/internal/retention"
)

// purgeCommand erases the people and deletes the accounts past their
// retention, through the same services as the API's DELETE, and expires
// kept data; with dryRun it only lists who would go. It prints ids, never a
// name or an address.
func purgeCommand(ctx context.Context, a *app.App, dryRun bool, stdout io.Writer) error {
	policy := a.Config.RetentionPolicy()
	rep, err := a.Retention.Purge(ctx, policy, dryRun)
	if err != nil {
		return explain(err)
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	if len(rep.Items) > 0 {
		fmt.Fprintln(w, "KIND\tID\tREASON\tSINCE\tACTION\tRESULT")
	}
	for _, it := range rep.Items {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", it.Kind, it.ID, it.Reason, it.Since.Format(time.DateOnly), it.Action, it.Result)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	people, accounts := 0, 0
	for _, it := range rep.Items {
		if it.Kind == retention.KindPerson {
			people++
		} else {
			accounts++
		}
	}
	terms := fmt.Sprintf("(left: %s, unused accounts: %s)", keptFor(policy.Left), keptFor(policy.UnusedAccounts))
	if dryRun {
		fmt.Fprintf(stdout, "dry run %s: %d people would be erased and %d accounts deleted; nothing changed %s\n", rep.RunID, people, accounts, terms)
		return nil
	}
	fmt.Fprintf(stdout, "purge %s: %d people erased, %d accounts deleted %s\n", rep.RunID,
		rep.Count(retention.KindPerson), rep.Count(retention.KindAccount), terms)
	e, err := a.Retention.Expire(ctx, policy)
	fmt.Fprintf(stdout, "expired: %d idempotent responses, %d webhook deliveries, %d queued redeliveries, %d refresh tokens, %d set-password links, %d audit entries\n",
		e.IdempotencyKeys, e.Deliveries, e.Redeliveries, e.RefreshTokens, e.PasswordLinks, e.AuditEntries)
	if err != nil {
		return fmt.Errorf("purge: expiring kept data: %w", err)
	}
	if failed := rep.Failed(); len(failed) > 0 {
		return fmt.Errorf("purge: %d of %d failed; see RESULT above, and run it again", len(failed), len(rep.Items))
	}
	return nil
}

// keptFor shows a retention term, or that it is off.
func keptFor(d time.Duration) string {
	switch {
	case d <= 0:
		return "off"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", int64(d/time.Hour))
	}
	return d.String()
}
