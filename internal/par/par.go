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
// and waking a parked goroutine costs about as much.
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
	waitSpin = 20 * time.Microsecond
)

// Jobs run on the caller alone for soloFor when the average wait for the
// helpers exceeds slowLimit times the caller's own work, or the average
// share of jobs no helper took a part of exceeds missLimit (see watch).
const (
	slowLimit = 0.5
	missLimit = 0.5
	soloFor   = 200 * time.Millisecond
)

type job struct {
	f    func(int)
	n    int32
	next atomic.Int32  // next unclaimed part
	done atomic.Int32  // parts finished
	help atomic.Int32  // parts the helpers ran
	fin  chan struct{} // receives one token when the last part is done
}

type pool struct {
	mu      sync.Mutex // one Do at a time
	workers int
	cur     atomic.Pointer[job]
	gen     atomic.Uint64
	helpers []*helper
	fin     chan struct{}

	// slow, missed and soloUntil belong to the caller (under mu); see
	// watch.
	slow, missed float64
	soloUntil    time.Time
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
// helpers, and returns when all have finished. Calls of Do are serialised.
func Do(n int, f func(i int)) {
	if n <= 1 || p.workers == 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	p.do(n, f)
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

func (q *pool) do(n int, f func(int)) {
	q.mu.Lock()
	defer q.mu.Unlock()
	start := time.Now()
	if start.Before(q.soloUntil) {
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
	j.work()
	// A helper may still be on its last part: poll briefly, then block.
	own := time.Now()
	deadline := own.Add(waitSpin)
	for polls := 1; j.done.Load() < j.n; polls++ {
		if polls%256 == 0 && time.Now().After(deadline) {
			break
		}
	}
	<-j.fin
	q.cur.Store(nil)
	q.watch(own.Sub(start), time.Since(own), j.help.Load() > 0)
}

// watch decides whether sharing jobs pays. On free cores a spinning
// helper takes its part of nearly every job at once, and the caller hardly
// waits for it, since parts are of equal size. When the machine is busy, a
// helper that does not get a core of its own shows up as jobs it did not
// help with (the caller ran every part: the helper was not running), or as
// long waits for a part it took (it lost its core mid-part); its polling
// then only takes time slices from the caller. Then, for soloFor, every job
// runs on the caller alone and the helpers park; after that sharing is
// tried again. The share of missed jobs is averaged over about 20 jobs, so
// the few a parked helper misses while it wakes (at the start of each
// minibatch) do not count.
func (q *pool) watch(own, wait time.Duration, helped bool) {
	r := min(float64(wait)/float64(max(own, time.Microsecond)), 4)
	q.slow = 0.9*q.slow + 0.1*r
	miss := 1.0
	if helped {
		miss = 0
	}
	q.missed = 0.95*q.missed + 0.05*miss
	if q.slow > slowLimit || q.missed > missLimit {
		q.slow, q.missed = 0, 0
		q.soloUntil = time.Now().Add(soloFor)
	}
}

// work claims and runs parts until none is left; whoever finishes the last
// part signals fin.
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
			if polls%256 == 255 && time.Now().After(deadline) {
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
			j.help.Add(j.work())
		}
	}
}
