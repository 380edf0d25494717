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
	"net"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/app"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// storage are the settings every command that opens the database takes.
var storage = []string{"data-dir", "database-url", "log-level", "log-format"}

// options holds the commands' own flags; each command registers those it reads.
type options struct {
	demo, passwordStdin, dryRun                        bool
	email, role, org, person, reason, name, to, client string
	from                                               string // migrate-data
	force                                              bool   // migrate-data
	scopes                                             []string
	overlap                                            time.Duration
}

// command is one subcommand: what "pioniers help" and its -h show, and the
// flags it takes (settings nil: every configuration setting).
type command struct {
	name, args, summary, example string
	settings                     []string
	flags                        func(fs *flag.FlagSet, o *options)
}

func email(what string) func(fs *flag.FlagSet, o *options) {
	return func(fs *flag.FlagSet, o *options) { fs.StringVar(&o.email, "email", "", what) }
}

var commands = []command{
	{name: "serve", summary: "apply pending migrations, then serve the API (every setting applies)",
		example: "pioniers serve --addr :8081"},
	{name: "migrate", summary: "apply pending database migrations", example: "pioniers migrate --database-url postgres://pioniers@db/pioniers",
		settings: storage},
	{name: "seed", args: "[--demo]", summary: "load the action plan's data; loading twice adds nothing", example: "pioniers seed --demo",
		settings: append(slices.Clip(storage), "pseudonym-key"), flags: func(fs *flag.FlagSet, o *options) {
			fs.BoolVar(&o.demo, "demo", false, "also load example data, marked example: true: a 2018–2020 series and the meetings of the next four quarters, dated from today (they age like any meeting; a load in a later quarter adds the new quarters); not for production")
		}},
	{name: "user create", args: "--email E --role R [--organisation CODE] [--person ID] [--password-stdin]",
		summary: "create a user account; the password is asked for on a terminal, or read from standard input with --password-stdin",
		example: "pioniers user create --email you@example.org --role admin", settings: storage, flags: func(fs *flag.FlagSet, o *options) {
			email("the account's email address")(fs, o)
			fs.StringVar(&o.role, "role", "", "admin, editor, member or analyst")
			fs.StringVar(&o.org, "organisation", "", "a member's organisation, by id or code such as GM0606")
			fs.StringVar(&o.person, "person", "", "id of the network person the account belongs to")
			fs.BoolVar(&o.passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
		}},
	{name: "user list", args: "[--role R] [--organisation CODE]", summary: "list user accounts", example: "pioniers user list --role admin",
		settings: storage, flags: func(fs *flag.FlagSet, o *options) {
			fs.StringVar(&o.role, "role", "", "only accounts of this role: admin, editor, member or analyst")
			fs.StringVar(&o.org, "organisation", "", "only accounts of this organisation, by id or code such as GM0606")
		}},
	{name: "user disable", args: "--email E [--reason TEXT]", summary: "end an account's access at once",
		example: "pioniers user disable --email anna@example.org --reason 'left the network'", settings: storage, flags: func(fs *flag.FlagSet, o *options) {
			email("the account's email address")(fs, o)
			fs.StringVar(&o.reason, "reason", "", "why, kept with the account")
		}},
	{name: "user enable", args: "--email E", summary: "let a disabled account sign in again",
		example: "pioniers user enable --email anna@example.org", settings: storage, flags: email("the account's email address")},
	{name: "user delete", args: "--email E", summary: "delete an account",
		example: "pioniers user delete --email anna@example.org", settings: storage, flags: email("the account's email address")},
	{name: "user set-password", args: "--email E [--password-stdin]", summary: "set an account's password; its other sign-ins end",
		example: "pioniers user set-password --email anna@example.org", settings: storage, flags: func(fs *flag.FlagSet, o *options) {
			email("the account's email address")(fs, o)
			fs.BoolVar(&o.passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
		}},
	{name: "client create", args: "--name N [--organisation CODE] [--scope S …]", summary: "register a partner portal's API client; prints its secret once",
		example: "pioniers client create --name 'Portal North' --organisation GM9901 --scope people:read", settings: storage,
		flags: func(fs *flag.FlagSet, o *options) {
			fs.StringVar(&o.name, "name", "", "the partner portal's name")
			fs.StringVar(&o.org, "organisation", "", "the organisation it acts for, by id or code such as GM0606")
			fs.Func("scope", "a scope to grant ("+strings.Join(account.ClientScopes, ", ")+"); repeat for more", func(s string) error {
				o.scopes = append(o.scopes, s)
				return nil
			})
		}},
	{name: "client list", args: "[--organisation CODE]", summary: "list API clients", example: "pioniers client list",
		settings: storage, flags: func(fs *flag.FlagSet, o *options) {
			fs.StringVar(&o.org, "organisation", "", "only the clients of this organisation, by id or code")
		}},
	{name: "client rotate", args: "--client-id ID [--overlap 24h]", summary: "give a client a new secret; the old one works for a while",
		example: "pioniers client rotate --client-id pc_… --overlap 24h", settings: storage, flags: func(fs *flag.FlagSet, o *options) {
			fs.StringVar(&o.client, "client-id", "", "the client's id (pc_…)")
			fs.DurationVar(&o.overlap, "overlap", account.DefaultSecretOverlap, "how long the old secret keeps working (at most 168h; 0 ends it at once)")
		}},
	{name: "client revoke", args: "--client-id ID", summary: "end a client's access at once",
		example: "pioniers client revoke --client-id pc_…", settings: storage, flags: func(fs *flag.FlagSet, o *options) {
			fs.StringVar(&o.client, "client-id", "", "the client's id (pc_…)")
		}},
	{name: "purge", args: "[--dry-run]", summary: "erase people who left and delete accounts unused past their retention; expire kept data",
		example: "pioniers purge --dry-run", settings: append(slices.Clip(storage), "retention-left", "retention-unused-accounts", "retention-deliveries", "audit-retention"),
		flags: func(fs *flag.FlagSet, o *options) {
			fs.BoolVar(&o.dryRun, "dry-run", false, "list who would be erased or deleted, and change nothing")
		}},
	{name: "backup", args: "--to FILE", summary: "copy the SQLite database, consistently, while it is in use",
		example: "pioniers backup --to backups/pioniers-$(date +%F).db", settings: storage, flags: func(fs *flag.FlagSet, o *options) {
			fs.StringVar(&o.to, "to", "", "the file to write (it must not exist)")
		}},
	{name: "migrate-data", args: "--to postgres://… [--from sqlite:FILE] [--force]",
		summary: "copy the SQLite database, consistently, while it is in use, into an empty PostgreSQL database, and verify the copy",
		example: "pioniers migrate-data --from sqlite:./data/pioniers.db --to postgres://pioniers@db/pioniers", settings: storage,
		flags: func(fs *flag.FlagSet, o *options) {
			fs.StringVar(&o.from, "from", "", "the SQLite database to copy, sqlite:FILE (default: the configured database, see --data-dir and --database-url); it is only read")
			fs.StringVar(&o.to, "to", "", "the PostgreSQL database to fill, postgres://…; migrated first, it must hold no data")
			fs.BoolVar(&o.force, "force", false, "empty the target's tables first when they hold data")
		}},
}

// usage is what "pioniers help" shows.
func usage() string {
	var b strings.Builder
	b.WriteString("pioniers: the Pioniers API (Pioneering Network for an Open Government, NL0037)\n\nUsage:\n")
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(w, "  pioniers %s\t%s\n", c.name, c.summary)
	}
	_ = w.Flush()
	b.WriteString("\nRun \"pioniers COMMAND -h\" for a command's flags, such as: pioniers serve -h\n" +
		"Every flag may also be set in the environment, such as PIONIERS_ADDR=:8081 for --addr.\n")
	return b.String()
}

// help is what "pioniers CMD -h" shows: the command and only its flags.
func (c command) help(fs *flag.FlagSet) string {
	var b strings.Builder
	fmt.Fprintf(&b, "pioniers %s: %s\n\nUsage:\n  pioniers %s %s[flags]\n\nExample:\n  %s\n", c.name, c.summary, c.name,
		map[bool]string{true: c.args + " ", false: ""}[c.args != ""], c.example)
	// Its own flags first, then the configuration it reads.
	own := flag.NewFlagSet("", flag.ContinueOnError)
	config := flag.NewFlagSet("", flag.ContinueOnError)
	fs.VisitAll(func(f *flag.Flag) {
		set := own
		if slices.ContainsFunc(app.Settings, func(s app.Setting) bool { return s.Flag == f.Name }) {
			set = config
		}
		set.Var(f.Value, f.Name, f.Usage)
	})
	for _, group := range []struct {
		title string
		set   *flag.FlagSet
	}{{"Flags", own}, {"Configuration (flag or environment)", config}} {
		if !hasFlags(group.set) {
			continue
		}
		fmt.Fprintf(&b, "\n%s:\n", group.title)
		group.set.SetOutput(&b)
		group.set.PrintDefaults()
	}
	return b.String()
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

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
		fmt.Fprint(stdout, usage())
		return nil
	}
	name, args := args[0], args[1:]
	if name == "user" || name == "client" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprint(stdout, usage())
			return nil
		}
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			return fmt.Errorf("usage: pioniers %s VERB; run \"pioniers help\" for the verbs", name)
		}
		name, args = name+" "+args[0], args[1:]
	}
	i := slices.IndexFunc(commands, func(c command) bool { return c.name == name })
	if i < 0 {
		return fmt.Errorf("unknown command %q\n\n%s", name, usage())
	}
	cmd := commands[i]
	fs := flag.NewFlagSet("pioniers "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // help and errors are written below, once
	config := app.Flags(fs, cmd.settings...)
	var o options
	if cmd.flags != nil {
		cmd.flags(fs, &o)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, cmd.help(fs))
			return nil
		}
		return fmt.Errorf("%s: %w; run \"pioniers %s -h\" for its flags", cmd.name, err, cmd.name)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected %q; run \"pioniers %s -h\" for its flags", cmd.name, fs.Arg(0), cmd.name)
	}
	cfg, err := config()
	if err != nil {
		return err
	}
	if cmd.name == "migrate-data" {
		// Not app.New: that would migrate, and so write, the source.
		return migrateData(ctx, cfg, o, stdout)
	}
	// Asked before the database opens: a script without a terminal learns
	// what to do without waiting for migrations.
	var password string
	if cmd.name == "user create" || cmd.name == "user set-password" {
		if password, err = readPassword(stdin, stdout, o.passwordStdin, cmd.name); err != nil {
			return err
		}
	}
	a, err := app.New(ctx, cfg, app.NewLogger(cfg))
	if err != nil {
		return err
	}
	defer a.Close()
	system := domain.WithActor(ctx, domain.System)

	switch cmd.name {
	case "user list", "user disable", "user enable", "user delete", "user set-password":
		return userCommand(ctx, a, cmd.name, userFlags{email: o.email, role: o.role, org: o.org, reason: o.reason, password: password}, stdout)
	case "migrate":
		v, err := a.DB.SchemaVersion(ctx)
		if err != nil {
			return err
		}
		applied := "none"
		if len(a.Migrated) > 0 {
			applied = strings.Join(a.Migrated, ", ")
		}
		fmt.Fprintf(stdout, "applied: %s\ndatabase is at schema version %d\n", applied, v)
	case "seed":
		rep, err := a.Seed.Load(ctx, o.demo)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "seed: %d added, %d already present\n", rep.Added, rep.Present)
	case "user create":
		u, err := a.Accounts.CreateUser(system, account.NewUser{Email: o.email, Password: password, Role: domain.Role(o.role), Organisation: o.org, Person: o.person})
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "created %s user %s (id %s)\n", u.Role, u.Email, u.ID)
	case "purge":
		return purgeCommand(system, a, o.dryRun, stdout)
	case "backup":
		if o.to == "" {
			return errors.New("backup: name the file with --to")
		}
		if err := a.DB.Backup(ctx, o.to); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "backup written to %s\n", o.to)
	case "client create":
		cl, secret, err := a.Accounts.CreateClient(system, account.NewClient{Name: o.name, Organisation: o.org, Scopes: o.scopes})
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "client_id:     %s\nclient_secret: %s\nscopes:        %s\nKeep the secret now: it is stored only as a hash.\n", cl.ClientID, secret, orNone(strings.Join(cl.Scopes, " ")))
	case "client list", "client rotate", "client revoke":
		return clientCommand(system, a.Accounts, cmd.name, o.org, o.client, o.overlap, stdout)
	case "serve":
		hasAdmin, err := a.Accounts.HasAdmin(ctx)
		if err != nil {
			return err
		}
		// Announced once the port is bound: a busy port fails with no banner.
		return a.Serve(ctx, func(addr net.Addr) {
			base := baseURL(cfg, addr)
			fmt.Fprintf(stdout, "Pioniers API on %s/v1\nDocs: %s/docs\n", base, base)
			if !hasAdmin {
				fmt.Fprintf(stdout, "No admin yet. Create the first one with:\n  %s user create --email you@example.org --role admin\n", os.Args[0])
			}
		})
	}
	return nil
}

// baseURL is where the banner points: the configured base URL, with the
// port the system chose when the address asked for any (port 0).
func baseURL(cfg app.Config, bound net.Addr) string {
	if _, port, err := net.SplitHostPort(cfg.Addr); cfg.PublicURL == "" && err == nil && port == "0" {
		if tcp, ok := bound.(*net.TCPAddr); ok {
			host, _, _ := net.SplitHostPort(cfg.Addr)
			cfg.Addr = net.JoinHostPort(host, strconv.Itoa(tcp.Port))
		}
	}
	return cfg.BaseURL()
}

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

// readPassword prompts without echo on a terminal, or with --password-stdin
// reads the first line of standard input. Without either there is no safe
// way to ask (there is no --password flag: it would show in the process list).
func readPassword(stdin io.Reader, stdout io.Writer, fromStdin bool, cmd string) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", fmt.Errorf("%s: no terminal to ask for the password; run it in a terminal, or pass the password on standard input with --password-stdin, "+
			"such as: pioniers %s --email you@example.org … --password-stdin < password.txt", cmd, cmd)
	}
	fmt.Fprint(stdout, "Password (at least 12 characters): ")
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stdout)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return string(b), nil
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
