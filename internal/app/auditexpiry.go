package app

import (
	"context"
	"time"
)

// auditExpiry is how often serve deletes expired audit entries; the first
// run waits auditExpiryDelay, so that starting up is not slowed by it.
const (
	auditExpiry      = time.Hour
	auditExpiryDelay = time.Minute
)

// expireAudit deletes the audit entries older than the retention now and
// then, until ctx ends; the returned func waits for it to stop. Each
// instance does it: deleting what another already deleted is harmless.
func (a *App) expireAudit(ctx context.Context) (wait func()) {
	if a.Config.AuditRetention <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		timer := time.NewTimer(auditExpiryDelay)
		defer timer.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
			n, err := a.Audit.Expire(ctx, a.Config.AuditRetention)
			if err != nil && ctx.Err() == nil {
				a.Log.Error("audit log: deleting expired entries", "error", err.Error(), "deleted", n)
			} else if n > 0 {
				a.Log.Info("audit log: deleted expired entries", "deleted", n)
			}
			timer.Reset(auditExpiry)
		}
	}()
	return func() { <-done }
}
