package app

import (
	"context"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/retention"
)

// expiryEvery is how often serve expires kept data (audit entries,
// idempotent responses, webhook delivery logs, spent tokens and links); the
// first run of every retention task waits retentionDelay, so that starting
// up is not slowed by it.
const (
	expiryEvery    = time.Hour
	retentionDelay = time.Minute
)

// retentionTask is one thing the retention loop does now and then.
type retentionTask struct {
	name  string
	every time.Duration
	run   func(ctx context.Context)
}

// retentionTasks are what serve does for retention: expiry hourly, and the
// purge of people and accounts every PurgeInterval when that is set and a
// retention term applies.
func (a *App) retentionTasks() []retentionTask {
	tasks := []retentionTask{{"expiry", expiryEvery, a.expire}}
	if p := a.Config.RetentionPolicy(); a.Config.PurgeInterval > 0 && (p.Left > 0 || p.UnusedAccounts > 0) {
		tasks = append(tasks, retentionTask{"purge", a.Config.PurgeInterval, a.purge})
	}
	return tasks
}

// retain runs the retention tasks until ctx ends; the returned func waits
// for it to stop. One goroutine runs them all, so they never overlap. Each
// instance does it: deleting or erasing what another already did is
// harmless (the purge reports it as gone already).
func (a *App) retain(ctx context.Context) (wait func()) {
	tasks := a.retentionTasks()
	done := make(chan struct{})
	go func() {
		defer close(done)
		next := make([]time.Time, len(tasks))
		first := time.Now().Add(retentionDelay)
		for i := range next {
			next[i] = first
		}
		timer := time.NewTimer(retentionDelay)
		defer timer.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
			var soonest time.Time
			for i, t := range tasks {
				if !time.Now().Before(next[i]) {
					t.run(ctx)
					next[i] = time.Now().Add(t.every)
				}
				if soonest.IsZero() || next[i].Before(soonest) {
					soonest = next[i]
				}
			}
			timer.Reset(time.Until(soonest))
		}
	}()
	return func() { <-done }
}

// expire deletes what is kept for a time and has had it, and logs how much.
func (a *App) expire(ctx context.Context) {
	e, err := a.Retention.Expire(ctx, a.Config.RetentionPolicy())
	counts := []any{"auditEntries", e.AuditEntries, "idempotencyKeys", e.IdempotencyKeys, "webhookDeliveries", e.Deliveries,
		"webhookRedeliveries", e.Redeliveries, "mailMessages", e.MailMessages, "refreshTokens", e.RefreshTokens, "passwordLinks", e.PasswordLinks}
	switch {
	case err != nil && ctx.Err() == nil:
		a.Log.Error("retention: deleting expired data", append([]any{"error", err.Error()}, counts...)...)
	case e.Total() > 0:
		a.Log.Info("retention: deleted expired data", counts...)
	}
}

// purge erases the people and deletes the accounts past their retention,
// as the system, and logs each by id (never a personal value).
func (a *App) purge(ctx context.Context) {
	rep, err := a.Retention.Purge(domain.WithActor(ctx, domain.System), a.Config.RetentionPolicy(), false)
	if err != nil {
		if ctx.Err() == nil {
			a.Log.Error("retention: purge", "run", rep.RunID, "error", err.Error())
		}
		return
	}
	for _, it := range rep.Items {
		attrs := []any{"run", rep.RunID, "kind", string(it.Kind), "id", it.ID, "reason", string(it.Reason),
			"since", it.Since.Format(time.DateOnly), "result", it.Result}
		if it.Err != nil {
			a.Log.Error("retention: purge failed for one item", attrs...)
		} else {
			a.Log.Info("retention: purged", attrs...)
		}
	}
	if len(rep.Items) > 0 {
		a.Log.Info("retention: purge done", "run", rep.RunID, "people", rep.Count(retention.KindPerson),
			"accounts", rep.Count(retention.KindAccount), "failed", len(rep.Failed()))
	}
}
