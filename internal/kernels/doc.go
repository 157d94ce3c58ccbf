// Package kernels is this project's own matrix product (GEMM) for float32
// and float64, in Go assembly with no cgo: AVX-512 and AVX2+FMA
// micro-kernels on amd64, chosen at run time from the CPU's features, and a
// portable Go kernel everywhere else.
//
// A product C = alpha*op(A)*op(B) + beta*C of row-major matrices (gonum's
// blas.Float32/Float64 conventions) is cut into mr x nr tiles of C, each
// computed by a micro-kernel that keeps the tile in registers while it
// runs over k in blocks of kc. One operand is broadcast element by element
// (any strides, so op(A) is read as it is stored, or from a packed copy
// when it is reused), the other is read a vector at a time from rows;
// a transposed op(B) is either copied to rows or the product is computed
// transposed, whichever copies less. Tiles at the matrix edges run the
// same kernel on zero-padded copies.
//
// Every element of C is one chain of fused multiply-adds in k order, then
// the alpha and beta steps, whatever tile, block, copy or goroutine
// computes it: results depend only on the kernel path (and the machine),
// never on how a product is split or scheduled. Large products are split
// into fixed blocks of tiles that package par runs on the machine's cores.
//
// The kernel path is chosen once, at start-up, as the best the CPU has;
// Select forces one (package internal/blas reads UNROLL_KERNELS).
package kernels
