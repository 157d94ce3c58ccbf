package kernels

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"unsafe"
)

// A held B gives the bits of the unheld product, for every transpose and
// shapes with edge tiles (n not a multiple of any nr, n within a narrow
// tile, k past kc), on every path.
func TestHeldSameBits(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, s := range []shape{{false, false, 16, 40, 33}, {false, true, 16, 40, 33}, {true, false, 7, 33, 300}, {true, true, 7, 33, 300},
			{false, false, 1, 7, 1}, {false, true, 33, 512, 70}, {false, false, 32, 1, 5}, {false, true, 16, 16, 600}} {
			b, run := randomProduct[float32](r, s)
			want := run()
			release := Hold(b)
			got, again := run(), run() // the second from the kept copy
			release()
			if !slices.Equal(got, want) || !slices.Equal(again, want) {
				t.Errorf("%+v: held product differs from the unheld one", s)
			}
			bd, rund := randomProduct[float64](r, s)
			wantd := rund()
			release = Hold(bd)
			gotd := rund()
			release()
			if !slices.Equal(gotd, wantd) {
				t.Errorf("%+v: held float64 product differs from the unheld one", s)
			}
		}
	})
}

// The copy is kept while held (one per shape, stride and tile), unused
// once released, packed anew when held again (a held array changed
// between two holds is read anew), and not used by a product whose B
// starts inside the array.
func TestHeldLifetime(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const m, n, k = 16, 40, 33
	a, w := fill[float32](r, m*k), fill[float32](r, n*k+5)
	prod := func(b []float32) []float32 {
		c := make([]float32, m*n)
		Sgemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n)
		return c
	}
	want := prod(w)
	nr := pick(&cur.s, &cur.sn, n).nr
	release := Hold(w, []float64{1}, "not a slice")
	prod(w)
	if heldPanels(w, true, n, k, k, nr) == nil {
		t.Fatal("no packed copy while held")
	}
	if heldPanels(w[5:], true, n, k, k, nr) != nil {
		t.Fatal("a product starting inside the held array used a copy")
	}
	inner := Hold(w) // nested
	inner()
	if heldPanels(w, true, n, k, k, nr) == nil {
		t.Fatal("the copy went with the inner release")
	}
	release()
	if heldPanels(w, true, n, k, k, nr) != nil {
		t.Fatal("a copy survived the last release")
	}
	w[0] += 1
	got := prod(w)
	if slices.Equal(got, want) {
		t.Fatal("changed B after the release, the product did not change")
	}
	// Held again: the kept buffer is packed anew from the new values.
	release = Hold(w)
	again := prod(w)
	release()
	if !slices.Equal(again, got) {
		t.Fatal("held again after a change, the product used the old copy")
	}
}

// A released array not held again for maxAge holds of others loses its
// kept copy, and the package its pointer (which would keep a discarded
// model's weights alive).
func TestHeldForgetsIdleArrays(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	a, old, other := fill[float32](r, 16*33), fill[float32](r, 40*33), fill[float32](r, 40*33)
	c := make([]float32, 16*40)
	release := Hold(old)
	Sgemm(false, true, 16, 40, 33, 1, a, 33, old, 33, 0, c, 40)
	release()
	inMap := func() bool {
		held.mu.Lock()
		defer held.mu.Unlock()
		return held.m[unsafe.Pointer(&old[0])] != nil
	}
	if !inMap() {
		t.Fatal("the released array's copy was not kept for its next hold")
	}
	for i := 0; i <= maxAge; i++ {
		Hold(other)()
	}
	if inMap() {
		t.Errorf("an array idle for %d holds is still kept", maxAge+1)
	}
}

// randomProduct fills the operands of s at random (packed, strides equal
// to widths) and returns B and run, which computes C = 1.5 op(A) op(B) +
// 0.5 C0, afresh from the same C0 on each call.
func randomProduct[T Float](r *rand.Rand, s shape) (b []T, run func() []T) {
	ar, ac, br, bc := s.stored()
	a, c0 := fill[T](r, ar*ac), fill[T](r, s.m*s.n)
	b = fill[T](r, br*bc)
	return b, func() []T {
		c := slices.Clone(c0)
		switch a := any(a).(type) {
		case []float32:
			Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1.5, a, ac, any(b).([]float32), bc, 0.5, any(c).([]float32), s.n)
		case []float64:
			Dgemm(s.tA, s.tB, s.m, s.n, s.k, 1.5, a, ac, any(b).([]float64), bc, 0.5, any(c).([]float64), s.n)
		}
		return c
	}
}

// Products on several goroutines that need the same held copy at once
// pack it together (each claims panels): every one gets the unheld bits,
// in every hold (go test -race checks the hand-over).
func TestHeldPackedTogether(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, s := range []shape{{false, false, 16, 512, 512}, {false, true, 16, 512, 512}, {false, true, 16, 40, 33}} {
		b, run := randomProduct[float32](r, s)
		want := run()
		for hold := 0; hold < 20; hold++ {
			release := Hold(b)
			got := make([][]float32, 4)
			var wg sync.WaitGroup
			for g := range got {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got[g] = run()
				}()
			}
			wg.Wait()
			release()
			for g := range got {
				if !slices.Equal(got[g], want) {
					t.Fatalf("%+v, hold %d, goroutine %d: held product differs from the unheld one", s, hold, g)
				}
			}
		}
	}
}
