package client_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/pioniersnetwerk/pioniers/internal/account"
	"github.com/pioniersnetwerk/pioniers/internal/apptest"
	"github.com/pioniersnetwerk/pioniers/internal/domain"
)

// The service the examples and tests talk to, started once by TestMain with
// the action plan's data, an editor and a partner's API client.
var (
	env          *apptest.Env
	baseURL      string // the API's base, with /v1
	editorEmail  = "editor@example.org"
	password     = apptest.Password
	clientID     string
	clientSecret string
)

func TestMain(m *testing.M) {
	tb := &mainTB{}
	code := func() int {
		defer tb.cleanup()
		cfg := apptest.Config(tb)
		cfg.RateLimit, cfg.SignInLimit = 0, 1000
		env = apptest.New(tb, cfg)
		env.Seed(tb)
		baseURL = env.URL + "/v1"
		env.User(tb, editorEmail, domain.RoleEditor, "")
		cl, secret, err := env.App.Accounts.CreateClient(apptest.As(domain.System),
			account.NewClient{Name: "Schiedam participation portal", Organisation: "GM0606", Scopes: []string{"people:read"}})
		if err != nil {
			tb.Fatalf("create client: %v", err)
		}
		clientID, clientSecret = cl.ClientID, secret
		return m.Run()
	}()
	os.Exit(code)
}

// mainTB is the testing.TB that apptest needs, for TestMain, which has
// none: it fails by panicking and runs the cleanups when TestMain ends.
// apptest uses only the methods it defines; any other panics on the nil
// embedded TB.
type mainTB struct {
	testing.TB
	cleanups []func()
	dirs     []string
}

func (*mainTB) Helper() {}

func (*mainTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

func (*mainTB) Fatal(args ...any) { panic(fmt.Sprint(args...)) }

func (tb *mainTB) Cleanup(f func()) { tb.cleanups = append(tb.cleanups, f) }

func (tb *mainTB) TempDir() string {
	dir, err := os.MkdirTemp("", "pioniers-client-")
	if err != nil {
		panic(err)
	}
	tb.dirs = append(tb.dirs, dir)
	return dir
}

func (tb *mainTB) cleanup() {
	for i := len(tb.cleanups) - 1; i >= 0; i-- {
		tb.cleanups[i]()
	}
	for _, dir := range tb.dirs {
		os.RemoveAll(dir)
	}
}

// ctx is the context of examples and tests.
var ctx = context.Background()
