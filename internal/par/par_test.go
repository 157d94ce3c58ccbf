package par

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestDo checks that every part runs exactly once, for several part counts
// and pool sizes, many times over (to give races a chance to show under
// go test -race).
func TestDo(t *testing.T) {
	for _, w := range []int{1, 2, 3} {
		SetWorkers(w)
		for _, n := range []int{0, 1, 2, 3, 7, 64} {
			for rep := 0; rep < 200; rep++ {
				counts := make([]atomic.Int32, n)
				Do(n, func(i int) { counts[i].Add(1) })
				for i := range counts {
					if c := counts[i].Load(); c != 1 {
						t.Fatalf("workers %d, n %d: part %d ran %d times", w, n, i, c)
					}
				}
			}
		}
	}
}

// BenchmarkDo measures the cost of sharing a job of two empty parts: the
// overhead one op pays for using a second core.
func BenchmarkDo(b *testing.B) {
	SetWorkers(2)
	var sink atomic.Int32
	for i := 0; i < b.N; i++ {
		Do(2, func(i int) { sink.Add(1) })
	}
}

// TestGain feeds Record the timings of shared jobs: a job shared on free
// cores takes about 0.55 of its solo time (two equal halves plus the
// hand-over) and never pauses sharing, even with a rare 1 ms stall; a
// helper that gains nothing (ratio 1) pauses it, and the pause doubles
// while that goes on, up to soloMax.
func TestGain(t *testing.T) {
	q := &Gain{}
	const solo = 100 * time.Microsecond
	for i := 0; i < 2000; i++ {
		took := 55 * time.Microsecond
		if i%200 == 0 {
			took = time.Millisecond // descheduled once
		}
		q.Record(solo, took)
	}
	if q.Stats.Pauses != 0 {
		t.Fatalf("sharing paid (ratio 0.55) but was paused %d times", q.Stats.Pauses)
	}
	var pauses []time.Duration
	for i := 0; i < 3000; i++ {
		q.Record(solo, solo)
		if q.jobs == 0 {
			pauses = append(pauses, q.soloFor)
		}
	}
	if len(pauses) < 7 {
		t.Fatalf("ratio 1 for 3000 jobs paused sharing %d times, want >= 7", len(pauses))
	}
	for i, d := range pauses {
		want := min(soloMin<<i, soloMax)
		if d != want {
			t.Fatalf("pause %d lasted %v, want %v (pauses %v)", i, d, want, pauses)
		}
	}
	// While paused, Share says no and counts the job as solo.
	q.soloUntil = time.Now().Add(time.Hour)
	if q.Share() || q.Stats.Solo != 1 {
		t.Fatalf("paused: Share() is true or Solo = %d, want false and 1", q.Stats.Solo)
	}
}
