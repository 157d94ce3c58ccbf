package kernels

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// A held B^T gives the bits of the unheld product, keeps its copy while
// held (one per shape and stride), and is made afresh once released: a
// held array changed after its release is read anew. A product whose B
// starts inside the array (not at its start) does not use the copy.
func TestHeldTranspose(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(7, 8))
		const m, n, k = 16, 40, 33
		a, w := fill[float32](r, m*k), fill[float32](r, n*k+5)
		prod := func(b []float32) []float32 {
			c := make([]float32, m*n)
			Sgemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n)
			return c
		}
		want := prod(w)
		release := Hold(w, []float64{1}, "not a slice")
		if got := prod(w); !slices.Equal(got, want) {
			t.Fatal("held product differs from the unheld one")
		}
		if heldTranspose(w, n, k, k) == nil {
			t.Fatal("no transposed copy while held")
		}
		if heldTranspose(w[5:], n, k, k) != nil {
			t.Fatal("a product starting inside the held array used a copy")
		}
		inner := Hold(w) // nested
		inner()
		if heldTranspose(w, n, k, k) == nil {
			t.Fatal("the copy went with the inner release")
		}
		release()
		if heldTranspose(w, n, k, k) != nil {
			t.Fatal("a copy survived the last release")
		}
		w[0] += 1
		got := prod(w)
		w[0] -= 1
		if slices.Equal(got, want) {
			t.Fatal("changed B after the release, the product did not change")
		}
	})
}
