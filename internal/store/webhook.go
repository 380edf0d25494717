package store

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/webhook"
)

// webhookFilters is a subscription's filters as stored.
type webhookFilters struct {
	ResourceIDs []string `json:"resourceIds,omitempty"`
}

type webhookSubscriptionRow struct {
	ID             string
	Owner          string
	OwnerClient    bool
	URL            string `gorm:"column:url"`
	EventTypes     jsonColumn[[]string]
	Filters        jsonColumn[webhookFilters]
	Description    string
	Enabled        bool
	DisabledReason string
	DisabledAt     *time.Time
	Secret         string
	PreviousSecret string
	PreviousUntil  *time.Time
	Version        int
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
}

func (webhookSubscriptionRow) TableName() string { return "webhook_subscriptions" }

// subscriptionColumns are the columns a subscription's writes set: never the
// delivery state, which only the lease holder changes.
var subscriptionColumns = []string{"url", "event_types", "filters", "description", "enabled", "disabled_reason", "disabled_at",
	"secret", "previous_secret", "previous_until", "version", "updated_at"}

type webhookDeliveryRow struct {
	ID             string
	SubscriptionID string
	EventID        string
	Seq            int64
	EventType      string
	Attempt        int
	Redelivery     bool
	StatusCode     int
	DurationMs     int64
	Error          string
	AttemptedAt    time.Time
	NextAttemptAt  *time.Time
}

func (webhookDeliveryRow) TableName() string { return "webhook_deliveries" }

type webhookRedeliveryRow struct {
	ID             string
	SubscriptionID string
	EventID        string
	Seq            int64
	RequestedAt    time.Time
}

func (webhookRedeliveryRow) TableName() string { return "webhook_redeliveries" }

func toSubscriptionRow(s webhook.Subscription) webhookSubscriptionRow {
	return webhookSubscriptionRow{ID: s.ID, Owner: s.Owner, OwnerClient: s.OwnerClient, URL: s.URL, EventTypes: jsonOf(nonNil(s.EventTypes)),
		Filters: jsonOf(webhookFilters{ResourceIDs: s.Filters.ResourceIDs}), Description: s.Description, Enabled: s.Enabled,
		DisabledReason: s.DisabledReason, DisabledAt: nullTime(s.DisabledAt), Secret: s.Secret, PreviousSecret: s.PreviousSecret,
		PreviousUntil: nullTime(s.PreviousUntil), Version: int(s.Version), CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
}

func (r webhookSubscriptionRow) subscription() webhook.Subscription {
	return webhook.Subscription{ID: r.ID, Owner: r.Owner, OwnerClient: r.OwnerClient, URL: r.URL, EventTypes: nonNil(r.EventTypes.V),
		Filters: webhook.Filters{ResourceIDs: nonNil(r.Filters.V.ResourceIDs)}, Description: r.Description, Enabled: r.Enabled,
		DisabledReason: r.DisabledReason, DisabledAt: timeValue(r.DisabledAt), Secret: r.Secret, PreviousSecret: r.PreviousSecret,
		PreviousUntil: timeValue(r.PreviousUntil), Version: domain.Version(r.Version), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

var subscriptionKeyset = keyset{
	columns: map[string]sortColumn{},
	id:      func(r any) string { return r.(webhookSubscriptionRow).ID },
}

// ListSubscriptions returns one page of subscriptions in creation order.
func (db *DB) ListSubscriptions(ctx context.Context, q webhook.Query) (domain.Page[webhook.Subscription], error) {
	tx := db.reader(ctx).Model(&webhookSubscriptionRow{}).Select(subscriptionSelect)
	if q.Owner != "" {
		tx = tx.Where("owner = ? AND owner_client = ?", q.Owner, q.OwnerClient)
	}
	fp := fingerprint("webhook-subscriptions", q.Owner, q.OwnerClient)
	tx, err := subscriptionKeyset.apply(tx, db.dialect, nil, q.Cursor, fp)
	if err != nil {
		return domain.Page[webhook.Subscription]{}, err
	}
	rows, next, err := readPage[webhookSubscriptionRow](tx, subscriptionKeyset, nil, fp, q.PageSize, false)
	if err != nil {
		return domain.Page[webhook.Subscription]{}, err
	}
	page := domain.Page[webhook.Subscription]{Next: next, Items: make([]webhook.Subscription, len(rows))}
	for i, r := range rows {
		page.Items[i] = r.subscription()
	}
	return page, nil
}

// subscriptionSelect reads a subscription without its delivery state.
const subscriptionSelect = "id, owner, owner_client, url, event_types, filters, description, enabled, disabled_reason, disabled_at, " +
	"secret, previous_secret, previous_until, version, created_at, updated_at"

// GetSubscription returns one subscription.
func (db *DB) GetSubscription(ctx context.Context, id string) (webhook.Subscription, error) {
	var r webhookSubscriptionRow
	if err := db.reader(ctx).Select(subscriptionSelect).Where("id = ?", id).Take(&r).Error; err != nil {
		return webhook.Subscription{}, notFound(err, "no webhook subscription with id %q", id)
	}
	return r.subscription(), nil
}

// CreateSubscription inserts s with its cursor at the feed's end, read in
// the same transaction.
func (db *DB) CreateSubscription(ctx context.Context, s webhook.Subscription, c domain.Change) error {
	row := toSubscriptionRow(s)
	return db.writeRecorded(ctx, c, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return tx.Exec("UPDATE webhook_subscriptions SET feed_cursor = (SELECT last FROM change_sequence WHERE id = 1) WHERE id = ?", s.ID).Error
	})
}

// UpdateSubscription writes what callers and the dispatcher set, at the
// version the caller read; enabling clears the retry schedule.
func (db *DB) UpdateSubscription(ctx context.Context, s webhook.Subscription, c domain.Change) error {
	row := toSubscriptionRow(s)
	return db.writeRecorded(ctx, c, func(tx *gorm.DB) error {
		if err := swapped(tx.Model(&row).Where("id = ? AND version = ?", s.ID, c.Version-1).Select(subscriptionColumns).Updates(&row), c); err != nil {
			return err
		}
		if !s.Enabled || !slices.Contains(c.Fields, "enabled") {
			return nil
		}
		// Enabled again: the event that failed is tried at once, afresh.
		return tx.Exec("UPDATE webhook_subscriptions SET attempt = 0, failing_since = NULL, next_attempt_at = NULL WHERE id = ?", s.ID).Error
	})
}

// DeleteSubscription removes s, its log and its pending redeliveries.
func (db *DB) DeleteSubscription(ctx context.Context, s webhook.Subscription, c domain.Change) error {
	return db.writeRecorded(ctx, c, func(tx *gorm.DB) error {
		// Its log and redeliveries go with it (ON DELETE CASCADE, migration 0009).
		return swapDelete(tx, &webhookSubscriptionRow{}, s.ID, c)
	})
}

var deliveryKeyset = keyset{
	columns: map[string]sortColumn{
		"attemptedAt": {expr: map[Dialect]string{SQLite: "attempted_at", Postgres: "attempted_at"}, isTime: true,
			value: func(r any) any { return r.(webhookDeliveryRow).AttemptedAt }},
	},
	id: func(r any) string { return r.(webhookDeliveryRow).ID },
}

// ListDeliveries returns a page of a subscription's delivery log, newest first.
func (db *DB) ListDeliveries(ctx context.Context, subscriptionID string, pageSize int, cursor string) (domain.Page[webhook.Delivery], error) {
	tx := db.reader(ctx).Model(&webhookDeliveryRow{}).Where("subscription_id = ?", subscriptionID)
	sort := []domain.SortKey{{Field: "attemptedAt", Descending: true}}
	fp := fingerprint("webhook-deliveries", subscriptionID)
	tx, err := deliveryKeyset.apply(tx, db.dialect, sort, cursor, fp)
	if err != nil {
		return domain.Page[webhook.Delivery]{}, err
	}
	rows, next, err := readPage[webhookDeliveryRow](tx, deliveryKeyset, sort, fp, pageSize, false)
	if err != nil {
		return domain.Page[webhook.Delivery]{}, err
	}
	page := domain.Page[webhook.Delivery]{Next: next, Items: make([]webhook.Delivery, len(rows))}
	for i, r := range rows {
		page.Items[i] = r.delivery()
	}
	return page, nil
}

func (r webhookDeliveryRow) delivery() webhook.Delivery {
	return webhook.Delivery{ID: r.ID, SubscriptionID: r.SubscriptionID, EventID: r.EventID, Seq: r.Seq, EventType: r.EventType,
		Attempt: r.Attempt, Redelivery: r.Redelivery, StatusCode: r.StatusCode, Duration: time.Duration(r.DurationMs) * time.Millisecond,
		Error: r.Error, AttemptedAt: r.AttemptedAt.UTC(), NextAttemptAt: timeValue(r.NextAttemptAt)}
}

// GetDelivery returns one logged delivery of a subscription.
func (db *DB) GetDelivery(ctx context.Context, subscriptionID, id string) (webhook.Delivery, error) {
	var r webhookDeliveryRow
	if err := db.reader(ctx).Where("subscription_id = ? AND id = ?", subscriptionID, id).Take(&r).Error; err != nil {
		return webhook.Delivery{}, notFound(err, "no delivery with id %q", id)
	}
	return r.delivery(), nil
}

// RequestRedelivery queues r for the subscription's lease holder.
func (db *DB) RequestRedelivery(ctx context.Context, r webhook.Redelivery) error {
	row := webhookRedeliveryRow{ID: r.ID, SubscriptionID: r.SubscriptionID, EventID: r.EventID, Seq: r.Seq, RequestedAt: r.RequestedAt.UTC()}
	return dbError(db.writer(ctx).Create(&row).Error)
}

// DueSubscriptions returns subscriptions with work at now that no other
// instance holds: enabled, behind the feed's head and not waiting for a
// retry, or with a redelivery requested. One that is caught up is not
// leased at all.
func (db *DB) DueSubscriptions(ctx context.Context, now time.Time, limit int) ([]string, error) {
	var ids []string
	err := db.reader(ctx).Model(&webhookSubscriptionRow{}).
		Where("(lease_until IS NULL OR lease_until < ?)", now.UTC()).
		Where("((enabled AND feed_cursor < (SELECT last FROM change_sequence WHERE id = 1) AND (next_attempt_at IS NULL OR next_attempt_at <= ?)) OR EXISTS (SELECT 1 FROM webhook_redeliveries r WHERE r.subscription_id = webhook_subscriptions.id))", now.UTC()).
		Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, dbError(err)
}

// Lease takes or renews a subscription's lease (see lease).
func (db *DB) Lease(ctx context.Context, id, owner string, now, until time.Time) (bool, error) {
	return db.lease(ctx, &webhookSubscriptionRow{}, id, owner, now, until)
}

// Release gives up owner's lease.
func (db *DB) Release(ctx context.Context, id, owner string) error {
	return db.release(ctx, &webhookSubscriptionRow{}, id, owner)
}

// DeliveryState reads where a subscription's queue stands.
func (db *DB) DeliveryState(ctx context.Context, id string) (webhook.State, error) {
	return db.queueState(ctx, &webhookSubscriptionRow{}, id, "no webhook subscription with id %q")
}

// SetState writes st while owner holds the lease.
func (db *DB) SetState(ctx context.Context, id, owner string, st webhook.State) (bool, error) {
	return db.setQueueState(ctx, &webhookSubscriptionRow{}, id, owner, st)
}

// The queues that read the change feed (webhook subscriptions, the mail
// outbox) keep the same columns: feed_cursor, attempt, failing_since,
// next_attempt_at, and a lease (lease_owner, lease_until) that lets one
// instance at a time work each. model names the table.

// lease takes or renews a queue's lease: a compare-and-set that succeeds
// when nobody holds it, it ran out, or owner holds it.
func (db *DB) lease(ctx context.Context, model any, id, owner string, now, until time.Time) (bool, error) {
	res := db.writer(ctx).Model(model).
		Where("id = ? AND (lease_owner = ? OR lease_until IS NULL OR lease_until < ?)", id, owner, now.UTC()).
		Updates(map[string]any{"lease_owner": owner, "lease_until": until.UTC()})
	return res.RowsAffected == 1, dbError(res.Error)
}

// release gives up owner's lease of a queue.
func (db *DB) release(ctx context.Context, model any, id, owner string) error {
	return dbError(db.writer(ctx).Model(model).Where("id = ? AND lease_owner = ?", id, owner).
		Updates(map[string]any{"lease_owner": "", "lease_until": nil}).Error)
}

type deliveryStateRow struct {
	FeedCursor    int64
	Attempt       int
	FailingSince  *time.Time
	NextAttemptAt *time.Time
}

// queueState reads where a queue stands; missing words its absence.
func (db *DB) queueState(ctx context.Context, model any, id, missing string) (webhook.State, error) {
	var r deliveryStateRow
	if err := db.reader(ctx).Model(model).Select("feed_cursor, attempt, failing_since, next_attempt_at").
		Where("id = ?", id).Take(&r).Error; err != nil {
		return webhook.State{}, notFound(err, missing, id)
	}
	return webhook.State{Cursor: r.FeedCursor, Attempt: r.Attempt, FailingSince: timeValue(r.FailingSince),
		NextAttemptAt: timeValue(r.NextAttemptAt)}, nil
}

// setQueueState writes st while owner holds the queue's lease.
func (db *DB) setQueueState(ctx context.Context, model any, id, owner string, st webhook.State) (bool, error) {
	res := db.writer(ctx).Model(model).Where("id = ? AND lease_owner = ?", id, owner).
		Updates(map[string]any{"feed_cursor": st.Cursor, "attempt": st.Attempt, "failing_since": nullTime(st.FailingSince),
			"next_attempt_at": nullTime(st.NextAttemptAt)})
	return res.RowsAffected == 1, dbError(res.Error)
}

// LogDelivery keeps one delivery attempt.
func (db *DB) LogDelivery(ctx context.Context, d webhook.Delivery) error {
	if d.ID == "" {
		d.ID = uuid.Must(uuid.NewV7()).String()
	}
	row := webhookDeliveryRow{ID: d.ID, SubscriptionID: d.SubscriptionID, EventID: d.EventID, Seq: d.Seq, EventType: d.EventType,
		Attempt: d.Attempt, Redelivery: d.Redelivery, StatusCode: d.StatusCode, DurationMs: d.Duration.Milliseconds(), Error: d.Error,
		AttemptedAt: d.AttemptedAt.UTC(), NextAttemptAt: nullTime(d.NextAttemptAt)}
	return dbError(db.writer(ctx).Create(&row).Error)
}

// Redeliveries returns the redeliveries requested for a subscription, oldest first.
func (db *DB) Redeliveries(ctx context.Context, subscriptionID string) ([]webhook.Redelivery, error) {
	var rows []webhookRedeliveryRow
	if err := db.reader(ctx).Where("subscription_id = ?", subscriptionID).Order("requested_at, id").Find(&rows).Error; err != nil {
		return nil, dbError(err)
	}
	out := make([]webhook.Redelivery, len(rows))
	for i, r := range rows {
		out[i] = webhook.Redelivery{ID: r.ID, SubscriptionID: r.SubscriptionID, EventID: r.EventID, Seq: r.Seq, RequestedAt: r.RequestedAt.UTC()}
	}
	return out, nil
}

// RedeliveryDone removes a redelivery once sent.
func (db *DB) RedeliveryDone(ctx context.Context, id string) error {
	return dbError(db.writer(ctx).Where("id = ?", id).Delete(&webhookRedeliveryRow{}).Error)
}

type webhookOwnerRow struct {
	Role           string
	OrganisationID *string
	PersonID       *string
	Scopes         jsonColumn[[]string]
}

// WebhookOwner is the actor a subscription's owner acts as now: the user
// (by id) unless disabled, or the API client (by client id) with its scopes
// unless revoked; not found otherwise.
func (db *DB) WebhookOwner(ctx context.Context, subject string, client bool) (domain.Actor, error) {
	var r webhookOwnerRow
	var err error
	if client {
		err = db.reader(ctx).Table("api_clients").Select("role, organisation_id, scopes").
			Where("client_id = ? AND revoked_at IS NULL", subject).Take(&r).Error
	} else {
		err = db.reader(ctx).Table("users").Select("role, organisation_id, person_id").
			Where("id = ? AND disabled_at IS NULL", subject).Take(&r).Error
	}
	if err != nil {
		return domain.Actor{}, notFound(err, "the owner %q of a webhook subscription is gone", subject)
	}
	return domain.Actor{Subject: subject, Role: domain.Role(r.Role), OrganisationID: stringValue(r.OrganisationID),
		PersonID: stringValue(r.PersonID), Client: client, Scopes: nonNil(r.Scopes.V)}, nil
}
