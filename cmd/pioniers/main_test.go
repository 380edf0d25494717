package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/store/storetest"
)

// The user verbs, run in order against one data folder as an operator would.
func TestUserVerbs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := []string{"--data-dir", dir, "--log-level", "error"}
	tests := []struct {
		name    string
		args    []string
		stdin   string
		want    string // in the output, or in the error when wantErr
		wantErr bool
		notIn   string // never in the output or error
	}{
		{"create", []string{"user", "create", "--email", "anna@example.org", "--role", "editor", "--password-stdin"}, "correct horse battery staple\n",
			"created editor user anna@example.org", false, ""},
		{"create a second", []string{"user", "create", "--email", "ben@example.org", "--role", "analyst", "--password-stdin"}, "another long password\n",
			"created analyst user ben@example.org", false, ""},
		{"create with a short password", []string{"user", "create", "--email", "cem@example.org", "--role", "editor", "--password-stdin"}, "short\n",
			"the password: must be at least 12 characters", true, "--password"},
		{"create without a terminal or --password-stdin", []string{"user", "create", "--email", "cem@example.org", "--role", "editor"}, "a long enough password\n",
			"no terminal to ask for the password; run it in a terminal, or pass the password on standard input with --password-stdin", true, "--password "},
		{"list", []string{"user", "list"}, "", "anna@example.org  editor", false, ""},
		{"list by role", []string{"user", "list", "--role", "analyst"}, "", "ben@example.org", false, "anna@example.org"},
		{"list by an unknown role", []string{"user", "list", "--role", "root"}, "", "--role", true, ""},
		{"disable", []string{"user", "disable", "--email", "anna@example.org", "--reason", "left the network"}, "", "disabled anna@example.org", false, ""},
		{"list shows disabled", []string{"user", "list", "--role", "editor"}, "", "disabled", false, ""},
		{"enable", []string{"user", "enable", "--email", "anna@example.org"}, "", "enabled anna@example.org", false, ""},
		{"list shows active", []string{"user", "list", "--role", "editor"}, "", "active", false, "disabled"},
		{"set-password", []string{"user", "set-password", "--email", "anna@example.org", "--password-stdin"}, "a brand new passphrase\n", "password set for anna@example.org", false, ""},
		{"set-password too short", []string{"user", "set-password", "--email", "anna@example.org", "--password-stdin"}, "short\n",
			"the password: must be at least 12 characters", true, "--password"},
		{"set-password without a terminal or --password-stdin", []string{"user", "set-password", "--email", "anna@example.org"}, "a brand new passphrase\n",
			"--password-stdin", true, ""},
		{"set-password of nobody", []string{"user", "set-password", "--email", "nobody@example.org", "--password-stdin"}, "a brand new passphrase\n", "no user", true, ""},
		{"disable without --email", []string{"user", "disable"}, "", "--email", true, ""},
		{"delete", []string{"user", "delete", "--email", "ben@example.org"}, "", "deleted ben@example.org", false, ""},
		{"list after delete", []string{"user", "list"}, "", "anna@example.org", false, "ben@example.org"},
		{"unknown verb", []string{"user", "promote"}, "", "unknown command", true, ""},
		{"no verb", []string{"user"}, "", "usage", true, ""},
		{"a flag of another command", []string{"user", "list", "--demo"}, "", `run "pioniers user list -h"`, true, ""},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		args := append(append([]string{}, tt.args...), base...)
		err := run(context.Background(), args, strings.NewReader(tt.stdin), &out)
		text := out.String()
		if err != nil {
			text += err.Error()
		}
		if (err != nil) != tt.wantErr {
			t.Fatalf("%s: got error %v; want error %v (output %q)", tt.name, err, tt.wantErr, out.String())
		}
		if !strings.Contains(text, tt.want) {
			t.Errorf("%s: got %q; want it to contain %q", tt.name, text, tt.want)
		}
		if tt.notIn != "" && strings.Contains(text, tt.notIn) {
			t.Errorf("%s: got %q; want no %q in it", tt.name, text, tt.notIn)
		}
	}
}

// Each command's -h describes it, gives an example and lists only its flags.
func TestCommandHelp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args  []string
		want  []string
		notIn []string
	}{
		{[]string{"serve", "-h"}, []string{"pioniers serve: ", "Example:\n  pioniers serve --addr :8081", "-addr", "$PIONIERS_ADDR", "-public-url", "-rate-limit"},
			[]string{"-demo", "-email", "-password-stdin", "-client-id", "-to "}},
		{[]string{"seed", "-h"}, []string{"pioniers seed: ", "pioniers seed --demo", "-demo", "-data-dir", "-database-url", "-pseudonym-key"},
			[]string{"-addr", "-rate-limit", "-email", "-client-id"}},
		{[]string{"migrate", "--help"}, []string{"pioniers migrate: ", "-database-url"}, []string{"-addr", "-demo"}},
		{[]string{"user", "create", "-h"}, []string{"pioniers user create: ", "Example:\n  pioniers user create --email", "-email", "-role", "-password-stdin", "-data-dir"},
			[]string{"-addr", "-demo", "-client-id", "-reason", "-public-url"}},
		{[]string{"user", "list", "-h"}, []string{"-role", "-organisation"}, []string{"-email", "-password-stdin", "-addr"}},
		{[]string{"client", "rotate", "-h"}, []string{"-client-id", "-overlap"}, []string{"-scope", "-email", "-addr"}},
		{[]string{"backup", "-h"}, []string{"-to", "-data-dir"}, []string{"-addr", "-demo"}},
		{[]string{"user", "-h"}, []string{"pioniers user create ", "pioniers user set-password "}, nil},
		{[]string{"help"}, []string{"pioniers serve ", "pioniers user create ", "pioniers client revoke ", `"pioniers COMMAND -h"`}, nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			if err := run(context.Background(), tt.args, strings.NewReader(""), &out); err != nil {
				t.Fatalf("got error %v; want help", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("got %q; want it to contain %q", out.String(), w)
				}
			}
			for _, n := range tt.notIn {
				if strings.Contains(out.String(), n) {
					t.Errorf("got %q; want no %q in it", out.String(), n)
				}
			}
		})
	}
}

// serve announces the API only once its port is bound; a busy port fails
// with the address and how to choose another, and no banner.
func TestServeBanner(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() }) // after the parallel subtests
	tests := []struct {
		name    string
		addr    string
		want    []string // in the output, or in the error when wantErr
		wantErr bool
	}{
		{"busy port", busy.Addr().String(), []string{"cannot listen on " + busy.Addr().String(), "already in use", "--addr", "PIONIERS_ADDR"}, true},
		{"free port", "127.0.0.1:0", []string{"Pioniers API on http://127.0.0.1:", "/v1\nDocs: http://127.0.0.1:", "No admin yet"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var out storetest.Logs // written by serve while the test reads it
			args := []string{"serve", "--addr", tt.addr, "--data-dir", t.TempDir(), "--log-level", "error", "--drain-wait", "0s"}
			done := make(chan error, 1)
			go func() { done <- run(ctx, args, strings.NewReader(""), &out) }()
			var err error
			if tt.wantErr {
				select {
				case err = <-done:
				case <-time.After(30 * time.Second):
					t.Fatal("serve on a busy port still runs after 30s")
				}
				if err == nil {
					t.Fatal("got no error; want one")
				}
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("got error %q; want it to contain %q", err, w)
					}
				}
				if strings.Contains(out.String(), "Pioniers API on") {
					t.Errorf("got banner %q; want none when the port is busy", out.String())
				}
				return
			}
			for deadline := time.Now().Add(30 * time.Second); !strings.Contains(out.String(), "Docs:"); time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("no banner after 30s; got %q", out.String())
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("got %q; want it to contain %q", out.String(), w)
				}
			}
			// The banner's address answers: it was bound before it was printed.
			base := strings.TrimSuffix(strings.Fields(out.String())[3], "/v1")
			res, err := http.Get(base + "/healthz")
			if err != nil {
				t.Fatalf("GET %s/healthz: %v", base, err)
			}
			res.Body.Close()
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: got %v; want a clean shutdown", err)
			}
		})
	}
}
