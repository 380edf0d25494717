package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/app"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// userFlags are the flags the user verbs read.
type userFlags struct {
	email, role, org, reason string
	password                 string // set-password: already read
}

// userCommand runs a user verb other than create as the system actor, through the same
// account service the API uses: a change ends the account's tokens as it
// does there (at once on this process, within --access-refresh on servers).
func userCommand(ctx context.Context, a *app.App, cmd string, f userFlags, stdout io.Writer) error {
	system := domain.WithActor(ctx, domain.System)
	if cmd == "user list" {
		return listUsers(system, a, f, stdout)
	}
	if f.email == "" {
		return fmt.Errorf("%s: name the account with --email", cmd)
	}
	u, err := a.Accounts.UserByEmail(system, f.email)
	if err != nil {
		return explain(err)
	}
	anyVersion := domain.Precondition{Present: true, Any: true}
	switch cmd {
	case "user disable", "user enable":
		disable := cmd == "user disable"
		u, err = a.Accounts.UpdateUser(system, u.ID, func(in account.UserUpdate) (account.UserUpdate, error) {
			in.Disabled, in.DisabledReason = disable, ""
			if disable {
				in.DisabledReason = f.reason
			}
			return in, nil
		}, anyVersion)
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "%s %s (id %s)\n", map[bool]string{true: "disabled", false: "enabled"}[disable], u.Email, u.ID)
	case "user delete":
		if err := a.Accounts.DeleteUser(system, u.ID, anyVersion); err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "deleted %s (id %s)\n", u.Email, u.ID)
	case "user set-password":
		if err := a.Accounts.SetPassword(system, u.Email, f.password); err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "password set for %s; its other sign-ins have ended\n", u.Email)
	}
	return nil
}

func listUsers(ctx context.Context, a *app.App, f userFlags, stdout io.Writer) error {
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "EMAIL\tROLE\tORGANISATION\tSTATUS\tID")
	q := account.UserQuery{Role: domain.Role(f.role), Organisation: f.org, PageSize: 100}
	for {
		page, err := a.Accounts.ListUsers(ctx, q)
		if err != nil {
			return explain(err)
		}
		for _, u := range page.Items {
			status := "active"
			if !u.Active() {
				status = "disabled"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", u.Email, u.Role, orNone(u.Organisation.Code), status, u.ID)
		}
		if page.Next == "" {
			return w.Flush()
		}
		q.Cursor = page.Next
	}
}
