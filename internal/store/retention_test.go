package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/auth"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/retention"
	"github.com/pioniersnetwerk/pioniers/internal/store"
	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// Expiry deletes what has had its time and nothing else: kept responses
// after a day; spent sign-in tokens only once their family is over (a spent
// token of a living family tells its reuse) and set-password links once used
// or expired, each after a day's grace; delivery logs after the term, but
// never those of an event still to be delivered; queued redeliveries only of
// disabled subscriptions.
func TestExpire(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	const day = 24 * time.Hour
	exec := func(sql string, args ...any) {
		t.Helper()
		if err := db.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec("INSERT INTO users (id, email, password_hash, role, version, created_at, updated_at) VALUES ('u1', 'u1@example.org', '', 'editor', 1, ?, ?)", ago(90*day), ago(90*day))
	type row struct {
		id   string
		keep bool
		add  func(id string)
	}
	type table struct {
		table string
		rows  []row
	}
	token := func(family string, expires time.Time, used, revoked *time.Time) func(string) {
		return func(id string) {
			exec("INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at, used_at, revoked_at) VALUES (?, ?, 'u1', ?, ?, ?, ?, ?)",
				id, family, "hash-"+id, expires.Add(-14*day), expires, used, revoked)
		}
	}
	link := func(expires time.Time, used *time.Time) func(string) {
		return func(id string) {
			exec("INSERT INTO password_links (id, user_id, token_hash, created_at, expires_at, used_at) VALUES (?, 'u1', ?, ?, ?, ?)",
				id, "hash-"+id, expires.Add(-3*day), expires, used)
		}
	}
	key := func(created time.Time) func(string) {
		return func(id string) {
			exec("INSERT INTO idempotency_keys (actor, idem_key, method, path, request_hash, status, header, body, created_at) VALUES ('u1', ?, 'POST', '/v1/people', 'h', 201, '{}', '{}', ?)", id, created)
		}
	}
	sub := func(id string, enabled bool, cursor int) {
		exec("INSERT INTO webhook_subscriptions (id, owner, url, secret, enabled, feed_cursor, version, created_at, updated_at) VALUES (?, 'u1', 'https://example.org/hook', 's', ?, ?, 1, ?, ?)",
			id, enabled, cursor, ago(90*day), ago(90*day))
	}
	sub("s1", true, 10)
	sub("s2", false, 5) // gave up on its event 6
	delivery := func(subscription string, seq int, redelivery bool, at time.Time) func(string) {
		return func(id string) {
			exec("INSERT INTO webhook_deliveries (id, subscription_id, event_id, seq, event_type, attempt, redelivery, status_code, attempted_at) VALUES (?, ?, 'e', ?, 'person.updated', 1, ?, 500, ?)",
				id, subscription, seq, redelivery, at)
		}
	}
	redelivery := func(subscription string, at time.Time) func(string) {
		return func(id string) {
			exec("INSERT INTO webhook_redeliveries (id, subscription_id, event_id, seq, requested_at) VALUES (?, ?, 'e', 1, ?)", id, subscription, at)
		}
	}
	exec("UPDATE mail_queue SET feed_cursor = 20 WHERE id = 'mail'")
	mail := func(seq int, at time.Time) func(string) {
		return func(key string) {
			exec("INSERT INTO mail_messages (message_key, message_id, seq, kind, person_id, status, created_at, updated_at) VALUES (?, ?, ?, 'registered', 'p1', 'sent', ?, ?)",
				key, "<"+key+"@example.org>", seq, at, at)
		}
	}
	p := func(t time.Time) *time.Time { return &t }
	tables := []table{
		{"refresh_tokens", []row{
			{"spent, family alive", true, token("f1", ago(2*day), p(ago(3*day)), nil)},
			{"newest of the living family", true, token("f1", now.Add(12*day), nil, nil)},
			{"spent, family over", false, token("f2", ago(3*day), p(ago(4*day)), nil)},
			{"newest of the family over", false, token("f2", ago(2*day), nil, nil)},
			{"family just over", true, token("f3", ago(12*time.Hour), nil, nil)},
			{"revoked", false, token("f4", now.Add(5*day), nil, p(ago(2*day)))},
			{"just revoked", true, token("f5", now.Add(5*day), nil, p(ago(time.Hour)))},
		}},
		{"password_links", []row{
			{"used", false, link(now.Add(day), p(ago(2*day)))},
			{"just used", true, link(now.Add(day), p(ago(time.Hour)))},
			{"expired", false, link(ago(2*day), nil)},
			{"open", true, link(now.Add(2*day), nil)},
		}},
		{"idempotency_keys", []row{
			{"kept a day and more", false, key(ago(25 * time.Hour))},
			{"kept less than a day", true, key(ago(23 * time.Hour))},
		}},
		{"webhook_deliveries", []row{
			{"delivered, old", false, delivery("s1", 8, false, ago(31*day))},
			{"delivered, young", true, delivery("s1", 8, false, ago(29*day))},
			{"being retried", true, delivery("s1", 11, false, ago(31*day))},
			{"given up, waiting for enabling", true, delivery("s2", 6, false, ago(40*day))},
			{"passed before giving up", false, delivery("s2", 3, false, ago(40*day))},
			{"redelivered, old", false, delivery("s1", 12, true, ago(31*day))},
		}},
		{"mail_messages", []row{
			{"passed, old", false, mail(18, ago(31*day))},
			{"passed, young", true, mail(19, ago(29*day))},
			{"not passed yet, old", true, mail(21, ago(31*day))},
		}},
		{"webhook_redeliveries", []row{
			{"queued for an enabled subscription", true, redelivery("s1", ago(31*day))},
			{"stuck on a disabled subscription", false, redelivery("s2", ago(31*day))},
			{"young on a disabled subscription", true, redelivery("s2", ago(day))},
		}},
	}
	for _, tb := range tables {
		for _, r := range tb.rows {
			r.add(r.id)
		}
	}
	svc := retention.NewService(db, nil, nil, nil, func() time.Time { return now })
	got, err := svc.Expire(domain.WithActor(ctx, domain.System), retention.Policy{Deliveries: 30 * day})
	if err != nil {
		t.Fatal(err)
	}
	want := retention.Expired{RefreshTokens: 3, PasswordLinks: 2, IdempotencyKeys: 1, Deliveries: 3, Redeliveries: 1, MailMessages: 1}
	if got != want {
		t.Errorf("expired: got %+v; want %+v", got, want)
	}
	for _, tb := range tables {
		idColumn := "id"
		switch tb.table {
		case "idempotency_keys":
			idColumn = "idem_key"
		case "mail_messages":
			idColumn = "message_key"
		}
		var left []string
		if err := db.Scan(ctx, &left, "SELECT "+idColumn+" FROM "+tb.table); err != nil {
			t.Fatal(err)
		}
		for _, r := range tb.rows {
			if kept := slices.Contains(left, r.id); kept != r.keep {
				t.Errorf("%s %q: got kept %v; want %v", tb.table, r.id, kept, r.keep)
			}
		}
	}
	again, err := svc.Expire(ctx, retention.Policy{Deliveries: 30 * day})
	if err != nil || again.Total() != 0 {
		t.Errorf("a second expiry: got %+v, %v; want nothing", again, err)
	}
	if n, err := svc.Expire(ctx, retention.Policy{}); err != nil || n.Deliveries+n.Redeliveries+n.MailMessages != 0 {
		t.Errorf("deliveries kept (term 0): got %+v, %v", n, err)
	}
}

// Expiry deletes in batches, as many as it takes.
func TestExpireInBatches(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	const n = 1201
	if err := db.Exec(ctx, `WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ?)
		INSERT INTO idempotency_keys (actor, idem_key, method, path, request_hash, status, header, body, created_at)
		SELECT 'u1', 'k' || n, 'POST', '/v1/people', 'h', 201, '{}', '{}', ? FROM c`, n, now.Add(-48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := retention.NewService(db, nil, nil, nil, func() time.Time { return now }).Expire(ctx, retention.Policy{})
	if err != nil || got.IdempotencyKeys != n {
		t.Errorf("expired: got %d, %v; want %d", got.IdempotencyKeys, err, n)
	}
	if c := idemCount(t, db, "SELECT COUNT(*) FROM idempotency_keys"); c != 0 {
		t.Errorf("left: got %d; want 0", c)
	}
}

// Refreshing a browser's sign-in is a use of the account, as signing in is:
// an account used for years without its password being typed is not unused.
func TestRefreshCountsAsUse(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	long := now.AddDate(-3, 0, 0)
	if err := db.Exec(ctx, "INSERT INTO users (id, email, password_hash, role, version, created_at, updated_at, last_sign_in_at) VALUES ('u1', 'u1@example.org', '', 'editor', 1, ?, ?, ?)",
		long, long, long); err != nil {
		t.Fatal(err)
	}
	first := auth.RefreshToken{ID: "t1", FamilyID: "f1", UserID: "u1", Hash: "h1", CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(time.Hour)}
	next := auth.RefreshToken{ID: "t2", FamilyID: "f1", UserID: "u1", Hash: "h2", CreatedAt: now, ExpiresAt: now.Add(14 * 24 * time.Hour)}
	if err := db.CreateRefreshToken(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := db.SpendRefreshToken(ctx, first.ID, now, next); err != nil {
		t.Fatal(err)
	}
	uses, err := db.AccountUses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(uses) != 1 || !uses[0].LastUsed().Equal(now) {
		t.Errorf("uses: got %+v; want u1 last used at %s", uses, now)
	}
}

var _ retention.Store = (*store.DB)(nil)
