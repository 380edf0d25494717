package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/app"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/meeting"
	"github.com/pioniersnetwerk/pioniers/internal/milestone"
)

// generator changes whenever what a dataset holds changes, so that cached
// files made by an older harness are not reused.
const generator = 1

// Admin is the account every dataset holds for the write rows.
const (
	AdminEmail    = "bench-admin@example.org"
	AdminPassword = "bench password, not for production"
)

// Spec is what a dataset holds besides the demo organisations and data.
type Spec struct {
	Meetings   int
	Milestones int
}

// Dataset is a generated data folder and what the rows need to know about it.
type Dataset struct {
	Dir        string    `json:"-"`
	Spec       Spec      `json:"spec"`
	Schema     string    `json:"schema"`
	AllMeets   int       `json:"allMeetings"`   // generated plus the demo's
	AllMiles   int       `json:"allMilestones"` // generated plus the action plan's
	DeepID     string    `json:"deepId"`        // a meeting 90% down the list's default order
	DeepStarts time.Time `json:"deepStartsAt"`
	Took       string    `json:"took"`
}

// meta is the file that marks a finished dataset; it is written last.
const meta = "dataset.json"

// schemaKey names the database schema the migrations in repo build: the
// highest migration number and a hash of every migration file, so that a
// dataset is made again when a migration is added or changed.
func schemaKey(repo string) (string, error) {
	dir := filepath.Join(repo, "internal", "store", "migrations")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("read migrations: %w", err)
	}
	h := sha256.New()
	highest := 0
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, name := range names {
		num, _, _ := strings.Cut(name, "_")
		if n, err := strconv.Atoi(num); err == nil {
			highest = max(highest, n)
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "", fmt.Errorf("read migration: %w", err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(data))
		h.Write(data)
	}
	return fmt.Sprintf("s%04d-%s-g%d", highest, hex.EncodeToString(h.Sum(nil))[:8], generator), nil
}

// EnsureDataset returns the dataset spec describes, from cache (a folder
// under cache named by the sizes and schema) or generated now.
func EnsureDataset(ctx context.Context, cache, repo string, spec Spec, logf func(string, ...any)) (Dataset, error) {
	schema, err := schemaKey(repo)
	if err != nil {
		return Dataset{}, err
	}
	dir := filepath.Join(cache, fmt.Sprintf("meetings-%d-milestones-%d-%s", spec.Meetings, spec.Milestones, schema))
	if data, err := os.ReadFile(filepath.Join(dir, meta)); err == nil {
		var d Dataset
		if err := json.Unmarshal(data, &d); err == nil {
			d.Dir = dir
			logf("dataset %s: cached", filepath.Base(dir))
			return d, nil
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return Dataset{}, fmt.Errorf("remove unfinished dataset: %w", err)
	}
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return Dataset{}, fmt.Errorf("remove unfinished dataset: %w", err)
	}
	logf("dataset %s: generating %d meetings and %d milestones", filepath.Base(dir), spec.Meetings, spec.Milestones)
	d, err := generate(ctx, tmp, spec, logf)
	if err != nil {
		return Dataset{}, err
	}
	d.Schema = schema
	data, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return Dataset{}, fmt.Errorf("encode dataset: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, meta), data, 0o644); err != nil {
		return Dataset{}, fmt.Errorf("write dataset: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return Dataset{}, fmt.Errorf("finish dataset: %w", err)
	}
	d.Dir = dir
	return d, nil
}

// batch is how many records one transaction creates: few enough to keep a
// transaction short, many enough that commits do not dominate.
const batch = 2000

// generate builds a dataset in dir through the services, as the command
// line's seed and user commands do: every record passes the domain rules and
// the one write path, with its change record.
func generate(ctx context.Context, dir string, spec Spec, logf func(string, ...any)) (Dataset, error) {
	start := time.Now()
	cfg := app.Defaults()
	cfg.DataDir = dir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Dataset{}, fmt.Errorf("create dataset folder: %w", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return Dataset{}, err
	}
	defer a.Close()
	system := domain.WithActor(ctx, domain.System)
	if _, err := a.Seed.Load(system, true); err != nil {
		return Dataset{}, fmt.Errorf("seed: %w", err)
	}
	if _, err := a.Accounts.CreateUser(system, account.NewUser{Email: AdminEmail, Password: AdminPassword, Role: domain.RoleAdmin}); err != nil {
		return Dataset{}, fmt.Errorf("create admin: %w", err)
	}
	seeded, err := countMeetings(system, a.Meetings)
	if err != nil {
		return Dataset{}, err
	}
	d := Dataset{Spec: spec, AllMeets: seeded + spec.Meetings}
	deep := spec.Meetings * 9 / 10
	// Start well after the demo's meetings so that the generated ones follow
	// them in the default order and the deep row's position is known.
	first := time.Date(2040, 1, 6, 9, 0, 0, 0, time.UTC)
	last := time.Now()
	for from := 0; from < spec.Meetings; from += batch {
		err := a.DB.InTx(system, func(ctx context.Context) error {
			for i := from; i < min(from+batch, spec.Meetings); i++ {
				m, err := a.Meetings.Create(ctx, MeetingInput(i, first))
				if err != nil {
					return fmt.Errorf("meeting %d: %w", i, err)
				}
				if i == deep {
					d.DeepID, d.DeepStarts = m.ID, m.StartsAt
				}
			}
			return nil
		})
		if err != nil {
			return Dataset{}, err
		}
		if time.Since(last) > 10*time.Second {
			last = time.Now()
			logf("  %d of %d meetings (%s)", from+batch, spec.Meetings, time.Since(start).Round(time.Second))
		}
	}
	miles, err := countMilestones(system, a.Milestones)
	if err != nil {
		return Dataset{}, err
	}
	d.AllMiles = miles + spec.Milestones
	for from := 0; from < spec.Milestones; from += batch {
		err := a.DB.InTx(system, func(ctx context.Context) error {
			for i := from; i < min(from+batch, spec.Milestones); i++ {
				if _, err := a.Milestones.Create(ctx, milestoneInput(i)); err != nil {
					return fmt.Errorf("milestone %d: %w", i, err)
				}
			}
			return nil
		})
		if err != nil {
			return Dataset{}, err
		}
		if time.Since(last) > 10*time.Second {
			last = time.Now()
			logf("  %d of %d milestones (%s)", from+batch, spec.Milestones, time.Since(start).Round(time.Second))
		}
	}
	d.Took = time.Since(start).Round(time.Second).String()
	logf("  generated in %s", d.Took)
	return d, nil
}

func countMeetings(ctx context.Context, s *meeting.Service) (int, error) {
	n, cursor := 0, ""
	for {
		page, err := s.List(ctx, meeting.ListRequest{PageSize: 100, Cursor: cursor})
		if err != nil {
			return 0, fmt.Errorf("count meetings: %w", err)
		}
		n += len(page.Items)
		if cursor = page.Next; cursor == "" {
			return n, nil
		}
	}
}

func countMilestones(ctx context.Context, s *milestone.Service) (int, error) {
	n, cursor := 0, ""
	for {
		page, err := s.List(ctx, milestone.ListRequest{PageSize: 100, Cursor: cursor})
		if err != nil {
			return 0, fmt.Errorf("count milestones: %w", err)
		}
		n += len(page.Items)
		if cursor = page.Next; cursor == "" {
			return n, nil
		}
	}
}

var topics = []string{"Open data", "Participation", "Transparency", "Accountability", "Robustness", "Digital inclusion"}

// MeetingInput is the i-th generated meeting: the formats in turn, each with
// the details it needs, hosts and guest chairs from the demo's members.
func MeetingInput(i int, first time.Time) meeting.Input {
	starts := first.Add(time.Duration(i) * 3 * time.Hour)
	in := meeting.Input{
		Title:       fmt.Sprintf("Meeting %d: open government in practice", i),
		Topic:       topics[i%len(topics)],
		Description: "A generated meeting for the benchmark: what the network learned, with \"quotes\", commas, and Café über.",
		Tags:        []string{"bench", topics[i%len(topics)]},
		StartsAt:    starts,
		EndsAt:      starts.Add(2 * time.Hour),
		Capacity:    i % 80,
		Status:      meeting.StatusPlanned,
		Example:     true,
	}
	host := []string{"GM9901", "GM9902"}[i%2]
	switch i % 4 {
	case 0:
		in.Format = meeting.FormatKnowledgeSession
		in.Details = &meeting.DetailsInput{Format: in.Format, Experts: []meeting.Expert{{Name: "Expert " + strconv.Itoa(i), Affiliation: "University"}}}
		in.Venue = &meeting.VenueInput{Name: "Town hall", Address: "Main street 1", City: "Example", Host: host}
		in.GuestChair = host
	case 1:
		in.Format = meeting.FormatLab
		in.Details = &meeting.DetailsInput{Format: in.Format, Case: "Publishing the council's agenda as open data", CaseOwner: host}
		in.OnlineURL = "https://meet.example.org/" + strconv.Itoa(i)
	case 2:
		in.Format = meeting.FormatResidents
		in.Details = &meeting.DetailsInput{Format: in.Format, TownHall: "Town hall " + host}
		in.Venue = &meeting.VenueInput{Name: "Library", City: "Example", Host: host}
	default:
		in.Format = meeting.FormatOther
	}
	return in
}

// milestoneInput is the i-th generated milestone, spread over the action
// plan's commitments NL0001-NL0038 with codes after theirs.
func milestoneInput(i int) milestone.Input {
	c := 1 + i%38
	day := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%700)
	return milestone.Input{Commitment: fmt.Sprintf("NL%04d", c), Code: fmt.Sprintf("%d.%d", c, 1000+i/38),
		Title:            fmt.Sprintf("Milestone %d: publish open data, \"with quotes\", and Café über", i),
		VerifiableResult: "A register of open data sets, published and kept up to date.",
		PlannedStart:     day, PlannedEnd: day.AddDate(0, 0, 30+i%400),
		Progress: i % 101, Status: milestone.StatusInProgress, Completion: milestone.CompletionLimited}
}

// copyDataset copies a dataset's files into dir, so that a run's writes
// never reach the cache.
func copyDataset(d Dataset, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create run folder: %w", err)
	}
	return filepath.WalkDir(d.Dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, err := filepath.Rel(d.Dir, path)
		if err != nil {
			return err
		}
		return copyFile(path, filepath.Join(dir, rel))
	})
}

func copyFile(from, to string) (err error) {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("copy dataset: %w", err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return fmt.Errorf("copy dataset: %w", err)
	}
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("copy dataset: %w", err)
	}
	defer func() { err = errors.Join(err, out.Close()) }()
	if _, err := io.Copy(out, in); err != nil {
		return fmt.Errorf("copy dataset: %w", err)
	}
	return nil
}
