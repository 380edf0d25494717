package app

import (
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// serve always expires kept data hourly; it purges people and accounts only
// when --purge-interval is set and a retention term applies.
func TestRetentionTasks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		change    func(*Config)
		want      []string
		wantPurge time.Duration
	}{
		{"defaults", func(*Config) {}, []string{"expiry"}, 0},
		{"daily purge", func(c *Config) { c.PurgeInterval = 24 * time.Hour }, []string{"expiry", "purge"}, 24 * time.Hour},
		{"accounts only", func(c *Config) { c.PurgeInterval, c.RetentionLeft = time.Hour, 0 }, []string{"expiry", "purge"}, time.Hour},
		{"both terms off", func(c *Config) { c.PurgeInterval, c.RetentionLeft, c.RetentionUnusedAccounts = time.Hour, 0, 0 }, []string{"expiry"}, 0},
	}
	for _, tt := range tests {
		cfg := Defaults()
		tt.change(&cfg)
		var got []string
		var purge time.Duration
		for _, task := range (&App{Config: cfg}).retentionTasks() {
			got = append(got, task.name)
			if task.name == "purge" {
				purge = task.every
			}
		}
		if !slices.Equal(got, tt.want) || purge != tt.wantPurge {
			t.Errorf("%s: got %v every %s; want %v every %s", tt.name, got, purge, tt.want, tt.wantPurge)
		}
	}
}

// The retention flags take durations, 0 to keep; a negative or malformed
// one is refused by name.
func TestRetentionFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    []string
		want    Config
		wantErr string
	}{
		{nil, Config{RetentionLeft: 17520 * time.Hour, RetentionUnusedAccounts: 17520 * time.Hour, RetentionDeliveries: 720 * time.Hour}, ""},
		{[]string{"--retention-left=0", "--retention-unused-accounts=8760h", "--retention-deliveries=0", "--purge-interval=24h"},
			Config{RetentionUnusedAccounts: 8760 * time.Hour, PurgeInterval: 24 * time.Hour}, ""},
		{[]string{"--retention-left=-1h"}, Config{}, "--retention-left"},
		{[]string{"--retention-deliveries=a month"}, Config{}, "--retention-deliveries"},
		{[]string{"--purge-interval=daily"}, Config{}, "--purge-interval"},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		build := Flags(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatalf("parse %v: %v", tt.args, err)
		}
		cfg, err := build()
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: got %v; want an error naming %s", tt.args, err, tt.wantErr)
			}
			continue
		}
		got := Config{RetentionLeft: cfg.RetentionLeft, RetentionUnusedAccounts: cfg.RetentionUnusedAccounts,
			RetentionDeliveries: cfg.RetentionDeliveries, PurgeInterval: cfg.PurgeInterval}
		if err != nil || got.RetentionLeft != tt.want.RetentionLeft || got.RetentionUnusedAccounts != tt.want.RetentionUnusedAccounts ||
			got.RetentionDeliveries != tt.want.RetentionDeliveries || got.PurgeInterval != tt.want.PurgeInterval {
			t.Errorf("%v: got %+v, %v; want %+v", tt.args, got, err, tt.want)
		}
	}
}
