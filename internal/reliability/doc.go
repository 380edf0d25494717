// Package reliability holds the long tests of issue 14 that drive the real
// binary: kill -9 crash cycles, graceful shutdown under load and a soak. They
// build with the reliability tag; run them with make test-reliability.
package reliability
