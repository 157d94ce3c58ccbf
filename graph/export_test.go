package graph

// ResetEachRun makes u Reset its machine before every run, dropping the
// buffers, as Gorgonia's Reset does (the reference for TestRewindSameBits).
func ResetEachRun(u *Unrolled) { u.resetEachRun = true }

// Rewinds reports whether Run rewinds u's machine (programCounter found it).
func Rewinds(u *Unrolled) bool { return u.pc != nil }

// RunAllEachRun makes u run its machine with G.VM.RunAll (on a
// goroutine of its own) instead of on the caller (the reference for
// TestTapeSameBits).
func RunAllEachRun(u *Unrolled) { u.tape = tape{vm: u.vm} }

// RunsOnCaller reports whether Run runs u's machine on the calling
// goroutine (newTape found v0.9.18's tapeMachine).
func RunsOnCaller(u *Unrolled) bool { return u.tape.m != nil }
