package store

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm/clause"

	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/notification"
	"github.com/pioniersnetwerk/pioniers/internal/webhook"
)

// The mail outbox (migration 0014): one queue row, worked as a webhook
// subscription's queue is, and the record of every message.

const mailQueueID = "mail"

type mailQueueRow struct {
	ID string
}

func (mailQueueRow) TableName() string { return "mail_queue" }

// MailLease takes or renews the outbox's lease.
func (db *DB) MailLease(ctx context.Context, owner string, now, until time.Time) (bool, error) {
	return db.lease(ctx, &mailQueueRow{}, mailQueueID, owner, now, until)
}

// MailRelease gives up owner's lease of the outbox.
func (db *DB) MailRelease(ctx context.Context, owner string) error {
	return db.release(ctx, &mailQueueRow{}, mailQueueID, owner)
}

// MailState reads where the outbox stands.
func (db *DB) MailState(ctx context.Context) (webhook.State, error) {
	return db.queueState(ctx, &mailQueueRow{}, mailQueueID, "no mail queue %q")
}

// SetMailState writes st while owner holds the outbox's lease.
func (db *DB) SetMailState(ctx context.Context, owner string, st webhook.State) (bool, error) {
	return db.setQueueState(ctx, &mailQueueRow{}, mailQueueID, owner, st)
}

// MailQueueDepth is how many feed positions the outbox has yet to read.
func (db *DB) MailQueueDepth(ctx context.Context) (int64, error) {
	var depth int64
	err := db.reader(ctx).Raw("SELECT COALESCE((SELECT last FROM change_sequence WHERE id = 1), 0) - feed_cursor FROM mail_queue WHERE id = ?",
		mailQueueID).Scan(&depth).Error
	return max(depth, 0), dbError(err)
}

type mailMessageRow struct {
	MessageKey string `gorm:"primaryKey"`
	MessageID  string
	Seq        int64
	Kind       string
	PersonID   string
	Status     string
	Attempts   int
	Error      string
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt  time.Time `gorm:"autoUpdateTime:false"`
}

func (mailMessageRow) TableName() string { return "mail_messages" }

// MailRecord reads the message with key.
func (db *DB) MailRecord(ctx context.Context, key string) (notification.Record, bool, error) {
	var rows []mailMessageRow
	if err := db.reader(ctx).Where("message_key = ?", key).Limit(1).Find(&rows).Error; err != nil || len(rows) == 0 {
		return notification.Record{}, false, dbError(err)
	}
	return rows[0].record(), true, nil
}

func (r mailMessageRow) record() notification.Record {
	return notification.Record{Key: r.MessageKey, MessageID: r.MessageID, Seq: r.Seq, Kind: notification.Kind(r.Kind), PersonID: r.PersonID,
		Status: notification.Status(r.Status), Attempts: r.Attempts, Error: r.Error, At: r.UpdatedAt.UTC()}
}

// PutMailRecord adds rec, or replaces the one with its key (keeping when it was first written).
func (db *DB) PutMailRecord(ctx context.Context, rec notification.Record) error {
	at := rec.At.UTC()
	row := mailMessageRow{MessageKey: rec.Key, MessageID: rec.MessageID, Seq: rec.Seq, Kind: string(rec.Kind), PersonID: rec.PersonID,
		Status: string(rec.Status), Attempts: rec.Attempts, Error: rec.Error, CreatedAt: at, UpdatedAt: at}
	return dbError(db.writer(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "message_key"}},
		DoUpdates: clause.AssignmentColumns([]string{"status", "attempts", "error", "updated_at"})}).Create(&row).Error)
}

// MailSent lists the records of the person's messages, oldest first.
func (db *DB) MailSent(ctx context.Context, personID string) ([]notification.Record, error) {
	var rows []mailMessageRow
	if err := db.reader(ctx).Where("person_id = ?", personID).Order("created_at, message_key").Find(&rows).Error; err != nil {
		return nil, dbError(err)
	}
	out := make([]notification.Record, len(rows))
	for i, r := range rows {
		out[i] = r.record()
	}
	return out, nil
}

// AccountPerson is the person linked to the user account subject, "" for
// none (an API client, the system, an account of no person).
func (db *DB) AccountPerson(ctx context.Context, subject string) (string, error) {
	var ids []string
	if err := db.reader(ctx).Model(&userRow{}).Where("id = ? AND person_id IS NOT NULL", subject).Pluck("person_id", &ids).Error; err != nil {
		return "", dbError(err)
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0], nil
}

// SubmissionPeople are the people a decision on sub is for: its authors
// who are people of the network, and the person linked to the user account
// that submitted it, if any (an API client is no person); each once.
func (db *DB) SubmissionPeople(ctx context.Context, sub meeting.Submission) ([]string, error) {
	var ids []string
	err := db.reader(ctx).Model(&userRow{}).Where("id = ? AND person_id IS NOT NULL", sub.SubmittedBy).Pluck("person_id", &ids).Error
	if err != nil {
		return nil, dbError(err)
	}
	for _, a := range sub.Authors {
		if a.PersonID != "" && !a.Erased && !slices.Contains(ids, a.PersonID) {
			ids = append(ids, a.PersonID)
		}
	}
	return ids, nil
}
