package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
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
		{"create a second", []string{"user", "create", "--email", "ben@example.org", "--role", "analyst"}, "another long password\n",
			"created analyst user ben@example.org", false, ""},
		{"create with a short password", []string{"user", "create", "--email", "cem@example.org", "--role", "editor"}, "short\n",
			"the password: must be at least 12 characters", true, "--password"},
		{"list", []string{"user", "list"}, "", "anna@example.org  editor", false, ""},
		{"list by role", []string{"user", "list", "--role", "analyst"}, "", "ben@example.org", false, "anna@example.org"},
		{"list by an unknown role", []string{"user", "list", "--role", "root"}, "", "--role", true, ""},
		{"disable", []string{"user", "disable", "--email", "anna@example.org", "--reason", "left the network"}, "", "disabled anna@example.org", false, ""},
		{"list shows disabled", []string{"user", "list", "--role", "editor"}, "", "disabled", false, ""},
		{"enable", []string{"user", "enable", "--email", "anna@example.org"}, "", "enabled anna@example.org", false, ""},
		{"list shows active", []string{"user", "list", "--role", "editor"}, "", "active", false, "disabled"},
		{"set-password", []string{"user", "set-password", "--email", "anna@example.org"}, "a brand new passphrase\n", "password set for anna@example.org", false, ""},
		{"set-password too short", []string{"user", "set-password", "--email", "anna@example.org"}, "short\n",
			"the password: must be at least 12 characters", true, "--password"},
		{"set-password of nobody", []string{"user", "set-password", "--email", "nobody@example.org"}, "a brand new passphrase\n", "no user", true, ""},
		{"disable without --email", []string{"user", "disable"}, "", "--email", true, ""},
		{"delete", []string{"user", "delete", "--email", "ben@example.org"}, "", "deleted ben@example.org", false, ""},
		{"list after delete", []string{"user", "list"}, "", "anna@example.org", false, "ben@example.org"},
		{"unknown verb", []string{"user", "promote"}, "", "unknown command", true, ""},
		{"no verb", []string{"user"}, "", "usage", true, ""},
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
