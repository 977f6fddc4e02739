// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guests touching device memory with each class of instruction the MMIO
 * emulator handles (MOV, MOVZX/MOVSX, ALU, INC/DEC/NEG/NOT, XCHG, CMPXCHG,
 * BT group, SETcc, PUSH/POP, MOVNTI, segment registers), in real mode, 32-bit
 * protected mode, PAE and long mode.  Userspace checks every KVM_EXIT_MMIO
 * (address, length, direction, data) and answers reads; the guest reports the
 * registers and flags it ends up with.  String instructions, SSE/AVX, page
 * crossing and faults are in emulator_mmio_string_test.c.  The payload format
 * is described in include/mmio_payload.h.
 */
#include <sys/ioctl.h>

#include "mmio_payload.h"

/* ---- MOV ----------------------------------------------------------------- */

MP_PAYLOAD(mov_load,
	"mov $0x11223344, %eax\n"
	"mov 0xc001, %al\n" G_OUT_EAX
	"mov 0xc002, %ax\n" G_OUT_EAX
	"mov 0xc004, %ebx\n"
	"mov %ebx, %eax\n" G_OUT_EAX
	"mov $0xc006, %esi\n"
	"mov 2(%esi), %dh\n"
	"movzbl %dh, %eax\n" G_OUT_EAX);

MP_PAYLOAD(mov_store,
	"movb $0x5a, 0xc010\n"
	"movw $0x1234, 0xc012\n"
	"movl $0x89abcdef, 0xc014\n"
	"mov $0x77, %bl\n"
	"mov %bl, 0xc018\n"
	"mov $0xa1b2, %cx\n"
	"mov %cx, 0xc01a\n"
	"mov $0xcafef00d, %edx\n"
	"mov $0xc010, %edi\n"
	"mov %edx, 0xc(%edi)\n");

/* A0-A3: 64-bit mode needs movabs for them. */
MP_PAYLOAD(mov_moffs,
	".if BITS == 64\n"
	"movabs 0xc020, %eax\n" G_OUT_EAX
	"movabs 0xc024, %al\n" G_OUT_EAX
	"movabs 0xc026, %ax\n" G_OUT_EAX
	"movabs %al, 0xc028\n"
	"movabs %ax, 0xc02a\n"
	"movabs %eax, 0xc02c\n"
	"movabs 0xc030, %rax\n" G_OUT_EAX
	"shr $32, %rax\n" G_OUT_EAX
	"movabs %rax, 0xc038\n"
	".else\n"
	"mov 0xc020, %eax\n" G_OUT_EAX
	"mov 0xc024, %al\n" G_OUT_EAX
	"mov 0xc026, %ax\n" G_OUT_EAX
	"mov %al, 0xc028\n"
	"mov %ax, 0xc02a\n"
	"mov %eax, 0xc02c\n"
	".endif\n");

MP_PAYLOAD(mov64,
	".if BITS == 64\n"
	"mov 0xc040, %rbx\n"
	"mov %rbx, %rax\n" G_OUT_EAX
	"shr $32, %rax\n" G_OUT_EAX
	"movq $-2, 0xc048\n"
	"movabs $0x1122334455667788, %r9\n"
	"mov %r9, 0xc050\n"
	"mov $0xc000, %r10d\n"
	"mov 0x58(%r10), %r11d\n"
	"mov %r11d, %eax\n" G_OUT_EAX
	".endif\n");

MP_PAYLOAD(mov_rip_rel,
	".if BITS == 64\n"
	"mov mov_rip_rel_target(%rip), %eax\n" G_OUT_EAX
	".endif\n");
/* Link-time constant: the payload runs at 0x1000, so 0xc0f0 is this far away. */
__asm__(".set mov_rip_rel_target, mov_rip_rel_64 + (0xc0f0 - 0x1000)\n");

/*
 * The encodings of the plain 64-bit MOV that both implementations short-cut
 * (ours without its general emulator): REX.R/X/B registers, SIB with index
 * and scale, no base, r12/r13 bases, RIP-relative, immediates, 32-bit loads
 * that clear the upper half.
 */
MP_PAYLOAD(mov_fast64,
	".if BITS == 64\n"
	"mov $-1, %rax\n"
	"mov 0xc300, %eax\n"
	"shr $32, %rax\n" G_OUT_EAX
	"mov $0xc000, %r13\n"
	"mov $0x10, %r14\n"
	"mov 0x8(%r13,%r14,8), %r12\n"
	"mov %r12, %rax\n" G_OUT_EAX
	"shr $32, %rax\n" G_OUT_EAX
	"mov $0xc000, %r12\n"
	"movabs $0x0102030405060708, %r15\n"
	"mov %r15, 0x310(%r12)\n"
	"mov $0xc320, %rbp\n"
	"mov %r15d, (%rbp)\n"
	"movl $0x80000001, 0xc328\n"
	"movq $-3, (%r13,%r14,1)\n"
	"mov %r15d, mov_fast_target(%rip)\n"
	"mov $0x100, %rcx\n"
	"mov 0xc230(,%rcx,2), %r9d\n"
	"mov %r9, %rax\n" G_OUT_EAX
	"shr $32, %rax\n" G_OUT_EAX
	".endif\n");
__asm__(".set mov_fast_target, mov_fast64_64 + (0xc0f8 - 0x1000)\n");

MP_PAYLOAD(movzx_movsx,
	"movzbl 0xc060, %eax\n" G_OUT_EAX
	"movsbl 0xc061, %eax\n" G_OUT_EAX
	"movzwl 0xc062, %eax\n" G_OUT_EAX
	"movswl 0xc064, %eax\n" G_OUT_EAX
	"mov $0x12345678, %eax\n"
	"movsbw 0xc066, %ax\n" G_OUT_EAX
	".if BITS == 64\n"
	"movslq 0xc068, %rax\n" G_OUT_EAX
	"shr $32, %rax\n" G_OUT_EAX
	"movzbq 0xc06c, %rax\n" G_OUT_EAX
	".endif\n");

/* 8C: store a segment register (always 2 bytes to memory). */
MP_PAYLOAD(mov_sreg_store,
	".if BITS == 16\n"
	"mov $0x1234, %ax\n"
	"mov %ax, %es\n"
	".endif\n"
	"mov %es, 0xc070\n");

/*
 * 8E: load SS and ES from device memory, then use ES: ES = 0x0c00 in real
 * mode (base 0xc000), the flat data selector otherwise.
 */
MP_PAYLOAD(mov_sreg_load,
	"mov 0xc076, %ss\n"
	"mov %ss, %ax\n"
	"movzwl %ax, %eax\n" G_OUT_EAX
	"mov 0xc072, %es\n"
	"mov %es, %ax\n"
	"movzwl %ax, %eax\n" G_OUT_EAX
	".if BITS == 16\n"
	"movb $0x66, %es:0x80\n"
	".else\n"
	"movb $0x66, %es:0xc080\n"
	".endif\n");

/* A selector from device memory that does not fit the GDT: #GP(selector). */
MP_PAYLOAD(mov_sreg_load_gp,
	"mov 0xc074, %fs\n"
	"mov %fs, %ax\n"
	"movzwl %ax, %eax\n" G_OUT_EAX);

/* ---- ALU ----------------------------------------------------------------- */

MP_PAYLOAD(alu_add,
	"mov $1, %ebx\n"
	"add %ebx, 0xc200\n" G_FLAGS
	"mov $0x70, %ebx\n"
	"add 0xc204, %bl\n" G_FLAGS
	"mov %ebx, %eax\n" G_OUT_EAX
	"mov $0x7f00, %eax\n"
	"add %ah, 0xc206\n" G_FLAGS
	"addw $-1, 0xc208\n" G_FLAGS);

MP_PAYLOAD(alu_logic,
	"orb $0x80, 0xc210\n" G_FLAGS
	"andw $0xff0f, 0xc212\n" G_FLAGS
	"mov $0xffffffff, %ebx\n"
	"xor %ebx, 0xc214\n" G_FLAGS
	"xor 0xc218, %ebx\n" G_FLAGS
	"mov %ebx, %eax\n" G_OUT_EAX
	"mov $0x0f, %cl\n"
	"or 0xc21c, %cl\n"
	"and 0xc21d, %cl\n"
	"movzbl %cl, %eax\n" G_OUT_EAX);

MP_PAYLOAD(alu_adc_sbb,
	"stc\n"
	"adcl $1, 0xc220\n" G_FLAGS
	"stc\n"
	"mov $0, %ebx\n"
	"sbb %ebx, 0xc224\n" G_FLAGS
	"stc\n"
	"mov $0x10, %dl\n"
	"sbb 0xc228, %dl\n" G_FLAGS
	"movzbl %dl, %eax\n" G_OUT_EAX);

MP_PAYLOAD(alu_sub_cmp_test,
	"mov $5, %eax\n"
	"sub 0xc230, %eax\n"
	"mov %eax, %ebx\n" G_FLAGS
	"mov %ebx, %eax\n" G_OUT_EAX
	"cmpl $5, 0xc234\n" G_FLAGS
	"mov $0x7f, %ecx\n"
	"cmp 0xc238, %cl\n" G_FLAGS
	"testb $0x80, 0xc23c\n" G_FLAGS
	"subw $1, 0xc23e\n" G_FLAGS
	"mov $0x00ff00ff, %edx\n"
	"test %edx, 0xc240\n" G_FLAGS
	"cmpw %dx, 0xc244\n" G_FLAGS);

MP_PAYLOAD(alu64,
	".if BITS == 64\n"
	"mov $1, %rbx\n"
	"add %rbx, 0xc248\n" G_FLAGS
	"cmpq $-1, 0xc250\n" G_FLAGS
	"mov $0xc000, %r8d\n"
	"mov $0x258, %r9d\n"
	"subq $1, (%r8,%r9)\n" G_FLAGS
	".endif\n");

MP_PAYLOAD(alu_lock,
	"lock addl $1, 0xc260\n" G_FLAGS
	"mov $0x0100, %cx\n"
	"lock orw %cx, 0xc264\n" G_FLAGS
	"lock andb $0x0f, 0xc266\n" G_FLAGS
	"lock subl $2, 0xc268\n" G_FLAGS);

/* ---- INC/DEC/NEG/NOT ----------------------------------------------------- */

MP_PAYLOAD(incdec,
	"stc\n"
	"incl 0xc300\n" G_FLAGS
	"clc\n"
	"decw 0xc304\n" G_FLAGS
	"negb 0xc306\n" G_FLAGS
	"notl 0xc308\n" G_FLAGS
	"lock decl 0xc30c\n" G_FLAGS
	"lock notw 0xc310\n"
	"lock negl 0xc314\n" G_FLAGS);

/* ---- XCHG / CMPXCHG ------------------------------------------------------ */

MP_PAYLOAD(xchg,
	"mov $0x11111111, %eax\n"
	"xchg %eax, 0xc400\n" G_OUT_EAX
	"mov $0x33, %bl\n"
	"xchg 0xc404, %bl\n"
	"movzbl %bl, %eax\n" G_OUT_EAX
	"lock xchg %cx, 0xc406\n"
	"movzwl %cx, %eax\n" G_OUT_EAX);

MP_PAYLOAD(cmpxchg,
	"mov $5, %eax\n"
	"mov $9, %ecx\n"
	"cmpxchg %ecx, 0xc410\n"
	"mov %eax, %ebx\n" G_FLAGS
	"mov %ebx, %eax\n" G_OUT_EAX
	"mov $5, %eax\n"
	"cmpxchg %ecx, 0xc414\n"
	"mov %eax, %ebx\n" G_FLAGS
	"mov %ebx, %eax\n" G_OUT_EAX
	"mov $0x12, %al\n"
	"mov $0x34, %dl\n"
	"lock cmpxchg %dl, 0xc418\n" G_FLAGS
	"mov $0x1234, %ax\n"
	"lock cmpxchg %dx, 0xc41a\n"
	"mov %eax, %ebx\n" G_FLAGS
	"mov %ebx, %eax\n" G_OUT_EAX);

MP_PAYLOAD(cmpxchg8b,
	"mov $5, %eax\n"
	"xor %edx, %edx\n"
	"mov $0x11111111, %ebx\n"
	"mov $0x22222222, %ecx\n"
	"cmpxchg8b 0xc420\n"
	"mov %eax, %esi\n" G_FLAGS
	"mov %esi, %eax\n" G_OUT_EAX
	"lock cmpxchg8b 0xc428\n"
	"mov %eax, %esi\n" G_FLAGS
	"mov %esi, %eax\n" G_OUT_EAX
	"mov %edx, %eax\n" G_OUT_EAX);

MP_PAYLOAD(xadd,
	"mov $5, %eax\n"
	"xadd %eax, 0xc480\n"
	"mov %eax, %esi\n" G_FLAGS
	"mov %esi, %eax\n" G_OUT_EAX
	"mov $0x80, %cl\n"
	"lock xadd %cl, 0xc484\n" G_FLAGS
	"movzbl %cl, %eax\n" G_OUT_EAX);

/* CMOVcc always reads its source; a false 32-bit one still zero-extends. */
MP_PAYLOAD(cmov,
	"mov $1, %eax\n"
	"cmp $1, %eax\n"
	"mov $0x12345678, %ebx\n"
	"cmovne 0xc490, %ebx\n"
	"mov %ebx, %eax\n" G_OUT_EAX
	"cmp $1, %eax\n"
	"cmovne 0xc494, %ebx\n"
	"mov %ebx, %eax\n" G_OUT_EAX
	"mov $0x1111, %cx\n"
	"stc\n"
	"cmovbw 0xc498, %cx\n"
	"movzwl %cx, %eax\n" G_OUT_EAX
	".if BITS == 64\n"
	"movabs $0xffffffff12345678, %rbx\n"
	"cmp %rbx, %rbx\n"
	"cmovne 0xc49c, %ebx\n"
	"mov %rbx, %rax\n"
	"shr $32, %rax\n" G_OUT_EAX
	".endif\n");

/* ---- BT group ------------------------------------------------------------ */

MP_PAYLOAD(bt,
	"btl $3, 0xc500\n" G_FLAGS
	"btsl $35, 0xc504\n" G_FLAGS
	"mov $100, %ebx\n"
	"btl %ebx, 0xc510\n" G_FLAGS
	"mov $-1, %ebx\n"
	"btrl %ebx, 0xc540\n" G_FLAGS
	"mov $17, %bx\n"
	"btcw %bx, 0xc550\n" G_FLAGS
	"mov $5, %ebx\n"
	"lock btsl %ebx, 0xc560\n" G_FLAGS
	"btrw $15, 0xc564\n" G_FLAGS);

MP_PAYLOAD(bt64,
	".if BITS == 64\n"
	"mov $69, %rbx\n"
	"btsq %rbx, 0xc570\n" G_FLAGS
	"mov $-65, %rbx\n"
	"btq %rbx, 0xc5a0\n" G_FLAGS
	".endif\n");

/* ---- SETcc --------------------------------------------------------------- */

MP_PAYLOAD(setcc,
	"stc\n"
	"setc 0xc600\n"
	"xor %eax, %eax\n"
	"setz 0xc601\n"
	"setnz 0xc602\n"
	"setb 0xc603\n"
	"mov $-1, %eax\n"
	"add $1, %eax\n"
	"setc 0xc604\n"
	"sets 0xc605\n"
	"setle 0xc606\n");

/* ---- PUSH/POP with memory operands --------------------------------------- */

MP_PAYLOAD(pushpop32,
	".if BITS != 64\n"
	"pushl 0xc700\n"
	"popl %eax\n" G_OUT_EAX
	"pushl $0x5a5aa5a5\n"
	"popl 0xc704\n"
	"mov %esp, %eax\n" G_OUT_EAX
	"pushw 0xc708\n"
	"popw 0xc70a\n"
	"mov %esp, %eax\n" G_OUT_EAX
	".endif\n");

MP_PAYLOAD(pushpop64,
	".if BITS == 64\n"
	"pushq 0xc710\n"
	"pop %rax\n" G_OUT_EAX
	"shr $32, %rax\n" G_OUT_EAX
	"pushq $-2\n"
	"popq 0xc718\n"
	"mov %rsp, %rax\n" G_OUT_EAX
	"pushw 0xc708\n"
	"popw 0xc70a\n"
	"mov %rsp, %rax\n" G_OUT_EAX
	".endif\n");

/* ---- MOVNTI -------------------------------------------------------------- */

MP_PAYLOAD(movnti,
	"mov $0x13579bdf, %ebx\n"
	"movnti %ebx, 0xc800\n"
	".if BITS == 64\n"
	"movabs $0x0011223344556677, %rbx\n"
	"movnti %rbx, 0xc808\n"
	".endif\n");

/* ---- Segment overrides and 16-bit addressing ------------------------------ */

/* Real mode: FS/ES/GS based on device memory; [bx+si]; a segment-overridden MOVS. */
MP_PAYLOAD(seg_real,
	".if BITS == 16\n"
	"mov $0x0c00, %ax\n"
	"mov %ax, %fs\n"
	"mov %fs:0x10, %eax\n" G_OUT_EAX
	"mov $0x20, %bx\n"
	"mov $0x4, %si\n"
	"movb $0x5a, %fs:(%bx,%si)\n"
	"mov $0x0b00, %ax\n"
	"mov %ax, %gs\n"
	"movw $0x2211, %gs:0xffe\n"
	"mov %gs:0xffe, %eax\n" G_OUT_EAX
	"mov $0x0c00, %ax\n"
	"mov %ax, %es\n"
	"mov $0x30, %di\n"
	"mov $0x40, %si\n"
	"mov $2, %cx\n"
	"rep movsb %fs:(%si), %es:(%di)\n"
	"mov %di, %ax\n"
	"movzwl %ax, %eax\n" G_OUT_EAX
	".endif\n");

/* Long mode: FS and GS bases from their MSRs in front of device memory. */
MP_PAYLOAD(seg_long,
	".if BITS == 64\n"
	"mov $0xc0000100, %ecx\n"	/* FS_BASE */
	"mov $0xc000, %eax\n"
	"xor %edx, %edx\n"
	"wrmsr\n"
	"mov %fs:0x10, %eax\n" G_OUT_EAX
	"mov $0xc0000101, %ecx\n"	/* GS_BASE */
	"mov $0xc100, %eax\n"
	"wrmsr\n"
	"mov $0x8, %rbx\n"
	"movq $-1, %gs:0x10(%rbx)\n"
	"mov $0x20, %esi\n"
	"lodsl %gs:(%rsi)\n" G_OUT_EAX
	".endif\n");

/* Device memory above 4 GiB, reached through a linear address that differs. */
MP_PAYLOAD(high,
	".if BITS == 64\n"
	"movabs $0x140000010, %rax\n"
	"mov (%rax), %ebx\n"
	"movq $-1, 8(%rax)\n"
	"mov %ebx, %eax\n" G_OUT_EAX
	".endif\n");

/* ---- Read-only memory slot: reads are RAM, writes exit as MMIO ------------- */

MP_PAYLOAD(rom,
	"mov 0xf010, %eax\n" G_OUT_EAX
	"mov $1, %ebx\n"
	"add %ebx, 0xf010\n"
	"mov 0xf010, %eax\n" G_OUT_EAX
	"movb $0x77, 0xf020\n"
	"mov $0x99, %cl\n"
	"xchg %cl, 0xf060\n"
	"movzbl %cl, %eax\n" G_OUT_EAX
	"mov $0xf040, %esi\n"
	"mov $0xc500, %edi\n"
	"mov $2, %ecx\n"
	"rep movsb\n"
	"mov $0xf050, %edi\n"
	"mov $2, %ecx\n"
	"mov $0xabcd, %eax\n"
	"rep stosw\n");

static const struct mmio_payload mov_table[] = {
	{ "mov_load", MP_CODE(mov_load), MP_ALL, 0, {
		RD(0xc001, 1, 0xab), V(0x112233ab),
		RD(0xc002, 2, 0xbeef), V(0x1122beef),
		RD(0xc004, 4, 0xdeadbeef), V(0xdeadbeef),
		RD(0xc008, 1, 0x9c), V(0x9c) } },
	{ "mov_store", MP_CODE(mov_store), MP_ALL, 0, {
		WR(0xc010, 1, 0x5a), WR(0xc012, 2, 0x1234), WR(0xc014, 4, 0x89abcdef),
		WR(0xc018, 1, 0x77), WR(0xc01a, 2, 0xa1b2), WR(0xc01c, 4, 0xcafef00d) } },
	{ "mov_moffs", MP_CODE(mov_moffs), MP_ALL & ~MP_LONG, 0, {
		RD(0xc020, 4, 0x01020304), V(0x01020304),
		RD(0xc024, 1, 0xff), V(0x010203ff),
		RD(0xc026, 2, 0xeeee), V(0x0102eeee),
		WR(0xc028, 1, 0xee), WR(0xc02a, 2, 0xeeee), WR(0xc02c, 4, 0x0102eeee) } },
	{ "mov_moffs64", MP_CODE(mov_moffs), MP_LONG, 0, {
		RD(0xc020, 4, 0x01020304), V(0x01020304),
		RD(0xc024, 1, 0xff), V(0x010203ff),
		RD(0xc026, 2, 0xeeee), V(0x0102eeee),
		WR(0xc028, 1, 0xee), WR(0xc02a, 2, 0xeeee), WR(0xc02c, 4, 0x0102eeee),
		RD(0xc030, 8, 0x8877665544332211ull), V(0x44332211), V(0x88776655),
		WR(0xc038, 8, 0x88776655ull) } },
	{ "mov64", MP_CODE(mov64), MP_LONG, 0, {
		RD(0xc040, 8, 0x0123456789abcdefull), V(0x89abcdef), V(0x01234567),
		WR(0xc048, 8, 0xfffffffffffffffeull), WR(0xc050, 8, 0x1122334455667788ull),
		RD(0xc058, 4, 0xfeedf00d), V(0xfeedf00d) } },
	{ "mov_rip_relative", MP_CODE(mov_rip_rel), MP_LONG, 0, {
		RD(0xc0f0, 4, 0x51525354), V(0x51525354) } },
	{ "mov_fast64", MP_CODE(mov_fast64), MP_LONG, 0, {
		RD(0xc300, 4, 0x11223344), V(0),
		RD(0xc088, 8, 0x8877665544332211ull), V(0x44332211), V(0x88776655),
		WR(0xc310, 8, 0x0102030405060708ull), WR(0xc320, 4, 0x05060708),
		WR(0xc328, 4, 0x80000001), WR(0xc010, 8, 0xfffffffffffffffdull),
		WR(0xc0f8, 4, 0x05060708),
		RD(0xc430, 4, 0x8000cafe), V(0x8000cafe), V(0) } },
	{ "movzx_movsx", MP_CODE(movzx_movsx), MP_ALL & ~MP_LONG, 0, {
		RD(0xc060, 1, 0x80), V(0x80),
		RD(0xc061, 1, 0x80), V(0xffffff80),
		RD(0xc062, 2, 0x8001), V(0x8001),
		RD(0xc064, 2, 0x8001), V(0xffff8001),
		RD(0xc066, 1, 0xfe), V(0x1234fffe) } },
	{ "movzx_movsx64", MP_CODE(movzx_movsx), MP_LONG, 0, {
		RD(0xc060, 1, 0x80), V(0x80),
		RD(0xc061, 1, 0x80), V(0xffffff80),
		RD(0xc062, 2, 0x8001), V(0x8001),
		RD(0xc064, 2, 0x8001), V(0xffff8001),
		RD(0xc066, 1, 0xfe), V(0x1234fffe),
		RD(0xc068, 4, 0x80000000), V(0x80000000), V(0xffffffff),
		RD(0xc06c, 1, 0xc3), V(0xc3) } },
	{ "mov_sreg_store_real", MP_CODE(mov_sreg_store), MP_REAL, 0, {
		WR(0xc070, 2, 0x1234) } },
	{ "mov_sreg_store", MP_CODE(mov_sreg_store), MP_NOREAL, 0, {
		WR(0xc070, 2, KT_RAW_SEL_DATA32) } },
	{ "mov_sreg_load_real", MP_CODE(mov_sreg_load), MP_REAL, 0, {
		RD(0xc076, 2, 0), V(0), RD(0xc072, 2, 0x0c00), V(0x0c00), WR(0xc080, 1, 0x66) } },
	{ "mov_sreg_load", MP_CODE(mov_sreg_load), MP_NOREAL, 0, {
		RD(0xc076, 2, KT_RAW_SEL_DATA32), V(KT_RAW_SEL_DATA32),
		RD(0xc072, 2, KT_RAW_SEL_DATA32), V(KT_RAW_SEL_DATA32), WR(0xc080, 1, 0x66) } },
	{ "mov_sreg_load_prot16", MP_CODE(mov_sreg_load), MP_PROT16, 0, {
		/* the 16-bit text stores through ES:0x80, RAM with the flat selector */
		RD(0xc076, 2, KT_RAW_SEL_DATA16), V(KT_RAW_SEL_DATA16),
		RD(0xc072, 2, KT_RAW_SEL_DATA16), V(KT_RAW_SEL_DATA16) } },
	{ "mov_sreg_load_beyond_gdt", MP_CODE(mov_sreg_load_gp), MP_NOREAL | MP_PROT16, 0, {
		RD(0xc074, 2, 0x43), EXC_GP(0x40, 0, 0) } },
	{ "mov_sreg_load_rpl_above_dpl", MP_CODE(mov_sreg_load_gp), MP_NOREAL | MP_PROT16, 0, {
		RD(0xc074, 2, KT_RAW_SEL_DATA32 | 3),
		/*
		 * The SDM and the APM: #GP(selector) when RPL or CPL exceeds the DPL
		 * of a data segment.  Linux 6.1 faults only when both do, and loads.
		 */
		ONLY_N(MP_OURS, 4, EXC_GP(KT_RAW_SEL_DATA32, 0, 0)),
		ONLY(MP_LINUX, V(KT_RAW_SEL_DATA32 | 3)) } },
	{ "mov_sreg_load_null", MP_CODE(mov_sreg_load_gp), MP_NOREAL | MP_PROT16, 0, {
		RD(0xc074, 2, 0x0002), V(0x0002) } },
	{ "segment_overrides_real", MP_CODE(seg_real), MP_REAL, 0, {
		RD(0xc010, 4, 0x44332211), V(0x44332211),
		WR(0xc024, 1, 0x5a),
		RD(0xc000, 2, 0x4433), V(0x44332211),
		RD(0xc040, 1, 0xa1), WR(0xc030, 1, 0xa1), RD(0xc041, 1, 0xa2),
		WR(0xc031, 1, 0xa2), V(0x32) } },
	{ "fs_gs_bases_long", MP_CODE(seg_long), MP_LONG, 0, {
		RD(0xc010, 4, 0x01020304), V(0x01020304),
		WR(0xc118, 8, ~0ull),
		RD(0xc120, 4, 0x0a0b0c0d), V(0x0a0b0c0d) } },
	{ "above_4g", MP_CODE(high), MP_LONG, MPF_HIGH, {
		RD(0x100000010ull, 4, 0x76543210), WR(0x100000018ull, 8, ~0ull),
		V(0x76543210) } },
	{ "read_only_slot", MP_CODE(rom), MP_ALL, MPF_ROM, {
		V(0x13121110), WR(0xf010, 4, 0x13121111), V(0x13121110),
		WR(0xf020, 1, 0x77), WR(0xf060, 1, 0x99), V(0x60),
		WR(0xc500, 1, 0x40), WR(0xc501, 1, 0x41),
		WR(0xf050, 2, 0xabcd), WR(0xf052, 2, 0xabcd) } },
	{ "movnti", MP_CODE(movnti), MP_ALL & ~MP_LONG, 0, {
		WR(0xc800, 4, 0x13579bdf) } },
	{ "movnti64", MP_CODE(movnti), MP_LONG, 0, {
		WR(0xc800, 4, 0x13579bdf), WR(0xc808, 8, 0x0011223344556677ull) } },
};

static const struct mmio_payload alu_table[] = {
	{ "add", MP_CODE(alu_add), MP_ALL, 0, {
		RD(0xc200, 4, 0xffffffff), WR(0xc200, 4, 0), FL(1, 1, 1, 1, 0, 0),
		RD(0xc204, 1, 0x10), FL(0, 0, 0, 0, 1, 1), V(0x80),
		RD(0xc206, 1, 0x01), WR(0xc206, 1, 0x80), FL(0, 0, 1, 0, 1, 1),
		RD(0xc208, 2, 0x8000), WR(0xc208, 2, 0x7fff), FL(1, 1, 0, 0, 0, 1) } },
	{ "or_and_xor", MP_CODE(alu_logic), MP_ALL, 0, {
		RD(0xc210, 1, 0x01), WR(0xc210, 1, 0x81), FL_NOAF(0, 1, 0, 1, 0),
		RD(0xc212, 2, 0x1234), WR(0xc212, 2, 0x1204), FL_NOAF(0, 0, 0, 0, 0),
		RD(0xc214, 4, 0xffffffff), WR(0xc214, 4, 0), FL_NOAF(0, 1, 1, 0, 0),
		RD(0xc218, 4, 0x0000ffff), FL_NOAF(0, 1, 0, 1, 0), V(0xffff0000),
		RD(0xc21c, 1, 0xf0), RD(0xc21d, 1, 0x3c), V(0x3c) } },
	{ "adc_sbb", MP_CODE(alu_adc_sbb), MP_ALL, 0, {
		RD(0xc220, 4, 0x7ffffffe), WR(0xc220, 4, 0x80000000), FL(0, 1, 1, 0, 1, 1),
		RD(0xc224, 4, 0), WR(0xc224, 4, 0xffffffff), FL(1, 1, 1, 0, 1, 0),
		RD(0xc228, 1, 0x0f), FL(0, 1, 1, 1, 0, 0), V(0) } },
	{ "sub_cmp_test", MP_CODE(alu_sub_cmp_test), MP_ALL, 0, {
		RD(0xc230, 4, 7), FL(1, 0, 1, 0, 1, 0), V(0xfffffffe),
		RD(0xc234, 4, 5), FL(0, 1, 0, 1, 0, 0),
		RD(0xc238, 1, 0x80), FL(1, 1, 0, 0, 1, 1),
		RD(0xc23c, 1, 0x7f), FL_NOAF(0, 1, 1, 0, 0),
		RD(0xc23e, 2, 0x8000), WR(0xc23e, 2, 0x7fff), FL(0, 1, 1, 0, 0, 1),
		RD(0xc240, 4, 0xff000000), FL_NOAF(0, 1, 1, 0, 0),
		RD(0xc244, 2, 0x00ff), FL(0, 1, 0, 1, 0, 0) } },
	{ "alu64", MP_CODE(alu64), MP_LONG, 0, {
		RD(0xc248, 8, ~0ull), WR(0xc248, 8, 0), FL(1, 1, 1, 1, 0, 0),
		RD(0xc250, 8, ~0ull), FL(0, 1, 0, 1, 0, 0),
		RD(0xc258, 8, 0), WR(0xc258, 8, ~0ull), FL(1, 1, 1, 0, 1, 0) } },
	{ "lock", MP_CODE(alu_lock), MP_ALL, 0, {
		RD(0xc260, 4, 0x0fffffff), WR(0xc260, 4, 0x10000000), FL(0, 1, 1, 0, 0, 0),
		RD(0xc264, 2, 0x0001), WR(0xc264, 2, 0x0101), FL_NOAF(0, 0, 0, 0, 0),
		RD(0xc266, 1, 0xf0), WR(0xc266, 1, 0x00), FL_NOAF(0, 1, 1, 0, 0),
		RD(0xc268, 4, 1), WR(0xc268, 4, 0xffffffff), FL(1, 1, 1, 0, 1, 0) } },
	{ "inc_dec_neg_not", MP_CODE(incdec), MP_ALL, 0, {
		RD(0xc300, 4, 0x7fffffff), WR(0xc300, 4, 0x80000000), FL(1, 1, 1, 0, 1, 1),
		RD(0xc304, 2, 0), WR(0xc304, 2, 0xffff), FL(0, 1, 1, 0, 1, 0),
		RD(0xc306, 1, 1), WR(0xc306, 1, 0xff), FL(1, 1, 1, 0, 1, 0),
		RD(0xc308, 4, 0x0f0f0f0f), WR(0xc308, 4, 0xf0f0f0f0), FL(1, 1, 1, 0, 1, 0),
		RD(0xc30c, 4, 1), WR(0xc30c, 4, 0), FL(1, 1, 0, 1, 0, 0),
		RD(0xc310, 2, 0x00ff), WR(0xc310, 2, 0xff00),
		RD(0xc314, 4, 0x80000000), WR(0xc314, 4, 0x80000000), FL(1, 1, 0, 0, 1, 1) } },
	{ "xchg", MP_CODE(xchg), MP_ALL, 0, {
		RD(0xc400, 4, 0x22222222), WR(0xc400, 4, 0x11111111), V(0x22222222),
		RD(0xc404, 1, 0x44), WR(0xc404, 1, 0x33), V(0x44),
		RD(0xc406, 2, 0x5555), WR(0xc406, 2, 0), V(0x5555) } },
	{ "cmpxchg", MP_CODE(cmpxchg), MP_ALL, 0, {
		RD(0xc410, 4, 5), WR(0xc410, 4, 9), FL(0, 1, 0, 1, 0, 0), V(5),
		/* A failed compare writes the old value back (SDM, CMPXCHG). */
		RD(0xc414, 4, 7), WR(0xc414, 4, 7), FL(1, 0, 1, 0, 1, 0), V(7),
		RD(0xc418, 1, 0x12), WR(0xc418, 1, 0x34), FL(0, 1, 0, 1, 0, 0),
		RD(0xc41a, 2, 0x1233), WR(0xc41a, 2, 0x1233), FL(0, 0, 0, 0, 0, 0),
		V(0x1233) } },
	{ "cmpxchg8b", MP_CODE(cmpxchg8b), MP_ALL, 0, {
		RD(0xc420, 8, 5), WR(0xc420, 8, 0x2222222211111111ull), FL_ZF(1), V(5),
		/* different: EDX:EAX loaded, the old value written back */
		RD(0xc428, 8, 0x0000000700000006ull), WR(0xc428, 8, 0x0000000700000006ull),
		FL_ZF(0), V(6), V(7) } },
	{ "xadd", MP_CODE(xadd), MP_ALL, 0, {
		RD(0xc480, 4, 10), WR(0xc480, 4, 15), FL(0, 1, 0, 0, 0, 0), V(10),
		RD(0xc484, 1, 0x80), WR(0xc484, 1, 0), FL(1, 1, 0, 1, 0, 1), V(0x80) } },
	{ "cmovcc", MP_CODE(cmov), MP_ALL & ~MP_LONG, 0, {
		RD(0xc490, 4, 0xdead), V(0x12345678),
		RD(0xc494, 4, 0xbeef), V(0xbeef),
		RD(0xc498, 2, 0x2222), V(0x2222) } },
	{ "cmovcc64", MP_CODE(cmov), MP_LONG, 0, {
		RD(0xc490, 4, 0xdead), V(0x12345678),
		RD(0xc494, 4, 0xbeef), V(0xbeef),
		RD(0xc498, 2, 0x2222), V(0x2222),
		RD(0xc49c, 4, 0x5555), V(0) } },
	{ "bt_bts_btr_btc", MP_CODE(bt), MP_ALL, 0, {
		RD(0xc500, 4, 8), FL_CF(1),
		RD(0xc504, 4, 0), WR(0xc504, 4, 8), FL_CF(0),
		/* register offsets select the operand-sized unit holding the bit */
		RD(0xc51c, 4, 0x10), FL_CF(1),
		RD(0xc53c, 4, 0x80000000), WR(0xc53c, 4, 0), FL_CF(1),
		RD(0xc552, 2, 0), WR(0xc552, 2, 2), FL_CF(0),
		RD(0xc560, 4, 0x20), WR(0xc560, 4, 0x20), FL_CF(1),
		RD(0xc564, 2, 0x8001), WR(0xc564, 2, 0x0001), FL_CF(1) } },
	{ "bt64", MP_CODE(bt64), MP_LONG, 0, {
		RD(0xc578, 8, 0), WR(0xc578, 8, 0x20), FL_CF(0),
		RD(0xc590, 8, 1ull << 63), FL_CF(1) } },
	{ "setcc", MP_CODE(setcc), MP_ALL, 0, {
		WR(0xc600, 1, 1), WR(0xc601, 1, 1), WR(0xc602, 1, 0), WR(0xc603, 1, 0),
		WR(0xc604, 1, 1), WR(0xc605, 1, 0), WR(0xc606, 1, 1) } },
	{ "push_pop", MP_CODE(pushpop32), MP_ALL & ~MP_LONG, 0, {
		RD(0xc700, 4, 0xfeedface), V(0xfeedface),
		WR(0xc704, 4, 0x5a5aa5a5), V(KT_RAW_STACK),
		RD(0xc708, 2, 0x1234), WR(0xc70a, 2, 0x1234), V(KT_RAW_STACK) } },
	{ "push_pop64", MP_CODE(pushpop64), MP_LONG, 0, {
		RD(0xc710, 8, 0x0123456789abcdefull), V(0x89abcdef), V(0x01234567),
		WR(0xc718, 8, 0xfffffffffffffffeull), V(KT_RAW_STACK),
		RD(0xc708, 2, 0x1234), WR(0xc70a, 2, 0x1234), V(KT_RAW_STACK) } },
};

/* ---- Interrupt shadow after an emulated instruction ------------------------ */

MP_PAYLOAD(shadow_mov_ss,
	"mov 0xc076, %ss\n"
	"nop\n");

MP_PAYLOAD(shadow_sti,
	"sti\n"
	"mov 0xc000, %eax\n"
	"nop\n");

/*
 * Complete the MMIO read the payload stopped at with immediate_exit set, so that
 * KVM_RUN finishes the instruction and returns at once; then the interrupt shadow
 * (KVM_GET_VCPU_EVENTS) must be want_shadow and RIP past the instruction.
 */
static void shadow_case(const uint8_t *code, const uint8_t *end, enum kt_cpu_mode mode,
			uint64_t gpa, uint16_t data, uint64_t rip_after, bool want_shadow)
{
	/* mp_vm_create() takes [c16, c32) in real mode, [c32, c64) in 32-bit modes */
	struct mmio_payload p = {
		.name = "shadow",
		.code = { code, mode == KT_MODE_REAL ? end : code, end, end },
	};
	struct kvm_vcpu_events ev;
	struct kvm_regs regs;
	struct kt_raw_vm r;
	struct kvm_run *run;
	int ret;

	mp_vm_create(&r, &p, mode);
	run = r.vcpu->run;
	kt_vcpu_run_ok(r.vcpu);
	if (run->exit_reason != KVM_EXIT_MMIO)
		kt_dump_exit(r.vcpu);
	KT_ASSERT(run->exit_reason == KVM_EXIT_MMIO && run->mmio.phys_addr == gpa &&
		  !run->mmio.is_write, "%s: expected a read of 0x%lx", kt_mode_name(mode), gpa);
	memcpy(run->mmio.data, &data, 2);
	run->immediate_exit = 1;
	ret = kt_vcpu_run(r.vcpu);
	KT_ASSERT(ret == -1 && errno == EINTR, "KVM_RUN with immediate_exit: %d", ret);
	run->immediate_exit = 0;
	kt_get_regs(r.vcpu, &regs);
	KT_ASSERT_OK(ioctl(r.vcpu->fd, KVM_GET_VCPU_EVENTS, &ev));
	KT_CHECK(regs.rip == rip_after, "%s: rip 0x%llx, want 0x%lx", kt_mode_name(mode),
		 (unsigned long long)regs.rip, rip_after);
	KT_CHECK(!!ev.interrupt.shadow == want_shadow, "%s: interrupt shadow 0x%x, want %s",
		 kt_mode_name(mode), ev.interrupt.shadow, want_shadow ? "set" : "clear");
	kt_vcpu_run_ok(r.vcpu);
	KT_CHECK(run->exit_reason == KVM_EXIT_HLT, "%s: no hlt at the end (%s)",
		 kt_mode_name(mode), kt_exit_name(run->exit_reason));
	kt_raw_free(&r);
}

static void test_interrupt_shadow(void)
{
	/* mov 0xc076, %ss: 8e 16 76 c0 (16-bit), 8e 15 76 c0 00 00 (32-bit) */
	shadow_case(shadow_mov_ss_16, shadow_mov_ss_32, KT_MODE_REAL, 0xc076, 0,
		    KT_RAW_CODE + 4, true);
	shadow_case(shadow_mov_ss_32, shadow_mov_ss_64, KT_MODE_PROT32, 0xc076,
		    KT_RAW_SEL_DATA32, KT_RAW_CODE + 6, true);
	/* sti; mov 0xc000, %eax (a1 00 c0 00 00): the STI shadow ends with the mov */
	shadow_case(shadow_sti_32, shadow_sti_64, KT_MODE_PROT32, 0xc000, 0, KT_RAW_CODE + 6,
		    false);
}

static void test_mov(void)
{
	mp_run_table(mov_table, KTEST_NCASES(mov_table));
}

static void test_alu(void)
{
	mp_run_table(alu_table, KTEST_NCASES(alu_table));
}

static const struct ktest_case cases[] = {
	{ "mov_movzx_movsx_sreg_movnti", test_mov },
	{ "alu_incdec_xchg_cmpxchg_bt_setcc_pushpop", test_alu },
	{ "interrupt_shadow_after_emulation", test_interrupt_shadow },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
