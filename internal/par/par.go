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

// spin is how long a helper polls for the next job before it parks.
const spin = 100 * time.Microsecond

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
	deadline := time.Now().Add(spin)
	for polls := 1; j.done.Load() < j.n; polls++ {
		if polls%256 == 0 && time.Now().After(deadline) {
			break
		}
	}
	<-j.fin
	q.cur.Store(nil)
}

// work claims and runs parts until none is left; whoever finishes the last
// part signals fin.
func (j *job) work() {
	for {
		i := j.next.Add(1) - 1
		if i >= j.n {
			return
		}
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
			j.work()
		}
	}
}
