package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// The floor is a bare echo v4 server that answers each row's path with the
// very bytes and Content-Type the API answered, from memory: what serving
// that response costs with no work behind it. It runs in its own process,
// as the API does, so that neither shares a runtime with the load generator.

// FloorEnv, when set in the environment, makes MaybeFloor serve: the bench
// starts itself (os.Executable) as the floor.
const FloorEnv = "PIONIERS_BENCH_FLOOR"

// floorRoute is one body the floor serves.
type floorRoute struct {
	Path        string `json:"path"`
	ContentType string `json:"contentType"`
	File        string `json:"file"`
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
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	for _, r := range routes {
		body, err := os.ReadFile(r.File)
		if err != nil {
			return fmt.Errorf("read body: %w", err)
		}
		e.Any(r.Path, func(c echo.Context) error { return c.Blob(http.StatusOK, r.ContentType, body) })
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// The parent reads the address from the first line.
	fmt.Println(ln.Addr().String())
	return http.Serve(ln, e)
}

// Floor is a running floor server.
type Floor struct {
	URL string
	cmd *exec.Cmd
}

// startFloor writes the bodies to dir and starts the floor serving them.
func startFloor(ctx context.Context, dir string, bodies map[string]Body) (*Floor, error) {
	var routes []floorRoute
	for name, b := range bodies {
		file := filepath.Join(dir, "floor-"+name+".body")
		if err := os.WriteFile(file, b.Data, 0o600); err != nil {
			return nil, fmt.Errorf("floor body: %w", err)
		}
		routes = append(routes, floorRoute{Path: "/" + name, ContentType: b.ContentType, File: file})
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
		if a == "" {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return nil, errors.New("floor did not start")
		}
		return &Floor{URL: "http://" + a, cmd: cmd}, nil
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
