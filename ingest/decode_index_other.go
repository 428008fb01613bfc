//go:build !amd64

package ingest

// indexBlocks indexes len(dst) blocks of src (64 bytes each).
func indexBlocks(src []byte, dst []block, st *indexState) { indexBlocksGo(src, dst, st) }
