//go:build reliability

package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pioniersnetwerk/pioniers/internal/apptest"
)

// binary is the real pioniers command, built once for every test here.
var binary struct {
	once sync.Once
	path string
	err  error
	dir  string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// build compiles cmd/pioniers into a temporary folder, once.
func build(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		binary.dir, binary.err = os.MkdirTemp("", "pioniers-reliability-")
		if binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "pioniers")
		out, err := exec.Command("go", "build", "-o", binary.path, "github.com/pioniersnetwerk/pioniers/cmd/pioniers").CombinedOutput()
		if err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// server is the real binary on its own data folder and database, started
// and stopped as an operator would.
type server struct {
	t       *testing.T
	bin     string
	dataDir string
	dbURL   string // a database from apptest.DatabaseURL: a SQLite file or a PostgreSQL schema
	extra   []string
	base    string // http://127.0.0.1:port
	cmd     *exec.Cmd
	exited  chan error
	logs    *bytes.Buffer
}

// newServer prepares a server with a fresh database, migrated and seeded,
// and an admin user; extra flags go to every serve.
func newServer(t *testing.T, extra ...string) *server {
	t.Helper()
	s := &server{t: t, bin: build(t), dataDir: t.TempDir(), dbURL: apptest.DatabaseURL(t), extra: extra}
	s.run("seed")
	s.run("user", "create", "--email", "admin@example.org", "--role", "admin", "--password-stdin")
	t.Cleanup(func() {
		if s.cmd != nil {
			s.kill()
		}
	})
	return s
}

func (s *server) flags() []string {
	return []string{"--data-dir", s.dataDir, "--database-url", s.dbURL, "--log-level", "warn"}
}

// run runs a command other than serve to its end.
func (s *server) run(args ...string) {
	s.t.Helper()
	cmd := exec.Command(s.bin, append(args, s.flags()...)...)
	cmd.Stdin = strings.NewReader(apptest.Password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		s.t.Fatalf("pioniers %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// start runs pioniers serve on a free port and waits until /readyz is 200.
func (s *server) start() {
	s.t.Helper()
	if err := s.startErr(); err != nil {
		s.t.Fatal(err)
	}
}

// startErr is start for a goroutine other than the test's: it returns what
// went wrong instead of failing the test.
func (s *server) startErr() error {
	addr, err := pickAddr()
	if err != nil {
		return err
	}
	s.base = "http://" + addr
	args := append([]string{"serve", "--addr", addr, "--public-url", s.base}, s.flags()...)
	s.cmd = exec.Command(s.bin, append(args, s.extra...)...)
	s.logs = &bytes.Buffer{}
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.exited = make(chan error, 1)
	go func(cmd *exec.Cmd, exited chan error) { exited <- cmd.Wait() }(s.cmd, s.exited)
	c := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-s.exited:
			s.cmd = nil
			return fmt.Errorf("pioniers serve exited at start: %v\n%s", err, s.logs)
		default:
		}
		if res, err := c.Get(s.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("pioniers serve not ready after 20s\n%s", s.logs)
}

// kill ends the server with SIGKILL: no shutdown, as in a crash.
func (s *server) kill() {
	s.t.Helper()
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// stop sends SIGTERM and returns how the process ended.
func (s *server) stop(wait time.Duration) error {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatal(err)
	}
	select {
	case err := <-s.exited:
		s.cmd = nil
		return err
	case <-time.After(wait):
		s.kill()
		return fmt.Errorf("still running %v after SIGTERM", wait)
	}
}

// pid is the running server's process id.
func (s *server) pid() int { return s.cmd.Process.Pid }

// token signs the admin in.
func (s *server) token() string {
	s.t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	res, err := call(context.Background(), http.DefaultClient, "POST", s.base+"/v1/auth/token", map[string]string{"email": "admin@example.org", "password": apptest.Password}, nil)
	if err != nil || res.status != http.StatusOK {
		s.t.Fatalf("sign in: got %d, %v; want 200: %s", res.status, err, res.body)
	}
	if err := json.Unmarshal(res.body, &tok); err != nil || tok.AccessToken == "" {
		s.t.Fatalf("sign in: %v in %s", err, res.body)
	}
	return tok.AccessToken
}

// reply is an answered request.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// id is the "id" of a JSON body, "" without one.
func (r reply) id() string {
	var v struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(r.body, &v)
	return v.ID
}

// call sends a request with a JSON body (nil for none) and reads the whole
// answer; err is a transport error: no answer at all.
func call(ctx context.Context, c *http.Client, method, url string, body any, header map[string]string) (reply, error) {
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return reply{}, err
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return reply{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		if method == http.MethodPatch {
			req.Header.Set("Content-Type", "application/merge-patch+json")
		}
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{status: res.StatusCode, header: res.Header, body: data}, nil
}
