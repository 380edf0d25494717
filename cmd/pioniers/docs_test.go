package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The docs test runs the shell snippets of README.md and docs/*.md as a reader
// would: against the real command (this test binary standing in for
// bin/pioniers) serving on a fresh SQLite database.
//
// A ```sh block runs when it talks to the local server: it names
// localhost:8080, $API or bin/pioniers, and the line before it is not a
// comment starting <!-- norun (a reason may follow). The blocks of one file run in order in one bash session
// (set -e, pipefail), so later blocks see the variables of earlier ones.
// Before they run, the server has been seeded and started as make run does,
// localhost:8080 is replaced by its address, API is preset to its /v1, and
// make build does nothing (the binary is built).

// docsMainEnv makes this test binary act as bin/pioniers.
const docsMainEnv = "PIONIERS_DOCS_MAIN"

// docsRoot is the repository root, seen from this package's folder.
const docsRoot = "../.."

// snippet is one runnable ```sh block.
type snippet struct {
	line int // of the opening fence, 1-based
	text string
}

// snippets returns the runnable shell blocks of a Markdown document.
func snippets(doc string) []snippet {
	var (
		out      []snippet
		in       bool
		run      bool
		start    int
		body     strings.Builder
		previous string // the last non-blank line outside a block
	)
	sc := bufio.NewScanner(strings.NewReader(doc))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case !in && strings.HasPrefix(trimmed, "```"):
			in, start = true, n
			lang := strings.TrimSpace(strings.TrimPrefix(trimmed, "```"))
			run = (lang == "sh" || lang == "bash") && !strings.HasPrefix(previous, "<!-- norun")
			body.Reset()
		case in && strings.HasPrefix(trimmed, "```"):
			in = false
			text := body.String()
			if run && (strings.Contains(text, "localhost:8080") || strings.Contains(text, "$API") || strings.Contains(text, "bin/pioniers")) {
				out = append(out, snippet{line: start, text: text})
			}
			previous = trimmed
		case in:
			body.WriteString(line + "\n")
		case trimmed != "":
			previous = trimmed
		}
	}
	return out
}

func TestSnippets(t *testing.T) {
	t.Parallel()
	doc := "intro\n\n```sh\ncurl -s \"$API/meetings\"\n```\n\n<!-- norun: production -->\n```sh\n./bin/pioniers serve\n```\n\n" +
		"```sh\nmake test\n```\n\n```html\n<a href=\"http://localhost:8080\"></a>\n```\n\n```bash\n./bin/pioniers seed\nls\n```\n"
	got := snippets(doc)
	want := []snippet{{3, "curl -s \"$API/meetings\"\n"}, {20, "./bin/pioniers seed\nls\n"}}
	if !slices.Equal(got, want) {
		t.Errorf("snippets = %+v; want %+v", got, want)
	}
}

// TestDocs runs every document's snippets against its own server.
func TestDocs(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("docs test: skipped with -short")
	}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		t.Skip("docs test: it runs the docs as make run does, on SQLite; the run without TEST_DATABASE_URL covers it")
	}
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("docs test: the snippets need %s on PATH, which is missing; install it to run them", tool)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(docsRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{filepath.Join(docsRoot, "README.md")}, files...)
	for _, file := range files {
		doc, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		blocks := snippets(string(doc))
		if len(blocks) == 0 {
			continue
		}
		name, _ := filepath.Rel(docsRoot, file)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runSnippets(t, exe, name, blocks)
		})
	}
}

// runSnippets seeds and starts a server in a fresh folder and runs the blocks
// there, in one bash session.
func runSnippets(t *testing.T, exe, name string, blocks []snippet) {
	t.Helper()
	dir := t.TempDir()
	for file, script := range map[string]string{
		"bin/pioniers": fmt.Sprintf("#!/bin/sh\n%s=1 exec '%s' -test.run='^TestDocsMain$' -- \"$@\"\n", docsMainEnv, exe),
		"shim/make":    "#!/bin/sh\n[ \"$*\" = build ] && exit 0\necho \"docs test: make $* is not supported in a snippet\" >&2\nexit 1\n",
	} {
		path := filepath.Join(dir, file)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	addr := freeAddr(t)
	env := []string{
		"PATH=" + filepath.Join(dir, "shim") + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + dir, "LC_ALL=C.UTF-8",
		"PIONIERS_ADDR=" + addr, "PIONIERS_LOG_LEVEL=warn", "PIONIERS_DRAIN_WAIT=0s",
		// The snippets sign in more often than a person would in a minute.
		"PIONIERS_SIGN_IN_LIMIT=1000",
	}
	// A safety net, not a budget: a document takes seconds, but a race
	// build on a busy machine is many times slower.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	command := func(name string, args ...string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir, cmd.Env = dir, env
		return cmd
	}

	// As make run: seed, then serve.
	if out, err := command("bin/pioniers", "seed").CombinedOutput(); err != nil {
		t.Fatalf("bin/pioniers seed: %v\n%s", err, out)
	}
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	serverLog := func() string { b, _ := os.ReadFile(logFile.Name()); return string(b) }
	serve := command("bin/pioniers", "serve")
	serve.Stdout, serve.Stderr = logFile, logFile
	serve.Cancel = func() error { return serve.Process.Signal(syscall.SIGTERM) }
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = serve.Process.Signal(syscall.SIGTERM)
		_ = serve.Wait()
	})
	base := "http://" + addr
	waitReady(t, base+"/readyz", serverLog)

	var script strings.Builder
	fmt.Fprintf(&script, "set -e -o pipefail\nAPI=%s/v1\n", base)
	for _, b := range blocks {
		fmt.Fprintf(&script, "echo '>>> %s:%d' >&2\n%s", name, b.line, strings.ReplaceAll(b.text, "localhost:8080", addr))
	}
	script.WriteString("echo '>>> done' >&2\n")
	out, err := command("bash", "-c", script.String()).CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), ">>> done") {
		failed := "?"
		if i := strings.LastIndex(string(out), ">>> "); i >= 0 {
			failed, _, _ = strings.Cut(string(out)[i+4:], "\n")
		}
		t.Errorf("the snippet at %s failed (%v); mark it <!-- norun --> if it must not run\n%s\nserver log:\n%s", failed, err, tail(string(out), 4000), tail(serverLog(), 2000))
	}
}

// TestDocsMain is bin/pioniers in the docs test: the test binary, run with
// PIONIERS_DOCS_MAIN=1, runs main with the arguments after "--".
func TestDocsMain(t *testing.T) {
	if os.Getenv(docsMainEnv) != "1" {
		t.Skip("runs only as bin/pioniers in TestDocs")
	}
	i := slices.Index(os.Args, "--")
	os.Args = append([]string{"pioniers"}, os.Args[i+1:]...)
	main()
	os.Exit(0)
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// waitReady waits until the server answers 200 at url.
func waitReady(t *testing.T, url string, log func() string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the server did not become ready at %s:\n%s", url, log())
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
