package app_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/app"
)

var updateReference = flag.Bool("update", false, "rewrite docs/configuration.md from app.Settings")

// referencePath is the generated configuration reference, from this package's folder.
const referencePath = "../../docs/configuration.md"

// configurationReference renders app.Settings as the Markdown page that
// operators read, so that the page cannot drift from the flags.
func configurationReference(settings []app.Setting) string {
	var b strings.Builder
	b.WriteString(`# Configuration reference

<!-- Generated from app.Settings (internal/app/config.go). Do not edit: run
     go test ./internal/app -run TestConfigurationReference -update
     (or go generate ./internal/app) after changing a setting. -->

Every setting is a flag or an environment variable; a flag wins over the variable. ` + "`pioniers serve -h`" + `
lists them all; every other command takes the ones it needs, and ` + "`pioniers COMMAND -h`" + ` lists those. Durations are Go durations (` + "`90s`, `15m`, `336h`" + `). How to run the
service in production is in [operators.md](operators.md).

| flag | environment variable | default | description |
|---|---|---|---|
`)
	for _, s := range settings {
		def := "*(empty)*"
		if s.Default != "" {
			def = "`" + s.Default + "`"
		}
		fmt.Fprintf(&b, "| `--%s` | `%s` | %s | %s |\n", s.Flag, s.Env, def, cell(s.Usage))
	}
	return b.String()
}

func TestConfigurationReference(t *testing.T) {
	t.Parallel()
	want := configurationReference(app.Settings)
	if *updateReference {
		if err := os.WriteFile(referencePath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(referencePath)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("docs/configuration.md differs from app.Settings; run go test ./internal/app -run TestConfigurationReference -update and commit it")
	}
}

// cell escapes what Markdown would read as a table border or an HTML tag.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
}
