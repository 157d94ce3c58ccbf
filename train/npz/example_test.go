package npz_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/unroll/unroll/train/npz"
)

// Save two named arrays as numpy.savez would, and read them back.
// numpy.load("w.npz")["W_xh"] reads the first as a (2, 3) float32 array.
func Example() {
	dir, err := os.MkdirTemp("", "npz-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "w.npz")

	err = npz.WriteFile(path, []npz.Array{
		{Name: "W_xh", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}},
		{Name: "b_h", Shape: []int{3}, Data: []float64{0.5, 0, -0.5}},
	})
	if err != nil {
		log.Fatal(err)
	}
	arrays, err := npz.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range arrays {
		fmt.Println(a.Name, a.Shape, a.Dtype(), a.Float32s())
	}
	// Output:
	// W_xh [2 3] float32 [1 2 3 4 5 6]
	// b_h [3] float64 [0.5 0 -0.5]
}
