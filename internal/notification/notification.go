// Package notification emails people about what happens to them: a
// registration, a place from the waitlist, a meeting moved or cancelled, a
// paper decided. An outbox reads the change feed after commit (as the
// webhook dispatcher does: a cursor and a lease), so a write never waits for
// the mail server and a rolled-back write mails nothing. Mail goes only to
// people who consented to be contacted, in their language, and every
// message carries a link that withdraws that consent.
package notification

import (
	"context"
	"strings"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/change"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/person"
	"github.com/pioniersnetwerk/pioniers/internal/webhook"
)

// Kind is what a message tells its reader.
type Kind string

const (
	Registered Kind = "registered" // a place at a meeting (with an invitation)
	Waitlisted Kind = "waitlisted" // on the meeting's waitlist
	Promoted   Kind = "promoted"   // from the waitlist to a place (with an invitation)
	Moved      Kind = "moved"      // the meeting's time or place changed (an updated invitation to those with a place)
	Cancelled  Kind = "cancelled"  // the meeting is cancelled (a cancellation to those with a place)
	Accepted   Kind = "accepted"   // a paper accepted
	Rejected   Kind = "rejected"   // a paper rejected

	// Someone else took the person's place: the registration cancelled
	// (by an editor, their organisation), or back on the waitlist after
	// the capacity dropped; a cancellation for the calendar.
	Unregistered Kind = "unregistered"
	Demoted      Kind = "demoted"
)

// Kinds are every kind of message, for metrics.
var Kinds = []Kind{Registered, Waitlisted, Promoted, Moved, Cancelled, Unregistered, Demoted, Accepted, Rejected}

// Status is where a message stands in the outbox's record.
type Status string

const (
	Sending  Status = "sending"  // handed, or about to be handed, to the mail server
	Sent     Status = "sent"     // the server accepted it
	Retrying Status = "retrying" // the server failed for now; tried again later
	Failed   Status = "failed"   // refused for good (such as an unknown address), or given up
)

// Record is one message as the outbox keeps it: never its address or text.
type Record struct {
	Key       string // the change, the kind and the person: unique
	MessageID string
	Seq       int64
	Kind      Kind
	PersonID  string
	Status    Status
	Attempts  int
	Error     string
	At        time.Time
}

// Queue is what the outbox needs from storage: its place in the change feed
// under a lease (compare-and-set, as a webhook subscription's), the record
// of messages, and the data a message is about.
type Queue interface {
	MailLease(ctx context.Context, owner string, now, until time.Time) (bool, error)
	MailRelease(ctx context.Context, owner string) error
	MailState(ctx context.Context) (webhook.State, error)
	// SetMailState writes st while owner holds the lease; false when it does not.
	SetMailState(ctx context.Context, owner string, st webhook.State) (bool, error)
	ChangesAfter(ctx context.Context, after int64, limit int) ([]change.Record, error)
	// MailRecord is the message with key; found is false for none.
	MailRecord(ctx context.Context, key string) (rec Record, found bool, err error)
	// PutMailRecord writes rec, adding or replacing the one with its key.
	PutMailRecord(ctx context.Context, rec Record) error

	Parents(ctx context.Context, resource string, ids []string) (map[string]string, error)
	GetMeeting(ctx context.Context, id string) (meeting.Meeting, error)
	Registrations(ctx context.Context, meetingID string) ([]meeting.Registration, error)
	GetSubmission(ctx context.Context, meetingID, id string) (meeting.Submission, error)
	GetPerson(ctx context.Context, id string) (person.Person, error)
	// SubmissionPeople are the people a decision on sub is for: its authors
	// who are people, and the person of the account that submitted it.
	SubmissionPeople(ctx context.Context, sub meeting.Submission) ([]string, error)
	// AccountPerson is the person linked to the user account subject, ""
	// for none (an API client, the system).
	AccountPerson(ctx context.Context, subject string) (string, error)
}

// Language is the language a person is written to in: English when the
// first of Dutch and English among their languages is English, else Dutch.
func Language(p person.Person) string {
	for _, tag := range p.Languages {
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if primary == "en" || primary == "nl" {
			return primary
		}
	}
	return "nl"
}

// reachable reports whether p may be and can be emailed.
func reachable(p person.Person) bool {
	return !p.Erased && p.Email != "" && p.Consent.Contact
}
