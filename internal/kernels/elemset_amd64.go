package kernels

// The elementwise kernels of a training step on the amd64 paths
// (elem_amd64.s, written by gen/elem.go; the AVX2 activations are in
// gemm_amd64.s, exp and the column sums in exp_amd64.s, gen/exp.go).
var (
	elemAVX2 = elemSet{8, sigmoidAVX2, tanhAVX2, tanhDerivF32AVX2, sigmoidDerivF32AVX2,
		axpyF32AVX2, scaleF32AVX2, sumSquaresF32AVX2, expF32AVX2, colSumsF32AVX2}
	elemAVX512 = elemSet{16, sigmoidAVX512, tanhAVX512, tanhDerivF32AVX512, sigmoidDerivF32AVX512,
		axpyF32AVX512, scaleF32AVX512, sumSquaresF32AVX512, expF32AVX512, colSumsF32AVX512}
)

// archElem returns path p's elementwise kernels; nil for the portable
// path. Only a path the CPU runs can be selected (Select), so p's
// instructions are there.
func archElem(p Path) *elemSet {
	switch p {
	case AVX512:
		return &elemAVX512
	case AVX2:
		return &elemAVX2
	}
	return nil
}
