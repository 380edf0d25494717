package app

import (
	"encoding/json"
	"net"
	"net/http"
	"testing"
)

// The debug listener serves the goroutine count beside expvar's figures,
// and stops when asked.
func TestServeDebug(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	stop, err := serveDebug(addr, "debug-addr", "PIONIERS_DEBUG_ADDR", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get("http://" + addr + "/debug/vars")
	if err != nil {
		t.Fatal(err)
	}
	var vars struct {
		Goroutines int             `json:"goroutines"`
		Memstats   json.RawMessage `json:"memstats"`
	}
	err = json.NewDecoder(res.Body).Decode(&vars)
	res.Body.Close()
	if err != nil || vars.Goroutines < 1 || len(vars.Memstats) == 0 {
		t.Errorf("got goroutines %d, memstats %d bytes, err %v; want both", vars.Goroutines, len(vars.Memstats), err)
	}
	stop()
	if _, err := http.Get("http://" + addr + "/debug/vars"); err == nil {
		t.Errorf("got an answer after stop; want the listener closed")
	}
}
