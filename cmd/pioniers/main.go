// Command pioniers runs the Pioniers API: serve, migrate, seed, and manage
// users and API clients. It only parses the command line; internal/app does
// the work.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/app"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

const usage = `pioniers: the Pioniers API (Pioneering Network for an Open Government, NL0037)

Usage:
  pioniers serve [flags]                 migrate, then serve the API
  pioniers migrate [flags]               apply pending database migrations
  pioniers seed [--demo] [flags]         load the action plan's data (and examples with --demo)
  pioniers user create --email E --role R [--organisation GM0606] [--person ID] [--password-stdin] [flags]
  pioniers user list [--role R] [--organisation GM0606] [flags]
  pioniers user disable --email E [--reason TEXT] [flags]   ends the account's access at once
  pioniers user enable|delete --email E [flags]
  pioniers user set-password --email E [--password-stdin] [flags]
  pioniers client create --name N [--organisation CODE] [--scope people:read --scope …] [flags]
  pioniers client list [--organisation CODE] [flags]
  pioniers client rotate --client-id ID [--overlap 24h] [flags]
  pioniers client revoke --client-id ID [flags]
  pioniers backup --to FILE [flags]       copy the SQLite database, consistently, while it is in use

Every command takes the configuration flags; run "pioniers serve -h" to list them.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pioniers:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmd, args := args[0], args[1:]
	if cmd == "client" && len(args) > 0 && slices.Contains(clientVerbs, args[0]) {
		cmd, args = cmd+" "+args[0], args[1:]
	}
	if cmd == "user" || cmd == "client" {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return fmt.Errorf("usage: pioniers %s create|list|… (see pioniers help)", cmd)
		}
		cmd, args = cmd+" "+args[0], args[1:]
	}
	fs := flag.NewFlagSet("pioniers "+cmd, flag.ContinueOnError)
	config := app.Flags(fs)
	var (
		demo          = fs.Bool("demo", false, "seed: also load example data, marked as example")
		email         = fs.String("email", "", "user create: email address")
		role          = fs.String("role", "", "user create, list: admin, editor, member or analyst")
		org           = fs.String("organisation", "", "user/client create: organisation id or code, such as GM0606")
		personID      = fs.String("person", "", "user create: id of the network person the account belongs to")
		passwordStdin = fs.Bool("password-stdin", false, "user create, set-password: read the password from standard input")
		name          = fs.String("name", "", "client create: the partner portal's name")
		to            = fs.String("to", "", "backup: the file to write (it must not exist)")
		reason        = fs.String("reason", "", "user disable: why, kept with the account")
	)
	var scopes []string
	fs.Func("scope", "client create: a scope to grant ("+strings.Join(account.ClientScopes, ", ")+"); repeat for more", func(s string) error {
		scopes = append(scopes, s)
		return nil
	})
	clientID := fs.String("client-id", "", "client rotate/revoke: the client's id (pc_…)")
	overlap := fs.Duration("overlap", account.DefaultSecretOverlap, "client rotate: how long the old secret keeps working (at most 168h; 0 ends it at once)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	cfg, err := config()
	if err != nil {
		return err
	}
	log := app.NewLogger(cfg)
	switch cmd {
	case "serve", "migrate", "seed", "user create", "client create", "backup":
	case "client list", "client rotate", "client revoke":
	case userVerbs[0], userVerbs[1], userVerbs[2], userVerbs[3], userVerbs[4]:
	default:
		return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
	}
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	system := domain.WithActor(ctx, domain.System)

	switch cmd {
	case userVerbs[0], userVerbs[1], userVerbs[2], userVerbs[3], userVerbs[4]:
		return userCommand(ctx, a, cmd, userFlags{email: *email, role: *role, org: *org, reason: *reason, passwordStdin: *passwordStdin}, stdin, stdout)
	case "migrate":
		v, err := a.DB.SchemaVersion(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "database is at schema version %d\n", v)
	case "seed":
		rep, err := a.Seed.Load(ctx, *demo)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "seed: %d added, %d already present\n", rep.Added, rep.Present)
	case "user create":
		password, err := readPassword(stdin, stdout, *passwordStdin)
		if err != nil {
			return err
		}
		u, err := a.Accounts.CreateUser(system, account.NewUser{Email: *email, Password: password, Role: domain.Role(*role), Organisation: *org, Person: *personID})
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "created %s user %s (id %s)\n", u.Role, u.Email, u.ID)
	case "backup":
		if *to == "" {
			return errors.New("backup: name the file with --to")
		}
		if err := a.DB.Backup(ctx, *to); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "backup written to %s\n", *to)
	case "client create":
		cl, secret, err := a.Accounts.CreateClient(system, account.NewClient{Name: *name, Organisation: *org, Scopes: scopes})
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "client_id:     %s\nclient_secret: %s\nscopes:        %s\nKeep the secret now: it is stored only as a hash.\n", cl.ClientID, secret, orNone(strings.Join(cl.Scopes, " ")))
	case "client list", "client rotate", "client revoke":
		return clientCommand(system, a.Accounts, cmd, *org, *clientID, *overlap, stdout)
	case "serve":
		hasAdmin, err := a.Accounts.HasAdmin(ctx)
		if err != nil {
			return err
		}
		base := cfg.BaseURL()
		fmt.Fprintf(stdout, "Pioniers API on %s/v1\nDocs: %s/docs\n", base, base)
		if !hasAdmin {
			fmt.Fprintf(stdout, "No admin yet. Create the first one with:\n  %s user create --email you@example.org --role admin\n", os.Args[0])
		}
		return a.Serve(ctx)
	}
	return nil
}

// clientVerbs are the client subcommands.
var clientVerbs = []string{"create", "list", "rotate", "revoke"}

// clientCommand lists API clients, rotates a client's secret or revokes a client.
func clientCommand(ctx context.Context, accounts *account.Service, cmd, org, clientID string, overlap time.Duration, stdout io.Writer) error {
	if cmd != "client list" && clientID == "" {
		return fmt.Errorf("%s: name the client with --client-id", cmd)
	}
	switch cmd {
	case "client list":
		w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "CLIENT ID\tNAME\tORGANISATION\tSCOPES\tSTATUS\tCREATED")
		for cl, err := range domain.Items(func(cursor string) (domain.Page[account.Client], error) {
			return accounts.ListClients(ctx, account.ClientListRequest{Organisation: org, PageSize: 100, Cursor: cursor})
		}) {
			if err != nil {
				return explain(err)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", cl.ClientID, cl.Name, orNone(cl.OrganisationID), orNone(strings.Join(cl.Scopes, " ")),
				cl.Status(), cl.CreatedAt.Format(time.RFC3339))
		}
		return w.Flush()
	case "client rotate":
		cl, secret, err := accounts.RotateClientSecret(ctx, clientID, &overlap, domain.Precondition{})
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "client_id:     %s\nclient_secret: %s\nKeep the secret now: it is stored only as a hash.\n", cl.ClientID, secret)
		if !cl.PreviousSecretExpiresAt.IsZero() {
			fmt.Fprintf(stdout, "The old secret keeps working until %s.\n", cl.PreviousSecretExpiresAt.Format(time.RFC3339))
		}
	case "client revoke":
		if err := accounts.RevokeClient(ctx, clientID, domain.Precondition{Present: true, Any: true}); err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "revoked %s: it can no longer sign in\n", clientID)
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// readPassword prompts without echo on a terminal, or reads one line from stdin.
func readPassword(stdin io.Reader, stdout io.Writer, fromStdin bool) (string, error) {
	if f, ok := stdin.(*os.File); ok && !fromStdin && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stdout, "Password (at least 12 characters): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stdout)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// explain lists every invalid field of a domain error.
func explain(err error) error {
	var de *domain.Error
	if !errors.As(err, &de) || len(de.Fields) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString(de.Message)
	for _, f := range de.Fields {
		if f.Name == "password" {
			// Read from the prompt or stdin: there is no --password flag.
			fmt.Fprintf(&b, "\n  the password: %s", f.Reason)
			continue
		}
		fmt.Fprintf(&b, "\n  --%s: %s", f.Name, f.Reason)
	}
	return errors.New(b.String())
}
