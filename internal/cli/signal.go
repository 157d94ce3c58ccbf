package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// SignalError is the cause of a context cancelled by SignalContext.
type SignalError struct{ Signal os.Signal }

func (e SignalError) Error() string { return e.Signal.String() + " signal received" }

// ExitCode is the shell's status for a process killed by the signal:
// 128 + its number (130 for SIGINT, 143 for SIGTERM).
func (e SignalError) ExitCode() int {
	if s, ok := e.Signal.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 128 + int(syscall.SIGINT)
}

// Signals are the signals SignalContext handles: SIGINT (Ctrl-C),
// SIGTERM (kill), SIGHUP (the terminal or SSH session closed) and SIGQUIT
// (Ctrl-\, which Go would otherwise answer with a goroutine dump and exit
// status 2, the status of a usage error).
var Signals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// SignalName names a signal as the shell does ("SIGINT").
func SignalName(s os.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGQUIT:
		return "SIGQUIT"
	}
	return s.String()
}

// SignalContext returns a context cancelled, with a SignalError as its
// cause (context.Cause), on the first of Signals. After that first
// signal the default behaviour is restored, so a second Ctrl-C ends the
// process at once. stop releases the handler.
func SignalContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, Signals...)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			cancel(SignalError{s})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// Interrupted returns the signal that cancelled ctx, if SignalContext's
// handler (or a test, through context.WithCancelCause) did.
func Interrupted(ctx context.Context) (SignalError, bool) {
	var se SignalError
	ok := errors.As(context.Cause(ctx), &se)
	return se, ok
}

// Recover turns a panic in the calling function into a one-line message on
// stderr and ExitRuntime in *code, writing the stack trace to a file for a
// bug report instead of the terminal. Use it as
//
//	defer cli.Recover("train", stderr, &code)
//
// in a function with a named result code. It is a safety net: every bad
// input has its own error message, and a panic is a bug.
func Recover(name string, stderr io.Writer, code *int) {
	r := recover()
	if r == nil {
		return
	}
	trace := fmt.Sprintf("%s: panic: %v\n\n%s", name, r, debug.Stack())
	where := "(and the stack trace could not be saved)"
	if f, err := os.CreateTemp("", name+"-panic-*.txt"); err == nil {
		f.WriteString(trace)
		f.Close()
		where = "stack trace in " + f.Name()
	}
	fmt.Fprintf(stderr, "%s: internal error: %v: this is a bug, please report it with the command line (%s)\n", name, r, where)
	*code = ExitRuntime
}
