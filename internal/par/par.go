// Package par splits the work of one graph op over the machine's cores.
//
// An op calls Do(n, f) with n independent parts (column blocks of a
// product, row blocks of an elementwise pass); f(i) must write only what
// part i owns. The caller runs parts itself and helper goroutines take the
// others, so a helper that is slow to wake (the machine is busy) costs
// nothing: the caller simply does more parts. A part computes the same
// values whichever goroutine runs it, so results do not depend on the
// scheduling: a run is reproducible bit for bit.
//
// Helpers spin for a short while after each part before they park, because
// an unrolled graph issues its ops back to back, tens of microseconds apart,
// and waking a parked goroutine costs about as much. For the same reason the
// caller polls for the helpers' last parts instead of blocking at once:
// on the KVM machines this project is measured on, waking a blocked
// goroutine took 50-70 microseconds, a quarter of a time step's product.
//
// Pollers call runtime.Gosched now and then: in the pure-Go build gonum's
// BLAS runs its products on goroutines of its own, which need the P a
// polling helper holds.
package par

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// spin is how long a helper polls for the next job before it parks;
// waitSpin how long the caller polls for the helpers to finish before it
// blocks.
const (
	spin     = 100 * time.Microsecond
	waitSpin = 2 * time.Millisecond
)

// Sharing stops for soloMin when the average time of a shared job exceeds
// gainLimit times what the caller alone would have taken (see Gain); each
// consecutive failure doubles the pause, up to soloMax.
const (
	gainLimit = 0.9
	soloMin   = 100 * time.Millisecond
	soloMax   = 3200 * time.Millisecond
)

type job struct {
	f    func(int)
	n    int32
	next atomic.Int32  // next unclaimed part
	done atomic.Int32  // parts finished
	fin  chan struct{} // receives one token when the last part is done
}

type pool struct {
	mu      sync.Mutex // one Do at a time
	workers int
	cur     atomic.Pointer[job]
	gen     atomic.Uint64
	helpers []*helper
	fin     chan struct{}

	gain Gain // the caller's (under mu)
}

// Stats counts the jobs run with the helpers and on the caller alone
// because sharing did not pay (see Gain), and the pauses taken.
type Stats struct {
	Shared, Solo, Pauses int
}

// ReadStats returns the pool's counts since it started.
func ReadStats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gain.Stats
}

// Gain decides whether sharing a job between cores pays, from the
// timings of the jobs shared so far (see Record). The zero value shares.
// It is not safe for concurrent use.
type Gain struct {
	ratio     float64       // average shared time / solo estimate
	jobs      int           // shared jobs since sharing (re)started
	soloFor   time.Duration // the next pause
	soloUntil time.Time
	Stats     Stats
}

// Share reports whether the next job should be shared, and counts it.
func (g *Gain) Share() bool {
	if time.Now().Before(g.soloUntil) {
		g.Stats.Solo++
		return false
	}
	g.Stats.Shared++
	return true
}

type helper struct {
	parked atomic.Bool
	wake   chan struct{}
}

var p = newPool(runtime.GOMAXPROCS(0))

func newPool(workers int) *pool {
	q := &pool{workers: max(workers, 1), fin: make(chan struct{}, 1)}
	for i := 1; i < q.workers; i++ {
		h := &helper{wake: make(chan struct{}, 1)}
		q.helpers = append(q.helpers, h)
		go q.run(h)
	}
	return q
}

// Workers is the number of goroutines (the caller included) that share a
// job: GOMAXPROCS when the package was initialised, or SetWorkers' value.
func Workers() int { return p.workers }

// SetWorkers sets the number of goroutines that share a job; 1 runs every
// part on the caller. It must not be called while Do runs.
func SetWorkers(n int) {
	old := p
	p = newPool(n)
	old.stop()
}

// Do runs f(0), ..., f(n-1), each exactly once, on the caller and the
// helpers, and returns when all have finished. While another Do runs (on
// another goroutine, or Do called from one of its parts, as the ops of a
// graph run by one part of a data-parallel minibatch do), it runs every
// part on the caller: the cores are taken.
func Do(n int, f func(i int)) {
	q := p
	if n <= 1 || q.workers == 1 || !q.mu.TryLock() {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	defer q.mu.Unlock()
	q.doLocked(n, f)
}

// Range runs f(i, lo, hi) over [0, n) cut into at most Workers() blocks i
// of at least minBlock indices each (one block, on the caller, if n is too
// small). The blocks depend only on n and Workers(), so a result computed
// block by block is the same from run to run.
func Range(n, minBlock int, f func(i, lo, hi int)) {
	parts := min(p.workers, n/max(minBlock, 1))
	if parts <= 1 {
		f(0, 0, n)
		return
	}
	Do(parts, func(i int) { f(i, n*i/parts, n*(i+1)/parts) })
}

// Busy reports whether a Do is running (its parts, and whatever they
// call, run on the caller alone): a caller may then skip cutting its work
// into parts. By the time it acts the answer may have changed, so it must
// not change what is computed, only how.
func Busy() bool {
	if p.workers == 1 || !p.mu.TryLock() {
		return true
	}
	p.mu.Unlock()
	return false
}

func (q *pool) doLocked(n int, f func(int)) {
	start := time.Now()
	if !q.gain.Share() {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	j := &job{f: f, n: int32(n), fin: q.fin}
	q.cur.Store(j)
	q.gen.Add(1)
	for _, h := range q.helpers {
		if h.parked.Load() {
			select {
			case h.wake <- struct{}{}:
			default:
			}
		}
	}
	mine := j.work()
	// A helper may still be on its last part: poll (letting other
	// goroutines run now and then), then block.
	own := time.Now()
	deadline := own.Add(waitSpin)
	for polls := 1; j.done.Load() < j.n; polls++ {
		if polls%256 == 0 {
			if time.Now().After(deadline) {
				break
			}
			runtime.Gosched()
		}
	}
	<-j.fin
	q.cur.Store(nil)
	if mine > 0 {
		q.gain.Record(own.Sub(start)/time.Duration(mine)*time.Duration(n), time.Since(start))
	}
}

// Record takes the timing of a shared job: solo, what it would have taken
// on the caller alone (estimated from the caller's own parts), and took,
// what it took with the helpers. On free cores a spinning helper takes its
// half at once and a job takes about 0.55 of its solo time. When the
// machine is busy with other work, a helper that does not get a core of
// its own either misses jobs (the caller runs every part: nothing gained)
// or keeps the caller waiting for a part it took and lost its core in
// (worse than solo), and its polling takes time slices from the caller.
// The ratio is averaged over about 50 jobs, each capped at 3, so a helper
// that is descheduled once for a millisecond does not count. When the
// average exceeds gainLimit, Share says no for soloFor: every job runs on
// the caller alone and the helpers park; then sharing is tried again. The
// pause doubles while sharing keeps failing and returns to soloMin once it
// has paid for a while.
func (g *Gain) Record(solo, took time.Duration) {
	if g.jobs == 0 {
		g.ratio = 0.5
	}
	g.jobs++
	g.ratio = 0.98*g.ratio + 0.02*min(float64(took)/float64(max(solo, time.Microsecond)), 3)
	switch {
	case g.ratio > gainLimit:
		g.soloFor = min(max(g.soloFor*2, soloMin), soloMax)
		g.soloUntil = time.Now().Add(g.soloFor)
		g.Stats.Pauses++
		g.jobs = 0
	case g.jobs > 500 && g.ratio < 0.7:
		g.soloFor = 0
	}
}

// work claims and runs parts until none is left and returns how many it
// ran; whoever finishes the last part signals fin.
func (j *job) work() (parts int32) {
	for {
		i := j.next.Add(1) - 1
		if i >= j.n {
			return parts
		}
		parts++
		j.f(int(i))
		if j.done.Add(1) == j.n {
			j.fin <- struct{}{}
		}
	}
}

// stopped is published as the current job to end the helpers.
var stopped = &job{}

func (q *pool) stop() {
	q.cur.Store(stopped)
	q.gen.Add(1)
	for _, h := range q.helpers {
		select {
		case h.wake <- struct{}{}:
		default:
		}
	}
}

func (q *pool) run(h *helper) {
	seen := q.gen.Load()
	for {
		// Poll for a new job for a while, then park until woken.
		deadline := time.Now().Add(spin)
		for polls := 0; q.gen.Load() == seen; polls++ {
			if polls%256 != 255 {
				continue
			}
			runtime.Gosched()
			if time.Now().After(deadline) {
				h.parked.Store(true)
				if q.gen.Load() == seen {
					<-h.wake
				}
				h.parked.Store(false)
				deadline = time.Now().Add(spin)
			}
		}
		seen = q.gen.Load()
		j := q.cur.Load()
		if j == stopped {
			return
		}
		if j != nil {
			j.work()
		}
	}
}
