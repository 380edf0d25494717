package bench

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Server is bin/pioniers serving a copy of a dataset.
type Server struct {
	URL  string
	Dir  string
	cmd  *exec.Cmd
	logs *os.File
	done chan struct{} // closed when the process has ended
}

// startServer copies d into dir and serves it with the binary at bin, on a
// fresh loopback port, without the rate limit; extra flags follow.
func startServer(ctx context.Context, bin string, d Dataset, dir string, extra ...string) (*Server, error) {
	if err := copyDataset(d, dir); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	logs, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	args := append([]string{"serve", "--rate-limit", "0", "--addr", addr, "--data-dir", dir, "--log-level", "warn", "--drain-wait", "0s"}, extra...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = logs, logs
	// A server left over would hold its port and memory: end it with the bench.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logs.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &Server{URL: "http://" + addr, Dir: dir, cmd: cmd, logs: logs, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		res, err := http.Get(s.URL + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-s.done:
			deadline = time.Now()
		case <-time.After(100 * time.Millisecond):
		}
	}
	s.Stop()
	log, _ := os.ReadFile(logs.Name())
	return nil, fmt.Errorf("%s did not become ready: %s", bin, log)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Memory is what the kernel says the server holds: VmRSS now, VmHWM its peak.
type Memory struct{ RSS, Peak int64 } // bytes

// Memory reads /proc/PID/status.
func (s *Server) Memory() (Memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return Memory{}, fmt.Errorf("server memory: %w", err)
	}
	defer f.Close()
	var m Memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("server memory: %s: %w", name, err)
		}
		if name == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.Peak = kb << 10
		}
	}
	return m, sc.Err()
}

// Stop ends the server (SIGTERM, then SIGKILL after a while).
func (s *Server) Stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.logs.Close()
}

// Remove stops the server and deletes its copy of the dataset.
func (s *Server) Remove() {
	s.Stop()
	_ = os.RemoveAll(s.Dir)
}
