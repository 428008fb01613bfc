#include "textflag.h"

DATA idxodd<>+0(SB)/8, $0xAAAAAAAAAAAAAAAA
GLOBL idxodd<>(SB), (NOPTR+RODATA), $8

#define BCAST32(name, v) \
	DATA name<>+0(SB)/8, v \
	DATA name<>+8(SB)/8, v \
	DATA name<>+16(SB)/8, v \
	DATA name<>+24(SB)/8, v \
	GLOBL name<>(SB), (NOPTR+RODATA), $32

BCAST32(idxquote, $0x2222222222222222)
BCAST32(idxbslash, $0x5c5c5c5c5c5c5c5c)
BCAST32(idxopen, $0x7b7b7b7b7b7b7b7b)
BCAST32(idxclose, $0x7d7d7d7d7d7d7d7d)
BCAST32(idxcase, $0x2020202020202020)
BCAST32(idxctl, $0x1f1f1f1f1f1f1f1f)

// MASK64 sets dst to the 64-bit mask of the byte compares in Y2 (low 32) and
// Y3 (high 32).
#define MASK64(dst) \
	VPMOVMSKB Y2, dst \
	VPMOVMSKB Y3, AX \
	SHLQ $32, AX \
	ORQ AX, dst

// func indexBlocksAVX2(src *byte, blocks int, dst *block, st *indexState)
TEXT ·indexBlocksAVX2(SB), NOSPLIT, $0-32
	MOVQ src+0(FP), SI
	MOVQ blocks+8(FP), CX
	MOVQ dst+16(FP), DI
	MOVQ st+24(FP), DX
	MOVQ 0(DX), R10            // nextEscaped
	MOVQ 8(DX), R11            // inString
	MOVQ idxodd<>(SB), R12
	VMOVDQU idxquote<>(SB), Y8
	VMOVDQU idxbslash<>(SB), Y9
	VMOVDQU idxopen<>(SB), Y10
	VMOVDQU idxclose<>(SB), Y11
	VMOVDQU idxcase<>(SB), Y12
	VMOVDQU idxctl<>(SB), Y13
	MOVQ $-1, AX
	MOVQ AX, X14
	TESTQ CX, CX
	JZ done

loop:
	VMOVDQU (SI), Y0
	VMOVDQU 32(SI), Y1
	VPCMPEQB Y8, Y0, Y2
	VPCMPEQB Y8, Y1, Y3
	MASK64(R8)                 // quote
	VPCMPEQB Y9, Y0, Y2
	VPCMPEQB Y9, Y1, Y3
	MASK64(R9)                 // backslash
	VPOR Y12, Y0, Y4           // '[' | 0x20 == '{', ']' | 0x20 == '}'
	VPOR Y12, Y1, Y5
	VPCMPEQB Y10, Y4, Y2
	VPCMPEQB Y10, Y5, Y3
	MASK64(BX)
	MOVQ BX, 8(DI)             // open, not yet masked
	VPCMPEQB Y11, Y4, Y2
	VPCMPEQB Y11, Y5, Y3
	MASK64(BX)
	MOVQ BX, 16(DI)            // close, not yet masked
	VPMINUB Y13, Y0, Y2        // x <= 0x1f  <=>  min(x, 0x1f) == x
	VPMINUB Y13, Y1, Y3
	VPCMPEQB Y0, Y2, Y2
	VPCMPEQB Y1, Y3, Y3
	MASK64(BX)                 // control characters
	VPMOVMSKB Y0, R13          // bytes >= 0x80
	VPMOVMSKB Y1, AX
	SHLQ $32, AX
	ORQ AX, R13
	ORQ R9, R13
	ORQ BX, R13
	MOVQ R13, 24(DI)           // special, not yet masked

	// escaped = characters after an odd run of backslashes
	MOVQ R10, AX
	NOTQ AX
	ANDQ R9, AX                // pe = bs &^ nextEscaped
	LEAQ (AX)(AX*1), DX
	ORQ R12, DX
	SUBQ AX, DX
	XORQ R12, DX               // code
	MOVQ R9, AX
	ORQ R10, AX
	XORQ DX, AX                // escaped
	ANDQ R9, DX
	SHRQ $63, DX
	MOVQ DX, R10               // nextEscaped
	NOTQ AX
	ANDQ AX, R8                // quote &^= escaped
	MOVQ R8, 0(DI)

	// str = prefix xor of quote, continuing the previous block's state
	MOVQ R8, X0
	PCLMULQDQ $0x00, X14, X0
	MOVQ X0, AX
	XORQ R11, AX
	MOVQ AX, R11
	SARQ $63, R11              // inString for the next block
	ANDQ AX, 24(DI)
	NOTQ AX
	ANDQ AX, 8(DI)
	ANDQ AX, 16(DI)

	ADDQ $64, SI
	ADDQ $32, DI
	DECQ CX
	JNZ loop

done:
	MOVQ st+24(FP), DX
	MOVQ R10, 0(DX)
	MOVQ R11, 8(DX)
	VZEROUPPER
	RET

// func cpuid(eax, ecx uint32) (a, b, c, d uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eax+0(FP), AX
	MOVL ecx+4(FP), CX
	CPUID
	MOVL AX, a+8(FP)
	MOVL BX, b+12(FP)
	MOVL CX, c+16(FP)
	MOVL DX, d+20(FP)
	RET

// func xgetbv() (eax uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-4
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	RET
