package store

import (
	"context"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

type clientRow struct {
	ID             string
	ClientID       string
	Name           string
	SecretHash     string
	Role           string
	OrganisationID *string
	Version        int
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
}

func (clientRow) TableName() string { return "api_clients" }

// CreateClient inserts cl.
func (db *DB) CreateClient(ctx context.Context, cl account.Client, c domain.Change) error {
	row := clientRow{ID: cl.ID, ClientID: cl.ClientID, Name: cl.Name, SecretHash: cl.SecretHash, Role: string(cl.Role),
		OrganisationID: nullString(cl.OrganisationID), Version: int(cl.Version), CreatedAt: cl.CreatedAt, UpdatedAt: cl.UpdatedAt}
	return db.create(ctx, &row, c)
}

// ClientByClientID finds an API client by its public client id.
func (db *DB) ClientByClientID(ctx context.Context, clientID string) (account.Client, error) {
	var r clientRow
	if err := db.reader(ctx).Where("client_id = ?", clientID).Take(&r).Error; err != nil {
		return account.Client{}, notFound(err, "no API client with that id")
	}
	return account.Client{ID: r.ID, ClientID: r.ClientID, Name: r.Name, SecretHash: r.SecretHash, Role: domain.Role(r.Role),
		OrganisationID: stringValue(r.OrganisationID), Version: domain.Version(r.Version), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}, nil
}
