//go:build !openblas

package blas

import "github.com/unroll/unroll/internal/par"

// Parts is the number of blocks RunParts runs at once: package par's
// goroutines.
func Parts() int { return par.Workers() }

// RunParts runs len(calls)/perPart parts, part i being calls[i*perPart :
// (i+1)*perPart] in order, over package par's goroutines. Parts must write
// disjoint memory. A part computes the same bits whichever goroutine runs
// it.
func RunParts(calls []Call, perPart int) {
	par.Do(len(calls)/perPart, func(i int) {
		for j := range calls[i*perPart : (i+1)*perPart] {
			calls[i*perPart+j].Run()
		}
	})
}

// PoolStats returns how many jobs package par shared between goroutines
// and how many it ran on the caller alone because sharing did not pay.
func PoolStats() par.Stats { return par.ReadStats() }
