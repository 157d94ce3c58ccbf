package datasets

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// rangeIDs returns [0, 1, ..., n-1], the book's toy corpus list(range(n)).
func rangeIDs(n int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = i
	}
	return ids
}

// epoch runs one epoch and returns copies of its minibatches.
func epoch(it *Iterator) []Minibatch {
	var out []Minibatch
	it.StartEpoch()
	var mb Minibatch
	for it.Next(&mb) {
		out = append(out, Minibatch{X: slices.Clone(mb.X), Y: slices.Clone(mb.Y), BatchSize: mb.BatchSize, NumSteps: mb.NumSteps})
	}
	return out
}

// rows formats a (B, T) slice like Python's nested lists.
func rows(v []int, numSteps int) string {
	var parts []string
	for i := 0; i < len(v); i += numSteps {
		parts = append(parts, strings.ReplaceAll(fmt.Sprint(v[i:i+numSteps]), " ", ", "))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func TestToySequential(t *testing.T) {
	// The book's example: seq = list(range(35)), batch_size=2, num_steps=5.
	// random.seed(2) makes the first randint(0, 5) return 0 (gen_vectors.py,
	// "toy seeds"), which gives the book's printed output for offset 0.
	it, err := NewIterator(rangeIDs(35), 2, 5, Sequential, NewPyRandom(2))
	if err != nil {
		t.Fatal(err)
	}
	got := epoch(it)
	if off, _ := it.Pos(); off != 0 {
		t.Fatalf("offset %d, want 0 for seed 2", off)
	}
	wantX := []string{
		"[[0, 1, 2, 3, 4], [17, 18, 19, 20, 21]]",
		"[[5, 6, 7, 8, 9], [22, 23, 24, 25, 26]]",
		"[[10, 11, 12, 13, 14], [27, 28, 29, 30, 31]]",
	}
	wantY := []string{
		"[[1, 2, 3, 4, 5], [18, 19, 20, 21, 22]]",
		"[[6, 7, 8, 9, 10], [23, 24, 25, 26, 27]]",
		"[[11, 12, 13, 14, 15], [28, 29, 30, 31, 32]]",
	}
	if len(got) != 3 {
		t.Fatalf("%d minibatches, want 3", len(got))
	}
	for i, mb := range got {
		if x, y := rows(mb.X, 5), rows(mb.Y, 5); x != wantX[i] || y != wantY[i] {
			t.Errorf("minibatch %d: X=%s Y=%s, want X=%s Y=%s", i, x, y, wantX[i], wantY[i])
		}
	}
}

func TestToyRandom(t *testing.T) {
	// random.seed(0): first randint(0, 4) is 3, then the shuffle; Python's
	// iter_random(list(range(35)), 2, 5) then yields these X (gen_vectors.py,
	// "random epoch of range(35), B=2, T=5, that seed").
	it, err := NewIterator(rangeIDs(35), 2, 5, Random, NewPyRandom(0))
	if err != nil {
		t.Fatal(err)
	}
	got := epoch(it)
	if off, _ := it.Pos(); off != 3 {
		t.Fatalf("offset %d, want 3 for seed 0", off)
	}
	want := []string{
		"[[23, 24, 25, 26, 27], [8, 9, 10, 11, 12]]",
		"[[28, 29, 30, 31, 32], [13, 14, 15, 16, 17]]",
		"[[3, 4, 5, 6, 7], [18, 19, 20, 21, 22]]",
	}
	var starts []int
	for i, mb := range got {
		if x := rows(mb.X, 5); i >= len(want) || x != want[i] {
			t.Errorf("minibatch %d: X=%s, want %s", i, x, want[min(i, len(want)-1)])
		}
		for b := 0; b < 2; b++ {
			starts = append(starts, mb.X[b*5])
			for k := b * 5; k < (b+1)*5; k++ {
				if mb.Y[k] != mb.X[k]+1 {
					t.Errorf("minibatch %d: Y is not X shifted by one: %v %v", i, mb.X, mb.Y)
				}
			}
		}
	}
	// With offset 3 the subsequences start at 3, 8, ..., 28, each once.
	slices.Sort(starts)
	if !slices.Equal(starts, []int{3, 8, 13, 18, 23, 28}) {
		t.Errorf("subsequence starts %v, want [3 8 13 18 23 28] once each", starts)
	}
}

// lcgCorpus is the synthetic corpus of gen_vectors.py: 203 ids in [0, 13)
// from the glibc LCG x = (x*1103515245 + 12345) mod 2**31 started at 1,
// id = (x >> 16) mod 13.
func lcgCorpus() []int {
	ids := make([]int, 203)
	x := 1
	for i := range ids {
		x = (x*1103515245 + 12345) % (1 << 31)
		ids[i] = (x >> 16) % 13
	}
	return ids
}

// digest is gen_vectors.py's digest(): a polynomial hash of every X row
// then every Y row of each minibatch, in order, modulo 2**61. The product
// may wrap around 2**64, which is harmless because 2**61 divides 2**64.
func digest(batches []Minibatch) uint64 {
	const mod = 1 << 61
	var h uint64
	for _, mb := range batches {
		for _, v := range append(slices.Clone(mb.X), mb.Y...) {
			h = (h*1000003%mod + uint64(v) + 1) % mod
		}
	}
	return h
}

func TestIteratorMatchesPython(t *testing.T) {
	ids := lcgCorpus()
	// "corpus head [3, 12, 12, 4, 7, 11, 0, 9] sum 1302" in gen_vectors.py.
	sum := 0
	for _, v := range ids {
		sum += v
	}
	if !slices.Equal(ids[:8], []int{3, 12, 12, 4, 7, 11, 0, 9}) || sum != 1302 {
		t.Fatalf("synthetic corpus differs from Python's: head %v, sum %d", ids[:8], sum)
	}
	// gen_vectors.py, "TestIteratorMatchesPython": random.seed(7), then three
	// epochs of iter_sequential / iter_random(ids, 3, 4).
	tests := []struct {
		s      Sampling
		digest []uint64
		firstX []string
	}{
		{Sequential,
			[]uint64{2105727362520269305, 825966544284933923, 1121347517351394514},
			[]string{"[[12, 4, 7, 11], [3, 7, 6, 2], [5, 12, 9, 10]]", "[[12, 12, 4, 7], [3, 7, 6, 2], [12, 9, 10, 0]]", "[[4, 7, 11, 0], [7, 6, 2, 12], [12, 9, 10, 0]]"}},
		{Random,
			[]uint64{31234403705344387, 1757087462135449032, 1069235158407780532},
			[]string{"[[7, 12, 11, 6], [6, 0, 9, 7], [5, 8, 10, 5]]", "[[2, 8, 10, 8], [8, 7, 10, 0], [12, 2, 7, 4]]", "[[9, 2, 1, 11], [5, 12, 6, 0], [9, 7, 2, 8]]"}},
	}
	for _, tc := range tests {
		it, err := NewIterator(ids, 3, 4, tc.s, NewPyRandom(7))
		if err != nil {
			t.Fatal(err)
		}
		for e := range 3 {
			got := epoch(it)
			if len(got) != 16 || digest(got) != tc.digest[e] || rows(got[0].X, 4) != tc.firstX[e] {
				t.Errorf("%v epoch %d: %d minibatches, digest %d, first X %s; want 16, %d, %s",
					tc.s, e, len(got), digest(got), rows(got[0].X, 4), tc.digest[e], tc.firstX[e])
			}
		}
	}
}

func TestTimeMachineFirstMinibatch(t *testing.T) {
	text := timeMachine(t)
	c, err := LoadCorpus(text, "timemachine.txt", Char, DefaultMaxTokens)
	if err != nil {
		t.Fatal(err)
	}
	// gen_vectors.py on the book, "seed 0 <kind>": random.seed(0), then the
	// first epoch of iter_sequential / iter_random(ids[:10000], 32, 35).
	tests := []struct {
		s            Sampling
		row0, row1   []int
		epochDigest  uint64
		wantNBatches int
	}{
		{Sequential, []int{17, 2, 12, 12, 8, 5, 3, 9, 2, 1}, []int{1, 16, 12, 4, 8, 9, 2, 11, 1, 4}, 1586628649728338406, 8},
		{Random, []int{6, 8, 3, 1, 18, 10, 4, 22, 5, 3}, []int{19, 8, 9, 7, 14, 12, 11, 1, 9, 2}, 873827839904350824, 8},
	}
	for _, tc := range tests {
		it, err := NewIterator(c.IDs, 32, 35, tc.s, NewPyRandom(0))
		if err != nil {
			t.Fatal(err)
		}
		got := epoch(it)
		if len(got) != tc.wantNBatches {
			t.Fatalf("%v: %d minibatches, want %d", tc.s, len(got), tc.wantNBatches)
		}
		x := got[0].X
		if !slices.Equal(x[:10], tc.row0) || !slices.Equal(x[35:45], tc.row1) {
			t.Errorf("%v: X[0][:10] = %v, X[1][:10] = %v; want %v, %v", tc.s, x[:10], x[35:45], tc.row0, tc.row1)
		}
		if d := digest(got); d != tc.epochDigest {
			t.Errorf("%v: epoch digest %d, want %d", tc.s, d, tc.epochDigest)
		}
	}
}

func TestDeterminism(t *testing.T) {
	ids := lcgCorpus()
	for _, s := range []Sampling{Sequential, Random} {
		run := func(seed uint64) []uint64 {
			it, err := NewIterator(ids, 2, 6, s, NewPyRandom(seed))
			if err != nil {
				t.Fatal(err)
			}
			var ds []uint64
			for range 4 {
				ds = append(ds, digest(epoch(it)))
			}
			return ds
		}
		a, b, c := run(11), run(11), run(12)
		if !slices.Equal(a, b) {
			t.Errorf("%v: same seed, different data: %v vs %v", s, a, b)
		}
		if slices.Equal(a, c) {
			t.Errorf("%v: seeds 11 and 12 give identical data", s)
		}
	}
}

func TestMinTokensBoundary(t *testing.T) {
	for _, s := range []Sampling{Sequential, Random} {
		for _, bt := range [][2]int{{1, 1}, {2, 5}, {3, 4}, {32, 35}, {1, 7}, {5, 1}} {
			B, T := bt[0], bt[1]
			need := MinTokens(B, T, s)
			it, err := NewIterator(rangeIDs(need), B, T, s, NewPyRandom(1))
			if err != nil {
				t.Fatalf("%v B=%d T=%d: %d tokens rejected: %v", s, B, T, need, err)
			}
			// Every offset must give at least one minibatch.
			maxOff := T - 1
			if s == Sequential {
				maxOff = T
			}
			for off := 0; off <= maxOff; off++ {
				it.begin(off)
				if it.NumBatches() < 1 {
					t.Errorf("%v B=%d T=%d len=%d offset %d: no minibatch", s, B, T, need, off)
				}
			}
			if got := CountBatches(need, B, T, s); got[0] < 1 {
				t.Errorf("%v: CountBatches(%d, %d, %d) = %v, want all >= 1", s, need, B, T, got)
			}
			// One token less and the largest offset gives an empty epoch.
			if got := CountBatches(need-1, B, T, s); got[0] != 0 {
				t.Errorf("%v: CountBatches(%d, %d, %d) = %v, want a 0 (MinTokens is not tight)", s, need-1, B, T, got)
			}
			_, err = NewIterator(rangeIDs(need-1), B, T, s, NewPyRandom(1))
			if err == nil {
				t.Fatalf("%v B=%d T=%d: %d tokens accepted", s, B, T, need-1)
			}
			var se *ShortCorpusError
			if !errors.As(err, &se) || se.Tokens != need-1 || se.Need != need || se.BatchSize != B || se.NumSteps != T || se.Sampling != s {
				t.Fatalf("%v B=%d T=%d: error %v (%+v), want a ShortCorpusError with the figures", s, B, T, err, se)
			}
			msg := err.Error()
			for _, w := range []string{fmt.Sprint(need - 1), fmt.Sprint(need), se.Rule()} {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
			if strings.Contains(msg, " -") {
				t.Errorf("error %q names a flag", msg)
			}
		}
	}
	// The rule, for the record: B*T + T + 1 (sequential), B*T + T (random).
	if MinTokens(2, 5, Sequential) != 16 || MinTokens(2, 5, Random) != 15 {
		t.Errorf("MinTokens(2, 5) = %d, %d; want 16, 15", MinTokens(2, 5, Sequential), MinTokens(2, 5, Random))
	}
}

func TestNewIteratorErrors(t *testing.T) {
	ids := rangeIDs(100)
	rng := NewPyRandom(0)
	tests := []struct {
		b, t int
		s    Sampling
		rng  *PyRandom
		want string
	}{
		{0, 5, Sequential, rng, "batch size 0 is not positive"},
		{2, 0, Random, rng, "number of time steps 0 is not positive"},
		{2, 5, Sampling(9), rng, "sequential or random"},
		{2, 5, Random, nil, "NewPyRandom"},
	}
	for _, tc := range tests {
		if _, err := NewIterator(ids, tc.b, tc.t, tc.s, tc.rng); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewIterator(B=%d, T=%d, %v) error = %v, want one mentioning %q", tc.b, tc.t, tc.s, err, tc.want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Next before StartEpoch did not panic")
		}
	}()
	it, _ := NewIterator(ids, 2, 5, Sequential, rng)
	it.Next(&Minibatch{})
}

func TestParseSampling(t *testing.T) {
	for _, s := range []Sampling{Sequential, Random} {
		if got, err := ParseSampling(s.String()); err != nil || got != s {
			t.Errorf("ParseSampling(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseSampling("shuffled"); err == nil {
		t.Error("ParseSampling(shuffled) succeeded")
	}
}

func TestTimeMajor(t *testing.T) {
	// X = [[0..4], [17..21]] (the book's first toy minibatch); time-major
	// order is X.T.reshape(-1) = [0, 17, 1, 18, 2, 19, 3, 20, 4, 21].
	mb := Minibatch{X: []int{0, 1, 2, 3, 4, 17, 18, 19, 20, 21}, Y: []int{1, 2, 3, 4, 5, 18, 19, 20, 21, 22}, BatchSize: 2, NumSteps: 5}
	x, y := make([]int, 10), make([]int, 12)
	mb.TimeMajor(x, y)
	if !slices.Equal(x, []int{0, 17, 1, 18, 2, 19, 3, 20, 4, 21}) || !slices.Equal(y[:10], []int{1, 18, 2, 19, 3, 20, 4, 21, 5, 22}) {
		t.Errorf("TimeMajor: X %v, Y %v", x, y[:10])
	}
	mb.TimeMajor(nil, x) // nil skips X
	if x[0] != 1 {
		t.Errorf("TimeMajor(nil, y) wrote %v", x)
	}
	defer func() {
		if recover() == nil {
			t.Error("TimeMajor with a short destination did not panic")
		}
	}()
	mb.TimeMajor(make([]int, 9), nil)
}

func TestNextDoesNotAllocate(t *testing.T) {
	for _, s := range []Sampling{Sequential, Random} {
		it, err := NewIterator(lcgCorpus(), 4, 5, s, NewPyRandom(3))
		if err != nil {
			t.Fatal(err)
		}
		var mb Minibatch
		it.StartEpoch()
		it.Next(&mb) // warm-up: allocates mb.X and mb.Y
		allocs := testing.AllocsPerRun(200, func() {
			if !it.Next(&mb) {
				it.StartEpoch()
			}
		})
		if allocs != 0 {
			t.Errorf("%v: %v allocations per Next/StartEpoch, want 0", s, allocs)
		}
	}
}

func TestSeekResume(t *testing.T) {
	ids := lcgCorpus()
	for _, s := range []Sampling{Sequential, Random} {
		rng := NewPyRandom(5)
		it, _ := NewIterator(ids, 3, 4, s, rng)
		epoch(it) // epoch 0
		it.StartEpoch()
		var mb Minibatch
		it.Next(&mb)
		it.Next(&mb)
		// Checkpoint after two minibatches of epoch 1.
		saved := it.EpochRNGState()
		off, pos := it.Pos()
		if pos != 2 {
			t.Fatalf("Pos batch %d, want 2", pos)
		}
		var rest []Minibatch
		for it.Next(&mb) {
			rest = append(rest, Minibatch{X: slices.Clone(mb.X), Y: slices.Clone(mb.Y)})
		}
		after := epoch(it) // epoch 2

		rng2 := NewPyRandom(999)
		if err := rng2.SetState(saved); err != nil {
			t.Fatal(err)
		}
		it2, _ := NewIterator(ids, 3, 4, s, rng2)
		it2.StartEpoch()
		if err := it2.Seek(pos); err != nil {
			t.Fatal(err)
		}
		if off2, _ := it2.Pos(); off2 != off {
			t.Errorf("%v: resumed offset %d, want %d", s, off2, off)
		}
		var rest2 []Minibatch
		for it2.Next(&mb) {
			rest2 = append(rest2, Minibatch{X: slices.Clone(mb.X), Y: slices.Clone(mb.Y)})
		}
		if digest(rest) != digest(rest2) || len(rest) != len(rest2) || digest(after) != digest(epoch(it2)) {
			t.Errorf("%v: resumed run differs", s)
		}
		if !bytes.Equal(rng.State(), rng2.State()) {
			t.Errorf("%v: generator states differ after resuming", s)
		}
		if err := it2.Seek(it2.NumBatches() + 1); err == nil {
			t.Errorf("%v: Seek past the end succeeded", s)
		}
	}
}

func TestCountBatches(t *testing.T) {
	// count_batches(n, b, t, kind) of the Python reference, printed by
	// gen_vectors.py ("TestCountBatches"); for n=3 Python gives [-1, 0]
	// (floor division of a negative length), which the iterators realise
	// as empty epochs, so CountBatches reports [0].
	tests := []struct {
		n, b, t  int
		seq, rnd []int
	}{
		{35, 2, 5, []int{2, 3}, []int{3}},
		{203, 3, 4, []int{16}, []int{16}},
		{46, 4, 5, []int{2}, []int{2}},
		{3, 2, 5, []int{0}, []int{0}},
	}
	for _, tc := range tests {
		if got := CountBatches(tc.n, tc.b, tc.t, Sequential); !slices.Equal(got, tc.seq) {
			t.Errorf("CountBatches(%d, %d, %d, Sequential) = %v, want %v", tc.n, tc.b, tc.t, got, tc.seq)
		}
		if got := CountBatches(tc.n, tc.b, tc.t, Random); !slices.Equal(got, tc.rnd) {
			t.Errorf("CountBatches(%d, %d, %d, Random) = %v, want %v", tc.n, tc.b, tc.t, got, tc.rnd)
		}
	}
	if CountBatches(10, 0, 2, Random) != nil || CountBatches(10, 2, 0, Sequential) != nil {
		t.Error("CountBatches with batchSize or numSteps < 1 is not nil")
	}
}

func ExampleIterator() {
	// The book's toy corpus: seq = list(range(35)), batch_size 2, num_steps 5.
	// With seed 2 the first random offset is 0, as in the book's figure.
	it, err := NewIterator(rangeIDs(35), 2, 5, Sequential, NewPyRandom(2))
	if err != nil {
		panic(err)
	}
	fmt.Println("minibatches:", it.StartEpoch())
	var mb Minibatch
	for it.Next(&mb) {
		fmt.Println("X:", mb.X[:5], mb.X[5:], "Y:", mb.Y[:5], mb.Y[5:])
	}
	// Output:
	// minibatches: 3
	// X: [0 1 2 3 4] [17 18 19 20 21] Y: [1 2 3 4 5] [18 19 20 21 22]
	// X: [5 6 7 8 9] [22 23 24 25 26] Y: [6 7 8 9 10] [23 24 25 26 27]
	// X: [10 11 12 13 14] [27 28 29 30 31] Y: [11 12 13 14 15] [28 29 30 31 32]
}

// FuzzIterator: for any corpus length, batch size, number of steps (zero,
// negative and huge included), seed and sampling, NewIterator either
// refuses with an error or deals out exactly the minibatches CountBatches
// predicts, each a run of consecutive tokens, no subsequence twice in an
// epoch with random sampling; and an epoch restarted from its saved random
// state and Seek'ed to any minibatch continues exactly as it went on.
func FuzzIterator(f *testing.F) {
	f.Add(uint16(35), 2, 5, int64(0), false, 1)
	f.Add(uint16(35), 2, 5, int64(0), true, 0)
	f.Add(uint16(15), 2, 5, int64(3), true, 2)
	f.Add(uint16(16), 2, 5, int64(4), false, -1)
	f.Add(uint16(1), 1, 1, int64(-1), false, 0)
	f.Add(uint16(500), 1<<62, 4, int64(0), false, 0) // batch*steps overflows
	f.Add(uint16(500), -3, 5, int64(0), true, 0)
	f.Fuzz(func(t *testing.T, n uint16, B, T int, seed int64, random bool, seek int) {
		nTokens := int(n)
		s := Sequential
		if random {
			s = Random
		}
		ids := rangeIDs(nTokens)                                        // ids[i] == i: a value is its own position
		it, err := NewIterator(ids, B, T, s, NewPyRandom(uint64(seed))) // a negative seed: its two's complement
		if err != nil {
			if B >= 1 && T >= 1 && nTokens >= minTokensSat(B, T, s) {
				t.Fatalf("NewIterator(%d tokens, B=%d, T=%d, %v): %v", nTokens, B, T, s, err)
			}
			return
		}
		counts := CountBatches(nTokens, B, T, s)
		var mb Minibatch
		for e := 0; e < 2; e++ {
			nb := it.StartEpoch()
			if nb < 1 || !slices.Contains(counts, nb) {
				t.Fatalf("epoch with %d minibatches, CountBatches says %v", nb, counts)
			}
			seen := map[int]bool{}
			got := 0
			for it.Next(&mb) {
				got++
				if len(mb.X) != B*T || len(mb.Y) != B*T || mb.BatchSize != B || mb.NumSteps != T {
					t.Fatalf("minibatch shape: len X %d, len Y %d, B %d, T %d", len(mb.X), len(mb.Y), mb.BatchSize, mb.NumSteps)
				}
				for b := 0; b < B; b++ {
					start := mb.X[b*T]
					if s == Random && seen[start] {
						t.Fatalf("subsequence at %d dealt twice in one epoch", start)
					}
					seen[start] = true
					for k := 0; k < T; k++ {
						x, y := mb.X[b*T+k], mb.Y[b*T+k]
						if x != start+k || y != x+1 || x < 0 || y >= nTokens {
							t.Fatalf("row %d step %d: x=%d y=%d (start %d, %d tokens)", b, k, x, y, start, nTokens)
						}
					}
				}
			}
			if got != nb {
				t.Fatalf("StartEpoch said %d minibatches, Next gave %d", nb, got)
			}
		}
		// A third epoch, and its replay from the saved state at seek.
		nb := it.StartEpoch()
		var all [][]int
		for it.Next(&mb) {
			all = append(all, slices.Concat(mb.X, mb.Y))
		}
		r := NewPyRandom(0)
		if err := r.SetState(it.EpochRNGState()); err != nil {
			t.Fatal(err)
		}
		again, err := NewIterator(ids, B, T, s, r)
		if err != nil {
			t.Fatal(err)
		}
		if again.StartEpoch() != nb {
			t.Fatal("the replayed epoch has another number of minibatches")
		}
		if err := again.Seek(seek); (err != nil) != (seek < 0 || seek > nb) {
			t.Fatalf("Seek(%d) of %d minibatches: %v", seek, nb, err)
		} else if err != nil {
			return
		}
		for j := seek; again.Next(&mb); j++ {
			if !slices.Equal(all[j], slices.Concat(mb.X, mb.Y)) {
				t.Fatalf("minibatch %d after Seek(%d) differs from the epoch's own", j, seek)
			}
		}
	})
}
