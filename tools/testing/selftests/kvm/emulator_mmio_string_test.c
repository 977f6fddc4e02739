// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guests touching device memory with string instructions (MOVS, STOS, LODS,
 * CMPS, SCAS with REP and both directions; INS and OUTS), SSE and AVX moves,
 * accesses that cross a page boundary into or within MMIO, accesses larger
 * than 8 bytes (split into several KVM_EXIT_MMIO), and faults: #PF through a
 * read-only or non-present guest mapping of MMIO, #GP for non-canonical
 * addresses.  Real mode, 32-bit protected mode, PAE and long mode; the
 * format is described in include/mmio_payload.h.
 *
 * Linux's emulator has no MOVD/MOVQ (0F 6E/7E, 0F D6) and no VEX forms: for
 * those payloads Debian's KVM is expected to stop with an emulation failure
 * (KVM_EXIT_INTERNAL_ERROR), ours to emulate them.
 */
#include "mmio_payload.h"

/* Four OUTs of the 16 bytes at 0x9000, low dword first. */
#define G_DUMP16(base)								\
	"mov " #base ", %eax\n" G_OUT_EAX					\
	"mov " #base "+4, %eax\n" G_OUT_EAX					\
	"mov " #base "+8, %eax\n" G_OUT_EAX					\
	"mov " #base "+12, %eax\n" G_OUT_EAX
#define V64(x)	V((uint64_t)(x) & 0xffffffff), V((uint64_t)(x) >> 32)

/* ---- String instructions ------------------------------------------------- */

MP_PAYLOAD(movs_ram_to_mmio,
	"movl $0x44332211, 0x9000\n"
	"mov $0x9000, %esi\n"
	"mov $0xc100, %edi\n"
	"mov $4, %ecx\n"
	"cld\n"
	"rep movsb\n"
	"mov %esi, %eax\n" G_OUT_EAX
	"mov %edi, %eax\n" G_OUT_EAX
	"mov %ecx, %eax\n" G_OUT_EAX);

MP_PAYLOAD(movs_mmio_to_ram_df,
	"std\n"
	"mov $0xc106, %esi\n"
	"mov $0x9006, %edi\n"
	"mov $3, %ecx\n"
	"rep movsw\n"
	"cld\n"
	"mov %esi, %eax\n" G_OUT_EAX
	"mov %edi, %eax\n" G_OUT_EAX
	"mov %ecx, %eax\n" G_OUT_EAX
	"mov 0x9000, %eax\n" G_OUT_EAX
	"mov 0x9004, %eax\n" G_OUT_EAX);

MP_PAYLOAD(movs_mmio_to_mmio,
	"mov $0xc110, %esi\n"
	"mov $0xc120, %edi\n"
	"mov $2, %ecx\n"
	"rep movsl\n"
	"mov %esi, %eax\n" G_OUT_EAX
	"mov %edi, %eax\n" G_OUT_EAX
	".if BITS == 64\n"
	"mov $2, %ecx\n"
	"std\n"
	"mov $0xc148, %esi\n"
	"mov $0xc168, %edi\n"
	"rep movsq\n"
	"cld\n"
	"mov %esi, %eax\n" G_OUT_EAX
	"mov %edi, %eax\n" G_OUT_EAX
	".endif\n");

MP_PAYLOAD(stos,
	"mov $0xa5a5a5a5, %eax\n"
	"mov $0xc130, %edi\n"
	"mov $3, %ecx\n"
	"rep stosl\n"
	"mov %edi, %eax\n" G_OUT_EAX
	"std\n"
	"mov $0x1234, %eax\n"
	"mov $0xc142, %edi\n"
	"mov $2, %ecx\n"
	"rep stosw\n"
	"cld\n"
	"mov %edi, %eax\n" G_OUT_EAX
	"mov $0x77, %al\n"
	"mov $0xc144, %edi\n"
	"stosb\n"
	"mov %edi, %eax\n" G_OUT_EAX
	".if BITS == 64\n"
	"mov $-3, %rax\n"
	"mov $0xc150, %edi\n"
	"mov $1, %ecx\n"
	"rep stosq\n"
	".endif\n");

MP_PAYLOAD(lods,
	"mov $0xc150, %esi\n"
	"lodsl\n" G_OUT_EAX
	"mov $3, %ecx\n"
	"rep lodsb\n" G_OUT_EAX
	"mov %esi, %eax\n" G_OUT_EAX);

MP_PAYLOAD(cmps,
	"movl $0x64636261, 0x9000\n"
	"mov $0xc160, %esi\n"
	"mov $0x9000, %edi\n"
	"mov $4, %ecx\n"
	"cld\n"
	"repe cmpsb\n" G_FLAGS
	"mov %ecx, %eax\n" G_OUT_EAX
	"mov %esi, %eax\n" G_OUT_EAX
	"mov %edi, %eax\n" G_OUT_EAX
	"std\n"
	"mov $0xc17c, %esi\n"
	"mov $0xc18c, %edi\n"
	"mov $3, %ecx\n"
	"repne cmpsl\n"
	"cld\n" G_FLAGS
	"mov %ecx, %eax\n" G_OUT_EAX);

MP_PAYLOAD(scas,
	"mov $0x7a, %al\n"
	"mov $0xc170, %edi\n"
	"mov $5, %ecx\n"
	"repne scasb\n" G_FLAGS
	"mov %ecx, %eax\n" G_OUT_EAX
	"mov %edi, %eax\n" G_OUT_EAX
	"mov $0x1234, %ax\n"
	"mov $0xc174, %edi\n"
	"mov $4, %ecx\n"
	"repe scasw\n" G_FLAGS
	"mov %ecx, %eax\n" G_OUT_EAX);

MP_PAYLOAD(ins_outs,
	"mov $0xc180, %edi\n"
	"mov $2, %ecx\n"
	"mov $0x60, %dx\n"
	"rep insb\n"
	"mov %edi, %eax\n" G_OUT_EAX
	"mov $0xc184, %edi\n"
	"insw\n"
	"mov $0xc190, %esi\n"
	"mov $2, %ecx\n"
	"mov $0x61, %dx\n"
	"rep outsw\n"
	"mov %esi, %eax\n" G_OUT_EAX);

/* "rep insw" into RAM, both directions: one exit for the whole batch. */
MP_PAYLOAD(ins_ram,
	"mov $0x9000, %edi\n"
	"mov $3, %ecx\n"
	"mov $0x62, %dx\n"
	"rep insw\n"
	"mov 0x9000, %eax\n" G_OUT_EAX
	"mov 0x9004, %eax\n" G_OUT_EAX
	"mov %edi, %eax\n" G_OUT_EAX
	"std\n"
	"mov $0x9014, %edi\n"
	"mov $3, %ecx\n"
	"rep insw\n"
	"cld\n"
	"mov 0x9010, %eax\n" G_OUT_EAX
	"movzwl 0x9014, %eax\n" G_OUT_EAX
	"mov %edi, %eax\n" G_OUT_EAX);

/* ---- SSE and AVX ----------------------------------------------------------- */

MP_PAYLOAD(sse_movdqu,
	"movdqu 0xc900, %xmm0\n"
	"movdqu %xmm0, 0x9000\n"
	G_DUMP16(0x9000)
	"movdqu %xmm0, 0xc911\n");

MP_PAYLOAD(sse_moves,
	"movdqa 0xc920, %xmm1\n"
	"movdqa %xmm1, 0xc930\n"
	"movaps 0xc940, %xmm2\n"
	"movups %xmm2, 0xc953\n"
	"movups 0xc961, %xmm3\n"
	"movaps %xmm3, 0xc970\n"
	"movapd %xmm3, 0xc980\n"
	"movupd 0xc991, %xmm4\n"
	"movntdq %xmm4, 0xc9a0\n"
	"movntps %xmm2, 0xc9b0\n"
	"movdqu %xmm4, 0x9000\n"
	G_DUMP16(0x9000));

MP_PAYLOAD(sse_movd_load,
	"movd 0xc9c0, %xmm5\n"
	"movd %xmm5, %eax\n" G_OUT_EAX);

MP_PAYLOAD(sse_movd_store,
	"mov $0x55667788, %eax\n"
	"movd %eax, %xmm5\n"
	"movd %xmm5, 0xc9c4\n");

MP_PAYLOAD(sse_movq_load,
	"pcmpeqb %xmm6, %xmm6\n"
	"movq 0xc9c8, %xmm6\n"
	"movdqu %xmm6, 0x9000\n"
	G_DUMP16(0x9000));

MP_PAYLOAD(sse_movq_store,
	"mov $0x01020304, %eax\n"
	"movd %eax, %xmm6\n"
	"movq %xmm6, 0xc9d0\n");

MP_PAYLOAD(avx_moves,
	".if BITS != 16\n"
	"vmovdqu 0xca00, %ymm0\n"
	"vmovdqu %ymm0, 0xca21\n"
	"vmovdqa %xmm0, 0xca40\n"
	"vcmpeqps %ymm1, %ymm1, %ymm1\n"
	"vmovups 0xca50, %xmm1\n"
	"vmovdqu %ymm1, 0x9000\n"
	G_DUMP16(0x9000)
	G_DUMP16(0x9010)
	".endif\n");

/* ---- Page crossing ----------------------------------------------------------- */

MP_PAYLOAD(cross_ram_mmio,
	"movw $0x2211, 0xbffe\n"
	"mov 0xbffe, %eax\n" G_OUT_EAX
	"movl $0xaabbccdd, 0xbffd\n"
	"mov 0xbffc, %eax\n" G_OUT_EAX);

MP_PAYLOAD(cross_mmio_mmio,
	"mov 0xcffe, %eax\n" G_OUT_EAX
	"movl $0x88776655, 0xdfff\n"
	".if BITS == 64\n"
	"mov 0xcffc, %rax\n" G_OUT_EAX
	"shr $32, %rax\n" G_OUT_EAX
	".endif\n");

MP_PAYLOAD(cross16,
	"movdqu 0xcffc, %xmm0\n"
	"movdqu %xmm0, 0x9000\n"
	G_DUMP16(0x9000)
	"movdqu %xmm0, 0xdff8\n"
	"movdqu 0xbff8, %xmm1\n"
	"movdqu %xmm1, 0x9000\n"
	G_DUMP16(0x9000));

/* LOCK'd read-modify-write and XCHG split between RAM and device memory. */
MP_PAYLOAD(cross_locked,
	"lock addl $1, 0xbffe\n"
	"movzwl 0xbffe, %eax\n" G_OUT_EAX
	"mov $0x55667788, %eax\n"
	"xchg %eax, 0xbffd\n" G_OUT_EAX
	"mov 0xbffc, %eax\n" G_OUT_EAX);

/* ---- Faults (MPF_PT: 0xc000 read-only, 0xd000 and 0xf000 not present) -------- */

MP_PAYLOAD(fault_ro_write,
	"mov 0xc008, %eax\n" G_OUT_EAX
	"mov $0x1111, %ecx\n"
	"mov $0x2222, %edi\n"
	"movl $1, 0xc000\n");

MP_PAYLOAD(fault_np_read,
	"mov 0xd004, %eax\n");

MP_PAYLOAD(fault_np_write,
	"movw $1, 0xd006\n");

MP_PAYLOAD(fault_span_np,
	"mov 0xcffe, %eax\n");

MP_PAYLOAD(fault_span_ro,
	"movl $0x11223344, 0xbffe\n");

MP_PAYLOAD(fault_rep_stos,
	"mov $0xeffe, %edi\n"
	"mov $4, %ecx\n"
	"mov $0x99, %al\n"
	"cld\n"
	"rep stosb\n");

MP_PAYLOAD(fault_noncanonical,
	".if BITS == 64\n"
	"movabs $0x800000000000c000, %rbx\n"
	"mov $7, %ecx\n"
	"mov (%rbx), %eax\n"
	".endif\n");

/* The last canonical page maps MMIO at 0xe000; an 8-byte read runs off its end. */
MP_PAYLOAD(fault_noncanonical_span,
	".if BITS == 64\n"
	"movabs $0x7ffffffff010, %rsi\n"
	"mov (%rsi), %eax\n" G_OUT_EAX
	"movabs $0x7ffffffffffc, %rbx\n"
	"mov (%rbx), %rax\n"
	".endif\n");

static const struct mmio_payload string_table[] = {
	{ "rep_movsb_ram_to_mmio", MP_CODE(movs_ram_to_mmio), MP_ALL, 0, {
		WR(0xc100, 1, 0x11), WR(0xc101, 1, 0x22), WR(0xc102, 1, 0x33),
		WR(0xc103, 1, 0x44), V(0x9004), V(0xc104), V(0) } },
	{ "rep_movsw_mmio_to_ram_df", MP_CODE(movs_mmio_to_ram_df), MP_ALL, 0, {
		RD(0xc106, 2, 0xaaaa), RD(0xc104, 2, 0xbbbb), RD(0xc102, 2, 0xcccc),
		V(0xc100), V(0x9000), V(0), V(0xcccc0000), V(0xaaaabbbb) } },
	{ "rep_movsl_mmio_to_mmio", MP_CODE(movs_mmio_to_mmio), MP_ALL & ~MP_LONG, 0, {
		RD(0xc110, 4, 0x11111111), WR(0xc120, 4, 0x11111111),
		RD(0xc114, 4, 0x22222222), WR(0xc124, 4, 0x22222222), V(0xc118), V(0xc128) } },
	{ "rep_movs_mmio_to_mmio64", MP_CODE(movs_mmio_to_mmio), MP_LONG, 0, {
		RD(0xc110, 4, 0x11111111), WR(0xc120, 4, 0x11111111),
		RD(0xc114, 4, 0x22222222), WR(0xc124, 4, 0x22222222), V(0xc118), V(0xc128),
		RD(0xc148, 8, 0x0102030405060708ull), WR(0xc168, 8, 0x0102030405060708ull),
		RD(0xc140, 8, 0x1112131415161718ull), WR(0xc160, 8, 0x1112131415161718ull),
		V(0xc138), V(0xc158) } },
	{ "stos", MP_CODE(stos), MP_ALL & ~MP_LONG, 0, {
		WR(0xc130, 4, 0xa5a5a5a5), WR(0xc134, 4, 0xa5a5a5a5), WR(0xc138, 4, 0xa5a5a5a5),
		V(0xc13c), WR(0xc142, 2, 0x1234), WR(0xc140, 2, 0x1234), V(0xc13e),
		WR(0xc144, 1, 0x77), V(0xc145) } },
	{ "stos64", MP_CODE(stos), MP_LONG, 0, {
		WR(0xc130, 4, 0xa5a5a5a5), WR(0xc134, 4, 0xa5a5a5a5), WR(0xc138, 4, 0xa5a5a5a5),
		V(0xc13c), WR(0xc142, 2, 0x1234), WR(0xc140, 2, 0x1234), V(0xc13e),
		WR(0xc144, 1, 0x77), V(0xc145), WR(0xc150, 8, 0xfffffffffffffffdull) } },
	{ "lods", MP_CODE(lods), MP_ALL, 0, {
		RD(0xc150, 4, 0x89abcdef), V(0x89abcdef),
		RD(0xc154, 1, 0x01), RD(0xc155, 1, 0x02), RD(0xc156, 1, 0x03), V(0x89abcd03),
		V(0xc157) } },
	{ "cmps", MP_CODE(cmps), MP_ALL, 0, {
		RD(0xc160, 1, 'a'), RD(0xc161, 1, 'b'), RD(0xc162, 1, 'x'),
		FL(0, 0, 0, 0, 0, 0), V(1), V(0xc163), V(0x9003),
		/* both operands in MMIO: source read first */
		RD(0xc17c, 4, 1), RD(0xc18c, 4, 2), RD(0xc178, 4, 3), RD(0xc188, 4, 3),
		FL(0, 1, 0, 1, 0, 0), V(1) } },
	{ "scas", MP_CODE(scas), MP_ALL, 0, {
		RD(0xc170, 1, 'a'), RD(0xc171, 1, 0x7a), FL(0, 1, 0, 1, 0, 0), V(3), V(0xc172),
		RD(0xc174, 2, 0x1234), RD(0xc176, 2, 0x1235), FL(1, 1, 1, 0, 1, 0), V(2) } },
	{ "ins_outs", MP_CODE(ins_outs), MP_ALL, 0, {
		/*
		 * Both read a batch of ports in one exit; Linux stores it with one
		 * access, ours element by element.
		 */
		IN(0x60, 1, 2, 0xa55a),
		ONLY(MP_LINUX, WR(0xc180, 2, 0xa55a)),
		ONLY_N(MP_OURS, 2, WR(0xc180, 1, 0x5a), WR(0xc181, 1, 0xa5)),
		V(0xc182),
		IN(0x60, 2, 1, 0xbeef), WR(0xc184, 2, 0xbeef),
		RD(0xc190, 2, 0x1111), OUTP(0x61, 2, 0x1111),
		RD(0xc192, 2, 0x2222), OUTP(0x61, 2, 0x2222), V(0xc194) } },
	{ "rep_insw_ram_both_directions", MP_CODE(ins_ram), MP_ALL, 0, {
		IN(0x62, 2, 3, 0x333322221111ull), V(0x22221111), V(0x3333), V(0x9006),
		IN(0x62, 2, 3, 0x666655554444ull), V(0x55556666), V(0x4444), V(0x900e) } },
};

#define XA 0xa7a6a5a4a3a2a1a0ull
#define XB 0xb7b6b5b4b3b2b1b0ull
#define XC 0xc7c6c5c4c3c2c1c0ull
#define XD 0xd7d6d5d4d3d2d1d0ull
#define XE 0xe7e6e5e4e3e2e1e0ull
#define XF 0xf7f6f5f4f3f2f1f0ull

static const struct mmio_payload sse_table[] = {
	{ "movdqu", MP_CODE(sse_movdqu), MP_ALL, 0, {
		RD(0xc900, 8, 0x0706050403020100ull), RD(0xc908, 8, 0x0f0e0d0c0b0a0908ull),
		V(0x03020100), V(0x07060504), V(0x0b0a0908), V(0x0f0e0d0c),
		WR(0xc911, 8, 0x0706050403020100ull), WR(0xc919, 8, 0x0f0e0d0c0b0a0908ull) } },
	{ "movdqa_movaps_movups_movapd_movupd_movntdq_movntps", MP_CODE(sse_moves), MP_ALL, 0, {
		RD(0xc920, 8, XA), RD(0xc928, 8, XB), WR(0xc930, 8, XA), WR(0xc938, 8, XB),
		RD(0xc940, 8, XC), RD(0xc948, 8, XD), WR(0xc953, 8, XC), WR(0xc95b, 8, XD),
		RD(0xc961, 8, XE), RD(0xc969, 8, XF), WR(0xc970, 8, XE), WR(0xc978, 8, XF),
		WR(0xc980, 8, XE), WR(0xc988, 8, XF),
		RD(0xc991, 8, XB), RD(0xc999, 8, XA), WR(0xc9a0, 8, XB), WR(0xc9a8, 8, XA),
		WR(0xc9b0, 8, XC), WR(0xc9b8, 8, XD),
		V64(XB), V64(XA) } },
	{ "movd_load", MP_CODE(sse_movd_load), MP_ALL, 0, {
		ONLY(MP_LINUX, EMUL_FAIL),
		RD(0xc9c0, 4, 0x11223344), V(0x11223344) } },
	{ "movd_store", MP_CODE(sse_movd_store), MP_ALL, 0, {
		ONLY(MP_LINUX, EMUL_FAIL),
		WR(0xc9c4, 4, 0x55667788) } },
	{ "movq_load", MP_CODE(sse_movq_load), MP_ALL, 0, {
		ONLY(MP_LINUX, EMUL_FAIL),
		RD(0xc9c8, 8, XC), V64(XC), V(0), V(0) } },
	{ "movq_store", MP_CODE(sse_movq_store), MP_ALL, 0, {
		ONLY(MP_LINUX, EMUL_FAIL),
		WR(0xc9d0, 8, 0x01020304) } },
};

static const struct mmio_payload avx_table[] = {
	{ "vmovdqu_vmovdqa_vmovups", MP_CODE(avx_moves), MP_NOREAL, MPF_AVX, {
		ONLY(MP_LINUX, EMUL_FAIL),
		RD(0xca00, 8, XA), RD(0xca08, 8, XB), RD(0xca10, 8, XC), RD(0xca18, 8, XD),
		WR(0xca21, 8, XA), WR(0xca29, 8, XB), WR(0xca31, 8, XC), WR(0xca39, 8, XD),
		WR(0xca40, 8, XA), WR(0xca48, 8, XB),
		RD(0xca50, 8, XE), RD(0xca58, 8, XF),
		/* VEX.128 loads zero bits 255:128 */
		V64(XE), V64(XF), V(0), V(0), V(0), V(0) } },
};

static const struct mmio_payload cross_table[] = {
	{ "ram_then_mmio", MP_CODE(cross_ram_mmio), MP_ALL, 0, {
		RD(0xc000, 2, 0x4433), V(0x44332211),
		WR(0xc000, 1, 0xaa), V(0xbbccdd00) } },
	{ "mmio_then_mmio", MP_CODE(cross_mmio_mmio), MP_ALL & ~MP_LONG, 0, {
		RD(0xcffe, 2, 0x2211), RD(0xd000, 2, 0x4433), V(0x44332211),
		WR(0xdfff, 1, 0x55), WR(0xe000, 3, 0x887766) } },
	{ "mmio_then_mmio64", MP_CODE(cross_mmio_mmio), MP_LONG, 0, {
		RD(0xcffe, 2, 0x2211), RD(0xd000, 2, 0x4433), V(0x44332211),
		WR(0xdfff, 1, 0x55), WR(0xe000, 3, 0x887766),
		RD(0xcffc, 4, 0x44332211), RD(0xd000, 4, 0x88776655), V(0x44332211),
		V(0x88776655) } },
	{ "sixteen_bytes", MP_CODE(cross16), MP_ALL, 0, {
		RD(0xcffc, 4, 0x03020100), RD(0xd000, 8, 0x0b0a090807060504ull),
		RD(0xd008, 4, 0x0f0e0d0c),
		V(0x03020100), V(0x07060504), V(0x0b0a0908), V(0x0f0e0d0c),
		WR(0xdff8, 8, 0x0706050403020100ull), WR(0xe000, 8, 0x0f0e0d0c0b0a0908ull),
		RD(0xc000, 8, XD), V(0), V(0), V64(XD) } },
};

static const struct mmio_payload cross_locked_table[] = {
	{ "locked_and_xchg_ram_then_mmio", MP_CODE(cross_locked), MP_ALL, 0, {
		RD(0xc000, 2, 0x1234), WR(0xc000, 2, 0x1234), V(1),
		RD(0xc000, 1, 0xaa), WR(0xc000, 1, 0x55), V(0xaa000100), V(0x66778800) } },
};

static const struct mmio_payload fault_table[] = {
	{ "pf_write_read_only", MP_CODE(fault_ro_write), MP_PAGED, MPF_PT, {
		RD(0xc008, 4, 0x600d), V(0x600d),
		EXC_PF(3, 0xc000, 0x1111, 0x2222) } },
	{ "pf_read_not_present", MP_CODE(fault_np_read), MP_PAGED, MPF_PT, {
		EXC_PF(0, 0xd004, 0, 0) } },
	{ "pf_write_not_present", MP_CODE(fault_np_write), MP_PAGED, MPF_PT, {
		EXC_PF(2, 0xd006, 0, 0) } },
	{ "pf_read_spanning_into_not_present", MP_CODE(fault_span_np), MP_PAGED, MPF_PT, {
		EXC_PF(0, 0xd000, 0, 0) } },
	{ "pf_write_spanning_into_read_only", MP_CODE(fault_span_ro), MP_PAGED, MPF_PT, {
		EXC_PF(3, 0xc000, 0, 0) } },
	{ "pf_rep_stos_runs_into_not_present", MP_CODE(fault_rep_stos), MP_PAGED, MPF_PT, {
		WR(0xeffe, 1, 0x99), WR(0xefff, 1, 0x99), EXC_PF(2, 0xf000, 2, 0xf000) } },
	{ "gp_noncanonical", MP_CODE(fault_noncanonical), MP_LONG, MPF_PT, {
		EXC_GP(0, 7, 0) } },
	{ "gp_spanning_out_of_canonical", MP_CODE(fault_noncanonical_span), MP_LONG, MPF_PT, {
		RD(0xe010, 4, 0x12345678), V(0x12345678),
		/*
		 * The manuals: #GP(0) when any byte of an access is non-canonical.
		 * Linux 6.1 checks the end of the access against 2^48 rather than
		 * 2^47, walks 0x800000000000 and injects #PF (CR2 low half 0).
		 */
		ONLY_N(MP_OURS, 4, EXC_GP(0, 0, 0)),
		ONLY_N(MP_LINUX, 5, EXC_PF(0, 0, 0, 0)) } },
};

/*
 * A long "rep stosb" into device memory: more iterations than one emulation pass
 * does (ours stops after 4096, Linux after 1024 and the guest re-executes the
 * instruction), yet userspace sees every byte in order, once.
 */
#define LONG_STOS	5000

MP_PAYLOAD(stos_long,
	"mov $0xc000, %edi\n"
	"mov $5000, %ecx\n"
	"mov $0x5a, %al\n"
	"cld\n"
	"rep stosb\n"
	"mov %edi, %eax\n" G_OUT_EAX
	"mov %ecx, %eax\n" G_OUT_EAX);

static void stos_long_case(enum kt_cpu_mode mode)
{
	struct mmio_payload p = { .name = "stos_long", .code = MP_CODE(stos_long) };
	struct kt_raw_vm r;
	struct kvm_run *run;
	uint32_t v;
	int i;

	mp_vm_create(&r, &p, mode);
	run = r.vcpu->run;
	for (i = 0; i < LONG_STOS; i++) {
		kt_vcpu_run_ok(r.vcpu);
		if (run->exit_reason != KVM_EXIT_MMIO || !run->mmio.is_write ||
		    run->mmio.len != 1 || run->mmio.phys_addr != 0xc000u + i ||
		    run->mmio.data[0] != 0x5a)
			kt_dump_exit(r.vcpu);
		KT_ASSERT(run->exit_reason == KVM_EXIT_MMIO && run->mmio.is_write &&
			  run->mmio.len == 1 && run->mmio.phys_addr == 0xc000u + i &&
			  run->mmio.data[0] == 0x5a, "%s: byte %d of %d", kt_mode_name(mode),
			  i, LONG_STOS);
	}
	kt_vcpu_run_ok(r.vcpu);
	KT_ASSERT_IO(r.vcpu, KVM_EXIT_IO_OUT, MP_PORT_VAL, 4);
	memcpy(&v, kt_io_data(r.vcpu), 4);
	KT_CHECK(v == 0xc000 + LONG_STOS, "%s: edi 0x%x", kt_mode_name(mode), v);
	kt_vcpu_run_ok(r.vcpu);
	KT_ASSERT_IO(r.vcpu, KVM_EXIT_IO_OUT, MP_PORT_VAL, 4);
	memcpy(&v, kt_io_data(r.vcpu), 4);
	KT_CHECK(v == 0, "%s: ecx %u", kt_mode_name(mode), v);
	kt_vcpu_run_ok(r.vcpu);
	KT_ASSERT_EXIT(r.vcpu, KVM_EXIT_HLT);
	kt_raw_free(&r);
}

static void test_string(void)
{
	mp_run_table(string_table, KTEST_NCASES(string_table));
	stos_long_case(KT_MODE_REAL);
	stos_long_case(KT_MODE_LONG);
}

static void test_sse(void)
{
	mp_run_table(sse_table, KTEST_NCASES(sse_table));
}

static void test_avx(void)
{
	const struct kvm_cpuid_entry2 *e = kt_find_cpuid(kt_supported_cpuid(), 1, 0);

	/* CPUID.1:ECX bit 26 XSAVE, bit 28 AVX */
	if (!e || !(e->ecx & (1u << 26)) || !(e->ecx & (1u << 28)))
		KT_SKIP("no AVX in KVM_GET_SUPPORTED_CPUID");
	mp_run_table(avx_table, KTEST_NCASES(avx_table));
}

static void test_cross(void)
{
	mp_run_table(cross_table, KTEST_NCASES(cross_table));
	mp_run_table(cross_locked_table, KTEST_NCASES(cross_locked_table));
}

static void test_faults(void)
{
	mp_run_table(fault_table, KTEST_NCASES(fault_table));
}

static const struct ktest_case cases[] = {
	{ "movs_stos_lods_cmps_scas_ins_outs", test_string },
	{ "sse_moves", test_sse },
	{ "avx_moves", test_avx },
	{ "page_crossing_and_16_bytes", test_cross },
	{ "pf_and_gp", test_faults },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
