package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// errWriter remembers the first write error: runtime/pprof drops them.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// startCPUProfile starts a CPU profile written to path; stop ends it and
// returns the first error of writing or closing the file, which would
// otherwise be lost (a full disk leaves a truncated profile).
func startCPUProfile(path string) (stop func() error, err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: cannot create %s (%v): choose a writable path", path, unwrapPathErr(err))
	}
	w := &errWriter{w: f}
	if err := pprof.StartCPUProfile(w); err != nil {
		f.Close()
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		err := w.err
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("-cpuprofile: writing %s: %v: the profile is incomplete", path, unwrapPathErr(err))
		}
		return nil
	}, nil
}

// unwrapPathErr drops a *PathError's operation and path.
func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
