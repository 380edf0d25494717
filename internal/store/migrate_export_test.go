package store

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"gorm.io/gorm"
)

// MigrateFS is Migrate on the migrations in files, so that a test can add
// migrations to the shipped ones.
func (db *DB) MigrateFS(ctx context.Context, files fs.FS) ([]string, error) {
	return db.migrate(ctx, files)
}

// ShippedMigrations is the embedded migrations folder.
func ShippedMigrations() fs.FS { return shippedMigrations() }

// MigrateLikeRelease110 applies the shipped migrations up to version upTo
// the way the runner of release 1.1.0 did, before goose: a test-only copy
// of its algorithm, to make databases as that release left them.
func (db *DB) MigrateLikeRelease110(ctx context.Context, upTo int) error {
	all, err := Migrations()
	if err != nil {
		return err
	}
	w := db.write.WithContext(ctx)
	if err := w.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ` + db.timestampType() + ` NOT NULL)`).Error; err != nil {
		return err
	}
	type schemaMigration struct {
		Version   int `gorm:"primaryKey;autoIncrement:false"`
		Name      string
		AppliedAt time.Time
	}
	for _, m := range all {
		if m.Version > upTo {
			break
		}
		err := w.Transaction(func(tx *gorm.DB) error {
			if db.dialect == Postgres {
				if err := tx.Exec(`SELECT pg_advisory_xact_lock(4873150)`).Error; err != nil {
					return err
				}
			}
			var n int64
			if err := tx.Table("schema_migrations").Where("version = ?", m.Version).Count(&n).Error; err != nil || n > 0 {
				return err
			}
			for _, stmt := range release110Statements(strings.ReplaceAll(m.SQL, "{{timestamp}}", db.timestampType())) {
				if err := tx.Exec(stmt).Error; err != nil {
					return err
				}
			}
			return tx.Table("schema_migrations").Create(&schemaMigration{Version: m.Version, Name: m.Name, AppliedAt: time.Now().UTC()}).Error
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// release110Statements splits a migration on semicolons that end a line,
// dropping comment-only lines, as 1.1.0 did.
func release110Statements(sql string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(sql, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}
