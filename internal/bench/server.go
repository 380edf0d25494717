package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
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
	// peakAnon is the most anonymous memory a sample saw (see sampleAnon).
	peakAnon atomic.Int64
	// drop, when set, removes the PostgreSQL database the server used.
	drop func() error
}

// startServer copies d into dir and serves it with the binary at bin, on a
// fresh loopback port, without the rate limit; extra flags follow.
func startServer(ctx context.Context, bin string, d Dataset, dir string, extra ...string) (*Server, error) {
	if err := copyDataset(d, dir); err != nil {
		return nil, err
	}
	return serve(ctx, bin, dir, extra...)
}

// serve starts the binary at bin on the data folder dir, on a fresh
// loopback port, without the rate limit; extra flags follow.
func serve(ctx context.Context, bin, dir string, extra ...string) (*Server, error) {
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
	go s.sampleAnon()
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

// Memory is what the kernel says the server holds: VmRSS now and VmHWM its
// peak; and of it, now, the anonymous part (heap, stacks, SQLite's caches)
// and the file-backed part (the binary's code and data, shared and clean;
// kernels that keep the file in large folios map most of it at start), with
// the anonymous part's peak as sampled every 20 ms. RestRSS and RestAnon,
// when not 0, are VmRSS and RssAnon once the server has been at rest past
// its --idle-release (see restWait).
type Memory struct{ RSS, Peak, Anon, File, PeakAnon, RestRSS, RestAnon int64 } // bytes

// defaultIdleRelease is the --idle-release the bench gives its servers
// unless Options say otherwise: serve's own default.
const defaultIdleRelease = 10 * time.Second

// restWait is how long the bench leaves the servers without a request
// before it reads their memory at rest: the period, the quarter of it a
// server may take to notice, and a second to give back.
func restWait(idle time.Duration) time.Duration { return idle + idle/4 + time.Second }

// Memory reads /proc/PID/status.
func (s *Server) Memory() (Memory, error) {
	fields, err := procStatus(s.cmd.Process.Pid)
	if err != nil {
		return Memory{}, err
	}
	m := Memory{RSS: fields["VmRSS"], Peak: fields["VmHWM"], Anon: fields["RssAnon"], File: fields["RssFile"]}
	m.PeakAnon = max(s.peakAnon.Load(), m.Anon)
	return m, nil
}

// sampleAnon keeps peakAnon until the process ends: the kernel keeps the
// peak of the whole RSS only.
func (s *Server) sampleAnon() {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-tick.C:
			if fields, err := procStatus(s.cmd.Process.Pid); err == nil && fields["RssAnon"] > s.peakAnon.Load() {
				s.peakAnon.Store(fields["RssAnon"])
			}
		}
	}
}

// procStatus reads the memory lines (in kB) of /proc/PID/status, in bytes.
func procStatus(pid int) (map[string]int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, fmt.Errorf("server memory: %w", err)
	}
	defer f.Close()
	fields := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || !strings.HasSuffix(value, " kB") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("server memory: %s: %w", name, err)
		}
		fields[name] = kb << 10
	}
	return fields, sc.Err()
}

// clockTick is the unit of the times in /proc/PID/stat: USER_HZ, 100 on
// every Linux the bench runs on.
const clockTick = 10 * time.Millisecond

// cpuTime is the processor time, user and system, that process pid has
// used: from /proc/PID/stat, false where there is none to read.
func cpuTime(pid int) (time.Duration, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	return statCPU(data)
}

// statCPU is the processor time in a /proc/PID/stat line.
func statCPU(data []byte) (time.Duration, bool) {
	// The command name, in parentheses, may hold spaces: fields count from
	// after it, the state (field 3) first; utime and stime are 14 and 15.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * clockTick, true
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

// Remove stops the server and deletes its copy of the dataset, and its
// PostgreSQL database (what fails to drop now is dropped at the end).
func (s *Server) Remove() {
	s.Stop()
	_ = os.RemoveAll(s.Dir)
	if s.drop != nil {
		_ = s.drop()
	}
}
