package app_test

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
	"github.com/pioniersnetwerk/pioniers/internal/organisation"
)

func systemContext() context.Context {
	return domain.WithActor(context.Background(), domain.System)
}

func accountClient(name string) account.NewClient {
	return account.NewClient{Name: name}
}

func orgInput(code, name string) organisation.Input {
	return organisation.Input{Code: code, Name: name, Kind: organisation.KindMunicipality, NetworkRole: organisation.RoleMember}
}

func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func newFlagSet() *flag.FlagSet { return flag.NewFlagSet("test", flag.ContinueOnError) }
