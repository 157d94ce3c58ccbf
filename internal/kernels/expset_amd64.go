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

// archColSums returns path p's AddColSums32 kernel (exp_amd64.s); none
// for the portable path.
func archColSums(p Path) colSumsKernel {
	switch p {
	case AVX512:
		return colSumsKernel{16, colSumsF32AVX512}
	case AVX2:
		return colSumsKernel{8, colSumsF32AVX2}
	}
	return colSumsKernel{}
}
