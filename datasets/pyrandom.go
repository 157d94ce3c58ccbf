package datasets

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// Mersenne Twister MT19937 parameters, as in CPython's Modules/_randommodule.c.
const (
	mtN         = 624
	mtM         = 397
	mtMatrixA   = 0x9908b0df
	mtUpperMask = 0x80000000
	mtLowerMask = 0x7fffffff
)

// PyRandom is a port of CPython's random.Random (the MT19937 generator and
// the integer methods built on it). Seeded with the same integer it produces
// exactly the numbers Python's random module produces, so the random
// offsets and shuffles of the minibatch iterators match the Python
// reference. The zero value is not usable; call NewPyRandom.
type PyRandom struct {
	mt    [mtN]uint32
	index int // next word of mt to temper; mtN means "regenerate first"
}

// NewPyRandom returns a generator seeded like Python's random.seed(seed).
func NewPyRandom(seed uint64) *PyRandom {
	r := &PyRandom{}
	r.Seed(seed)
	return r
}

// Seed reseeds r like Python's random.seed(seed) with a non-negative int
// argument: seed is split into 32-bit words, least significant first, and
// fed to init_by_array (seed 0 gives the key [0]). Seeds are uint64 across
// the module; Python's random.seed(-s) equals random.seed(s), so a negative
// seed would add nothing.
func (r *PyRandom) Seed(seed uint64) {
	u := seed
	key := []uint32{uint32(u)}
	if u>>32 != 0 {
		key = append(key, uint32(u>>32))
	}
	r.initByArray(key)
}

// initGenrand is init_genrand of the reference MT19937 code.
func (r *PyRandom) initGenrand(s uint32) {
	r.mt[0] = s
	for i := 1; i < mtN; i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	r.index = mtN
}

// initByArray is init_by_array of the reference MT19937 code.
func (r *PyRandom) initByArray(key []uint32) {
	r.initGenrand(19650218)
	i, j := 1, 0
	k := max(mtN, len(key))
	for ; k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1664525)) + key[j] + uint32(j)
		i++
		j++
		if i >= mtN {
			r.mt[0] = r.mt[mtN-1]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k = mtN - 1; k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1566083941)) - uint32(i)
		i++
		if i >= mtN {
			r.mt[0] = r.mt[mtN-1]
			i = 1
		}
	}
	r.mt[0] = 0x80000000 // MSB is 1, assuring a non-zero initial array
}

// Uint32 returns the next 32 random bits (CPython's genrand_uint32).
func (r *PyRandom) Uint32() uint32 {
	if r.index >= mtN {
		r.generate()
	}
	y := r.mt[r.index]
	r.index++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// generate refills the state with the next mtN words.
func (r *PyRandom) generate() {
	mag := func(y uint32) uint32 { return (y & 1) * mtMatrixA }
	kk := 0
	for ; kk < mtN-mtM; kk++ {
		y := (r.mt[kk] & mtUpperMask) | (r.mt[kk+1] & mtLowerMask)
		r.mt[kk] = r.mt[kk+mtM] ^ (y >> 1) ^ mag(y)
	}
	for ; kk < mtN-1; kk++ {
		y := (r.mt[kk] & mtUpperMask) | (r.mt[kk+1] & mtLowerMask)
		r.mt[kk] = r.mt[kk+(mtM-mtN)] ^ (y >> 1) ^ mag(y)
	}
	y := (r.mt[mtN-1] & mtUpperMask) | (r.mt[0] & mtLowerMask)
	r.mt[mtN-1] = r.mt[mtM-1] ^ (y >> 1) ^ mag(y)
	r.index = 0
}

// GetRandBits returns a uniform integer with k random bits, like Python's
// getrandbits(k), for 0 <= k <= 64. Up to 32 bits use one 32-bit draw
// (its top k bits); more bits use two draws, the first giving the low 32
// bits. It panics if k is out of range.
func (r *PyRandom) GetRandBits(k int) uint64 {
	switch {
	case k < 0 || k > 64:
		panic(fmt.Sprintf("datasets: PyRandom.GetRandBits(%d): k must be in [0, 64]", k))
	case k == 0:
		return 0
	case k <= 32:
		return uint64(r.Uint32() >> (32 - k))
	}
	lo := uint64(r.Uint32())
	hi := uint64(r.Uint32() >> (64 - k))
	return hi<<32 | lo
}

// RandBelow returns a uniform integer in [0, n) by rejection sampling, like
// Python's _randbelow_with_getrandbits: draw n.bit_length() bits until the
// value is below n. Note that it draws even for n == 1. It panics if n < 1.
func (r *PyRandom) RandBelow(n int) int {
	if n < 1 {
		panic(fmt.Sprintf("datasets: PyRandom.RandBelow(%d): n must be positive", n))
	}
	k := bits.Len64(uint64(n))
	v := r.GetRandBits(k)
	for v >= uint64(n) {
		v = r.GetRandBits(k)
	}
	return int(v)
}

// RandInt returns a uniform integer in [a, b], both ends included, like
// Python's randint(a, b). It panics if b < a.
func (r *PyRandom) RandInt(a, b int) int {
	if b < a {
		panic(fmt.Sprintf("datasets: PyRandom.RandInt(%d, %d): empty range", a, b))
	}
	return a + r.RandBelow(b-a+1)
}

// Shuffle permutes x in place exactly like Python's random.shuffle(x).
func (r *PyRandom) Shuffle(x []int) {
	for i := len(x) - 1; i >= 1; i-- {
		j := r.RandBelow(i + 1)
		x[i], x[j] = x[j], x[i]
	}
}

// Random returns a float64 in [0, 1) with 53 random bits, like Python's
// random() (genrand_res53).
func (r *PyRandom) Random() float64 {
	a := r.Uint32() >> 5
	b := r.Uint32() >> 6
	return (float64(a)*67108864.0 + float64(b)) * (1.0 / 9007199254740992.0)
}

// pyRandomStateLen is the size of a State: 624 state words and the index,
// each a little-endian uint32.
const pyRandomStateLen = 4 * (mtN + 1)

// State returns the generator state (for a checkpoint): the 624 MT words
// then the position, each as a little-endian uint32, the same numbers as
// Python's random.getstate()[1].
func (r *PyRandom) State() []byte {
	return r.appendState(make([]byte, 0, pyRandomStateLen))
}

func (r *PyRandom) appendState(b []byte) []byte {
	for _, w := range r.mt {
		b = binary.LittleEndian.AppendUint32(b, w)
	}
	return binary.LittleEndian.AppendUint32(b, uint32(r.index))
}

// SetState restores a state saved by State.
func (r *PyRandom) SetState(b []byte) error {
	if len(b) != pyRandomStateLen {
		return fmt.Errorf("datasets: random state has %d bytes, want %d: the checkpoint is corrupt or from another version", len(b), pyRandomStateLen)
	}
	index := binary.LittleEndian.Uint32(b[4*mtN:])
	if index > mtN {
		return fmt.Errorf("datasets: random state position %d is out of range [0, %d]: the checkpoint is corrupt", index, mtN)
	}
	for i := range r.mt {
		r.mt[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	r.index = int(index)
	return nil
}
