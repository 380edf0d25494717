package app

import (
	"context"

	"github.com/pioniersnetwerk/pioniers/internal/transfer"
)

// MigrateData copies the SQLite database from (by default the configured
// one, --data-dir or --database-url) into the PostgreSQL database to, as
// "pioniers migrate-data" does. It opens the source read-only and builds no
// service: nothing runs against either database but the copy.
func MigrateData(ctx context.Context, cfg Config, from, to string, opts transfer.Options) (transfer.Report, error) {
	if from == "" {
		from = cfg.databaseURL()
	}
	return transfer.Run(ctx, from, to, opts)
}
