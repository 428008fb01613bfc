package ingest

// indexBlocksAVX2 is indexBlocksGo in AVX2 and PCLMULQDQ.
//
//go:noescape
func indexBlocksAVX2(src *byte, blocks int, dst *block, st *indexState)

// cpuid and xgetbv report the processor's features.
func cpuid(eax, ecx uint32) (a, b, c, d uint32)
func xgetbv() (eax uint32)

var useAVX2 = hasAVX2AndCLMUL()

// indexBlocks indexes len(dst) blocks of src (64 bytes each) with the
// fastest indexer this processor runs.
func indexBlocks(src []byte, dst []block, st *indexState) {
	if !useAVX2 {
		indexBlocksGo(src, dst, st)
		return
	}
	if len(dst) == 0 {
		return
	}
	_ = src[64*len(dst)-1]
	indexBlocksAVX2(&src[0], len(dst), &dst[0], st)
}

func hasAVX2AndCLMUL() bool {
	maxID, _, _, _ := cpuid(0, 0)
	if maxID < 7 {
		return false
	}
	_, _, c1, _ := cpuid(1, 0)
	const (
		pclmulqdq = 1 << 1
		osxsave   = 1 << 27
		avx       = 1 << 28
	)
	if c1&(pclmulqdq|osxsave|avx) != pclmulqdq|osxsave|avx {
		return false
	}
	if xgetbv()&6 != 6 { // the OS saves XMM and YMM state
		return false
	}
	_, b7, _, _ := cpuid(7, 0)
	return b7&(1<<5) != 0 // AVX2
}
