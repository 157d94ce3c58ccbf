package graph

// ResetEachRun makes u Reset its machine before every run, dropping the
// buffers, as Gorgonia's Reset does (the reference for TestRewindSameBits).
func ResetEachRun(u *Unrolled) { u.resetEachRun = true }

// Rewinds reports whether Run rewinds u's machine (programCounter found it).
func Rewinds(u *Unrolled) bool { return u.pc != nil }
