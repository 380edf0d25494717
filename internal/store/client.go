package store

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

type clientRow struct {
	ID                      string
	ClientID                string
	Name                    string
	SecretHash              string
	Role                    string
	OrganisationID          *string
	Scopes                  jsonColumn[[]string]
	PreviousSecretHash      string
	PreviousSecretExpiresAt *time.Time
	RevokedAt               *time.Time
	AuthVersion             int
	LastUsedAt              *time.Time
	Version                 int
	CreatedAt               time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt               time.Time `gorm:"autoUpdateTime:false"`
}

func (clientRow) TableName() string { return "api_clients" }

func toClientRow(cl account.Client) clientRow {
	return clientRow{ID: cl.ID, ClientID: cl.ClientID, Name: cl.Name, SecretHash: cl.SecretHash, Role: string(cl.Role),
		OrganisationID: nullString(cl.OrganisationID), Scopes: jsonOf(nonNil(cl.Scopes)), PreviousSecretHash: cl.PreviousSecretHash,
		PreviousSecretExpiresAt: ptrTime(cl.PreviousSecretExpiresAt), RevokedAt: ptrTime(cl.RevokedAt), AuthVersion: cl.AuthVersion,
		LastUsedAt: ptrTime(cl.LastUsedAt), Version: int(cl.Version), CreatedAt: cl.CreatedAt.UTC(), UpdatedAt: cl.UpdatedAt.UTC()}
}

func (r clientRow) domain() account.Client {
	return account.Client{ID: r.ID, ClientID: r.ClientID, Name: r.Name, SecretHash: r.SecretHash, Role: domain.Role(r.Role),
		OrganisationID: stringValue(r.OrganisationID), Scopes: nonNil(r.Scopes.V), PreviousSecretHash: r.PreviousSecretHash,
		PreviousSecretExpiresAt: timeValue(r.PreviousSecretExpiresAt), RevokedAt: timeValue(r.RevokedAt), AuthVersion: r.AuthVersion,
		LastUsedAt: timeValue(r.LastUsedAt), Version: domain.Version(r.Version), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func timeValue(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// CreateClient inserts cl.
func (db *DB) CreateClient(ctx context.Context, cl account.Client, c domain.Change) error {
	row := toClientRow(cl)
	return db.create(ctx, &row, c)
}

// ClientByClientID finds an API client by its public client id.
func (db *DB) ClientByClientID(ctx context.Context, clientID string) (account.Client, error) {
	var r clientRow
	if err := db.reader(ctx).Where("client_id = ?", clientID).Take(&r).Error; err != nil {
		return account.Client{}, notFound(err, "no API client with that id")
	}
	return r.domain(), nil
}

// GetClient finds an API client by its id (a UUID) or its client id (pc_…).
func (db *DB) GetClient(ctx context.Context, ref string) (account.Client, error) {
	var r clientRow
	column, value := "client_id", strings.TrimSpace(ref)
	if id, err := uuid.Parse(value); err == nil {
		column, value = "id", id.String()
	}
	if err := db.reader(ctx).Where(column+" = ?", value).Take(&r).Error; err != nil {
		return account.Client{}, notFound(err, "no API client %q", ref)
	}
	return r.domain(), nil
}

var clientKeyset = keyset{
	columns: map[string]sortColumn{
		"createdAt": {expr: map[Dialect]string{SQLite: "created_at", Postgres: "created_at"}, isTime: true,
			value: func(r any) any { return r.(clientRow).CreatedAt }},
	},
	id: func(r any) string { return r.(clientRow).ID },
}

// ListClients returns one page of API clients, oldest first.
func (db *DB) ListClients(ctx context.Context, q account.ClientQuery) (domain.Page[account.Client], error) {
	f := q.Filter
	tx := db.reader(ctx).Model(&clientRow{})
	if f.OrganisationID != "" {
		tx = tx.Where("organisation_id = ?", f.OrganisationID)
	}
	if f.ClientID != "" {
		tx = tx.Where("client_id = ?", f.ClientID)
	}
	switch f.Status {
	case account.ClientActive:
		tx = tx.Where("revoked_at IS NULL")
	case account.ClientRevoked:
		tx = tx.Where("revoked_at IS NOT NULL")
	}
	sort := []domain.SortKey{{Field: "createdAt"}}
	fp := fingerprint("api_clients", f.OrganisationID, f.ClientID, string(f.Status))
	tx, err := clientKeyset.apply(tx, db.dialect, sort, q.Cursor, fp)
	if err != nil {
		return domain.Page[account.Client]{}, err
	}
	rows, next, err := readPage[clientRow](tx, clientKeyset, sort, fp, q.PageSize, false)
	if err != nil {
		return domain.Page[account.Client]{}, err
	}
	page := domain.Page[account.Client]{Next: next, Items: make([]account.Client, len(rows))}
	for i, r := range rows {
		page.Items[i] = r.domain()
	}
	return page, nil
}

// UpdateClient writes cl over the version before it.
func (db *DB) UpdateClient(ctx context.Context, cl account.Client, c domain.Change) error {
	row := toClientRow(cl)
	return db.update(ctx, &row, cl.ID, c)
}
