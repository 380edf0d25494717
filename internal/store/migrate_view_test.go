package store

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"testing"
	"testing/fstest"
)

func TestSQLViewShowsGooseItsFormat(t *testing.T) {
	t.Parallel()
	files := fstest.MapFS{
		"0001_plain.sql":    {Data: []byte("-- A comment.\nCREATE TABLE a (at {{timestamp}});\n")},
		"0002_goose.sql":    {Data: []byte("-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE b (at {{timestamp}});\n-- +goose StatementEnd\n")},
		"0003_native.sql":   {Data: []byte("-- +goose Up\nCREATE TABLE c (id INTEGER);\n")},
		"0004_postgres.sql": {Data: []byte("-- +goose Up\nCREATE TABLE d (id INTEGER);\n{{postgres}}\nCREATE INDEX d_id ON d (id);\n  {{end}}\n-- both\n")},
		"README.md":         {Data: []byte("{{timestamp}}\n")},
	}
	cases := []struct {
		name, timestamp, want string
		postgres              bool
	}{
		{"0004_postgres.sql", "TIMESTAMPTZ", "-- +goose Up\nCREATE TABLE d (id INTEGER);\nCREATE INDEX d_id ON d (id);\n-- both\n", true},
		{"0004_postgres.sql", "TIMESTAMP", "-- +goose Up\nCREATE TABLE d (id INTEGER);\n-- both\n", false},
		{"0001_plain.sql", "TIMESTAMPTZ", "-- +goose Up\n-- A comment.\nCREATE TABLE a (at TIMESTAMPTZ);\n", true},
		{"0001_plain.sql", "TIMESTAMP", "-- +goose Up\n-- A comment.\nCREATE TABLE a (at TIMESTAMP);\n", false},
		{"0002_goose.sql", "TIMESTAMPTZ", "-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE b (at TIMESTAMPTZ);\n-- +goose StatementEnd\n", true},
		{"0003_native.sql", "TIMESTAMP", "-- +goose Up\nCREATE TABLE c (id INTEGER);\n", false},
		{"README.md", "TIMESTAMP", "{{timestamp}}\n", false},
	}
	for _, tc := range cases {
		view := sqlView{files: files, timestamp: tc.timestamp, postgres: tc.postgres}
		got, err := fs.ReadFile(view, tc.name)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if string(got) != tc.want {
			t.Errorf("%s on %s: got %q; want %q", tc.name, tc.timestamp, got, tc.want)
		}
		info, err := fs.Stat(view, tc.name)
		if err != nil || info.Size() != int64(len(tc.want)) {
			t.Errorf("%s: stat size %v, %v; want %d", tc.name, info.Size(), err, len(tc.want))
		}
	}
	for name, sql := range map[string]string{
		"open":   "-- +goose Up\n{{postgres}}\nCREATE INDEX d_id ON d (id);\n",
		"closed": "-- +goose Up\nCREATE INDEX d_id ON d (id);\n{{end}}\n",
		"nested": "-- +goose Up\n{{postgres}}\n{{postgres}}\nSELECT 1;\n{{end}}\n{{end}}\n",
	} {
		for _, postgres := range []bool{false, true} {
			if _, err := fs.ReadFile(sqlView{files: fstest.MapFS{"0009_bad.sql": {Data: []byte(sql)}}, postgres: postgres}, "0009_bad.sql"); err == nil {
				t.Errorf("%s block (postgres %v): got no error; want one", name, postgres)
			}
		}
	}
	names, err := fs.Glob(sqlView{files: files}, "*.sql")
	if err != nil || len(names) != 4 {
		t.Errorf("glob: got %v, %v; want the 4 migrations", names, err)
	}
}

// Databases in the field record these migrations as applied: a change to
// one would never reach them. Add a new migration instead.
func TestShippedMigrationsNeverChange(t *testing.T) {
	t.Parallel()
	shipped := map[string]string{
		"0001_init.sql":                      "798487932e162b2c55efc6a478b7051bb806bdef5abb539895f09ccf55d6e109",
		"0002_idempotency_keys.sql":          "3c8ea9289b946d6984d527d3cc63496c3d262945c0fa13f82c12a27ca32d3ca6",
		"0003_people.sql":                    "371d41502957388a313e74adfbd9efe6a1d92d30bce37494b261a68573592073",
		"0004_meetings.sql":                  "bf5aa0a2c69b0a97036a45271d99c513fedd7ac86c4b8eeee7b3012e5af9a30f",
		"0005_milestones.sql":                "8979deceb355b55369b0aaff1c445c4bc570b646aa547fbac92735e90905067d",
		"0006_evaluations.sql":               "2ca6187a3c1a80ab29e8fa8770e308784a61f1de4a058e8ac00be359fe3971a1",
		"0007_change_feed_audit.sql":         "e2c144b1641d701e2d91c6132dbbd357cbb947925d712152f1eb8ac38f7bbe71",
		"0008_account_life_cycle.sql":        "3e1ae7036491c9ca2572e7824225c7dd5d6658f6878c9dce4c57dab4192d1938",
		"0009_webhooks.sql":                  "c8c2db2bc64a410e0ae11882b59fa29936bc0cff912bc35ef1df2143be70fc85",
		"0010_audit_seq_updated_at.sql":      "6da2d71a7e3ea3157e54f56ed59f99627915767cbd585fc74f81d8618bdfb414",
		"0011_submission_review.sql":         "5e5685483392bcf0fa31a3c79a98153f251cd492d8a91318d1280500befd9c52",
		"0012_meeting_life_cycle.sql":        "4d6e20e7166f69f2a5e9397724588605b0ecce6e7e6badefe53472b156b1a663",
		"0013_commitment_assessment.sql":     "f6228536bd3264a14e3d28e1f11572087a70fae85a69332a75d96f6694effcfd",
		"0014_notifications.sql":             "20dbaa686049925b7b1e2c3bdd6fb8767f9cce193b06ad6a2bc2cb458c5773c0",
		"0015_change_numbered_at_commit.sql": "a56f308e4e732668ed5a58f431e142924b0dac2ac14b2d60faa84ebe47d8714e",
	}
	for name, want := range shipped {
		data, err := fs.ReadFile(shippedMigrations(), name)
		if err != nil {
			t.Errorf("%s: %v; want it kept", name, err)
			continue
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: sha256 %s; want %s, as shipped", name, got, want)
		}
	}
}
