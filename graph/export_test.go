package graph

// ResetEachRun makes u Reset its machine before every run, dropping the
// buffers, as Gorgonia's Reset does (the reference for TestRewindSameBits).
func ResetEachRun(u *Unrolled) { u.resetEachRun = true }

// Rewinds reports whether rewind works on u's machine.
func Rewinds(u *Unrolled) bool { return rewind(u.vm) }
