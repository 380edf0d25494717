package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/pioniersnetwerk/pioniers/internal/app"
)

// The floor is a bare echo v4 server that answers each row's path with the
// very bytes and Content-Type the API answered, from memory: what serving
// that response costs with no work behind it. It runs in its own process,
// as the API does, so that neither shares a runtime with the load generator.
//
// The same process serves a second floor on a listener of its own, shaped
// as the API answers: each response with the API's headers as well, on a
// net/http server with serve's default timeouts. Between it and the API is
// what the API does per request (its middleware and response cache);
// between it and the bare floor is what the shape of the answer costs
// net/http.

// FloorEnv, when set in the environment, makes MaybeFloor serve: the bench
// starts itself (os.Executable) as the floor.
const FloorEnv = "PIONIERS_BENCH_FLOOR"

// floorRoute is one body the floor serves.
type floorRoute struct {
	Path   string      `json:"path"`
	File   string      `json:"file"`
	Header http.Header `json:"header"` // the API's; the bare floor sends its Content-Type only
}

// MaybeFloor serves the floor and exits when FloorEnv names a manifest; it
// returns at once otherwise. main and TestMain call it first.
func MaybeFloor() {
	manifest := os.Getenv(FloorEnv)
	if manifest == "" {
		return
	}
	if err := serveFloor(manifest); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func serveFloor(manifest string) error {
	data, err := os.ReadFile(manifest)
	if err != nil {
		return fmt.Errorf("read manifest: %w", err)
	}
	var routes []floorRoute
	if err := json.Unmarshal(data, &routes); err != nil {
		return fmt.Errorf("read manifest: %w", err)
	}
	bare, shaped := echo.New(), echo.New()
	for _, r := range routes {
		body, err := os.ReadFile(r.File)
		if err != nil {
			return fmt.Errorf("read body: %w", err)
		}
		contentType := r.Header.Get("Content-Type")
		bare.Any(r.Path, func(c echo.Context) error { return c.Blob(http.StatusOK, contentType, body) })
		// As the API's response cache answers a hit: its kept headers, each
		// clipped so that an Add copies rather than writes into it, copied
		// in, then the status and the body.
		for k, v := range r.Header {
			r.Header[k] = slices.Clip(v)
		}
		shaped.Any(r.Path, func(c echo.Context) error {
			res := c.Response()
			maps.Copy(res.Header(), r.Header)
			res.WriteHeader(http.StatusOK)
			_, err := res.Write(body)
			return err
		})
	}
	var lns [2]net.Listener
	for i := range lns {
		if lns[i], err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
	}
	// The parent reads the addresses from the first line.
	fmt.Println(lns[0].Addr().String(), lns[1].Addr().String())
	served := make(chan error, 2)
	go func() { served <- http.Serve(lns[0], bare) }()
	go func() { served <- app.Defaults().HTTPServer(shaped).Serve(lns[1]) }()
	return <-served
}

// Floor is a running floor server: URL the bare floor, Shaped the one
// that answers as the API does.
type Floor struct {
	URL, Shaped string
	cmd         *exec.Cmd
}

// startFloor writes the bodies to dir and starts the floor serving them.
func startFloor(ctx context.Context, dir string, bodies map[string]Body) (*Floor, error) {
	var routes []floorRoute
	for name, b := range bodies {
		file := filepath.Join(dir, "floor-"+name+".body")
		if err := os.WriteFile(file, b.Data, 0o600); err != nil {
			return nil, fmt.Errorf("floor body: %w", err)
		}
		routes = append(routes, floorRoute{Path: "/" + name, File: file, Header: b.Header})
	}
	data, err := json.Marshal(routes)
	if err != nil {
		return nil, fmt.Errorf("floor manifest: %w", err)
	}
	manifest := filepath.Join(dir, "floor.json")
	if err := os.WriteFile(manifest, data, 0o600); err != nil {
		return nil, fmt.Errorf("floor manifest: %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("floor: %w", err)
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), FloorEnv+"="+manifest)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("floor: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start floor: %w", err)
	}
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case a := <-addr:
		bare, shaped, ok := strings.Cut(a, " ")
		if !ok {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return nil, errors.New("floor did not start")
		}
		return &Floor{URL: "http://" + bare, Shaped: "http://" + shaped, cmd: cmd}, nil
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, errors.New("floor did not start within 30s")
	}
}

// Stop ends the floor's process.
func (f *Floor) Stop() {
	_ = f.cmd.Process.Kill()
	_ = f.cmd.Wait()
}
