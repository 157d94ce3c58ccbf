package kernels

// archExp returns path p's Exp32 kernel (exp_amd64.s, written by
// gen/exp.go); none for the portable path.
func archExp(p Path) expKernel {
	switch p {
	case AVX512:
		return expKernel{16, expF32AVX512}
	case AVX2:
		return expKernel{8, expF32AVX2}
	}
	return expKernel{}
}
