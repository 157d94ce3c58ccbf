package kernels

// The elementwise kernels of the amd64 paths (vec_amd64.s, written by
// gen/vec.go).
var (
	vecAVX2 = vecSet{
		vecOps[float32]{8,
			[3]func(int, *float32, *float32, *float32){vaddF32AVX2, vsubF32AVX2, vmulF32AVX2},
			[3]func(int, *float32, *float32, *float32){vaddIncrF32AVX2, vsubIncrF32AVX2, vmulIncrF32AVX2}},
		vecOps[float64]{4,
			[3]func(int, *float64, *float64, *float64){vaddF64AVX2, vsubF64AVX2, vmulF64AVX2},
			[3]func(int, *float64, *float64, *float64){vaddIncrF64AVX2, vsubIncrF64AVX2, vmulIncrF64AVX2}},
	}
	vecAVX512 = vecSet{
		vecOps[float32]{16,
			[3]func(int, *float32, *float32, *float32){vaddF32AVX512, vsubF32AVX512, vmulF32AVX512},
			[3]func(int, *float32, *float32, *float32){vaddIncrF32AVX512, vsubIncrF32AVX512, vmulIncrF32AVX512}},
		vecOps[float64]{8,
			[3]func(int, *float64, *float64, *float64){vaddF64AVX512, vsubF64AVX512, vmulF64AVX512},
			[3]func(int, *float64, *float64, *float64){vaddIncrF64AVX512, vsubIncrF64AVX512, vmulIncrF64AVX512}},
	}
)
