// Package seed loads the action plan's record, embedded in the binary, and on
// request example data for demonstrations. Loading twice changes nothing.
package seed

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

//go:embed data/*.json
var files embed.FS

// file is the shape of a seed data file.
type file struct {
	Source        string             `json:"source"`
	Organisations []organisationData `json:"organisations"`
}

type organisationData struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	NetworkRole string `json:"networkRole"`
	JoinedOn    string `json:"joinedOn"`
	LeftOn      string `json:"leftOn"`
	Province    string `json:"province"`
	Website     string `json:"website"`
	Description string `json:"description"`
	Example     bool   `json:"example"`
}

// organisations is what the seed needs of the organisation service.
type organisations interface {
	Get(ctx context.Context, ref string) (organisation.Organisation, error)
	Create(ctx context.Context, in organisation.Input) (organisation.Organisation, error)
}

// Report counts what a load added and what was already there.
type Report struct {
	Added   int
	Present int
}

// Loader loads seed files through the domain services, so seeded records
// pass the same rules and leave the same change records as any other write.
type Loader struct {
	tx   domain.Transactor
	orgs organisations
}

// NewLoader returns a loader.
func NewLoader(tx domain.Transactor, orgs organisations) *Loader {
	return &Loader{tx: tx, orgs: orgs}
}

// Load adds the action plan's records that are missing, and the example
// records too when demo is set, all in one transaction. Records already there
// are left as they are, edits included.
func (l *Loader) Load(ctx context.Context, demo bool) (Report, error) {
	names := []string{"data/action-plan.json"}
	if demo {
		names = append(names, "data/demo.json")
	}
	ctx = domain.WithActor(ctx, domain.System)
	var rep Report
	err := l.tx.InTx(ctx, func(ctx context.Context) error {
		for _, name := range names {
			f, err := read(name)
			if err != nil {
				return err
			}
			for _, o := range f.Organisations {
				added, err := l.organisation(ctx, o)
				if err != nil {
					return fmt.Errorf("seed %s organisation %s: %w", name, o.Code, err)
				}
				if added {
					rep.Added++
				} else {
					rep.Present++
				}
			}
		}
		return nil
	})
	return rep, err
}

func (l *Loader) organisation(ctx context.Context, o organisationData) (bool, error) {
	_, err := l.orgs.Get(ctx, o.Code)
	if err == nil {
		return false, nil
	}
	if domain.ErrorCode(err) != domain.CodeNotFound {
		return false, err
	}
	joined, err := date(o.JoinedOn)
	if err != nil {
		return false, err
	}
	left, err := date(o.LeftOn)
	if err != nil {
		return false, err
	}
	_, err = l.orgs.Create(ctx, organisation.Input{Code: o.Code, Name: o.Name, Kind: organisation.Kind(o.Kind),
		NetworkRole: organisation.NetworkRole(o.NetworkRole), JoinedOn: joined, LeftOn: left, Province: o.Province,
		Website: o.Website, Description: o.Description, Example: o.Example})
	return err == nil, err
}

func read(name string) (file, error) {
	data, err := files.ReadFile(name)
	if err != nil {
		return file{}, fmt.Errorf("read seed %s: %w", name, err)
	}
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return file{}, fmt.Errorf("parse seed %s: %w", name, err)
	}
	return f, nil
}

func date(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q: %w", s, err)
	}
	return t, nil
}
