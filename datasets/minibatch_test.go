package datasets

import (
	"slices"
	"testing"
)

// TestNewMinibatch: rows become the batch-major layout; ragged rows,
// mismatched targets and empty input are refused; Check catches slices
// whose length is not BatchSize*NumSteps.
func TestNewMinibatch(t *testing.T) {
	mb, err := NewMinibatch([][]int{{1, 2, 3}, {4, 5, 6}}, nil)
	if err != nil || !slices.Equal(mb.X, []int{1, 2, 3, 4, 5, 6}) || mb.Y != nil || mb.BatchSize != 2 || mb.NumSteps != 3 {
		t.Fatalf("NewMinibatch: %+v, %v", mb, err)
	}
	if x, y := mb.At(1, 2); x != 6 || y != -1 {
		t.Errorf("At(1, 2) = %d, %d; want 6, -1", x, y)
	}
	if err := mb.Check(); err != nil {
		t.Error(err)
	}
	// The iterator's minibatches have the same layout.
	it, err := NewIterator(rangeIDs(35), 2, 5, Sequential, NewPyRandom(2))
	if err != nil {
		t.Fatal(err)
	}
	it.StartEpoch()
	var got Minibatch
	it.Next(&got)
	rows, targets := make([][]int, 2), make([][]int, 2)
	for b := range rows {
		for s := 0; s < 5; s++ {
			x, y := got.At(b, s)
			rows[b], targets[b] = append(rows[b], x), append(targets[b], y)
		}
	}
	again, err := NewMinibatch(rows, targets)
	if err != nil || !slices.Equal(again.X, got.X) || !slices.Equal(again.Y, got.Y) {
		t.Errorf("rebuilt from rows: %+v (%v), the iterator's %+v", again, err, got)
	}
	for _, bad := range []struct{ x, y [][]int }{
		{nil, nil},
		{[][]int{{}}, nil},
		{[][]int{{1, 2}, {3}}, nil},
		{[][]int{{1, 2}}, [][]int{{1, 2}, {3, 4}}},
		{[][]int{{1, 2}}, [][]int{{1}}},
	} {
		if _, err := NewMinibatch(bad.x, bad.y); err == nil {
			t.Errorf("NewMinibatch(%v, %v): no error", bad.x, bad.y)
		}
	}
	for _, bad := range []Minibatch{
		{X: []int{1, 2, 3}, BatchSize: 2, NumSteps: 2},
		{X: []int{1, 2, 3, 4}, Y: []int{1}, BatchSize: 2, NumSteps: 2},
		{X: nil, BatchSize: 0, NumSteps: 2},
	} {
		if bad.Check() == nil {
			t.Errorf("Check(%+v): no error", bad)
		}
	}
}
