// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-instruction tables with expected results, in every mode, and the paths the
 * differential test cannot reach: device memory with userspace exits and resumption,
 * split accesses, faults with their error codes, I/O permission checks, VEX forms.
 */
#include <stdio.h>
#include <stdlib.h>
#include "ut.h"
#include "vcpu.h"

#define MMIO	0xfee00000ull	/* outside RAM: device memory in the fake vCPU */

static u8 ram[0x20000];

static unsigned int hex(const char *s, u8 *out)
{
	unsigned int n = 0;

	while (*s && n < 16) {
		if (*s == ' ') {
			s++;
			continue;
		}
		out[n++] = (u8)strtoul((char[]){ s[0], s[1], 0 }, NULL, 16);
		s += 2;
	}
	return n;
}

static enum emu_status run(struct tv_vcpu *v, const char *h, unsigned int *nexits)
{
	u8 b[16];
	unsigned int n = hex(h, b);

	return tv_run(v, b, n, nexits);
}

static void setup(struct tv_vcpu *v, int mode)
{
	memset(ram, 0, sizeof(ram));
	switch (mode) {
	case 64: tv_init64(v, ram, 0, sizeof(ram)); break;
	case 32: tv_init32(v, ram, 0, sizeof(ram)); break;
	case 16: tv_init16(v, ram, 0, sizeof(ram)); break;
	default: tv_init_real(v, ram, 0, sizeof(ram)); break;
	}
	v->rip = 0x100;
}

static u64 rd(u64 a, unsigned int n)
{
	u64 v = 0;

	memcpy(&v, ram + a, n);
	return v;
}

static void wr(u64 a, u64 v, unsigned int n)
{
	memcpy(ram + a, &v, n);
}

/* ---- a table of simple cases: one instruction, registers in, registers out ---- */

struct rcase {
	const char *what;
	int mode;
	const char *hex;
	u64 rax, rbx, rcx, flags;
	u64 mem_at, mem_in;
	u64 want_rax, want_rbx, want_mem;
	u64 want_flags, flags_mask;
	unsigned int len;
};

static const struct rcase rcases[] = {
	{ "add eax, ebx", 64, "01 d8", 1, 0xffffffff, 0, 2, 0, 0, 0, 0xffffffff, 0,
	  0x55, 0x8d5, 2 },
	{ "add al, bl overflow", 64, "00 d8", 0x7f, 1, 0, 2, 0, 0, 0x80, 1, 0, 0x890, 0x8d5, 2 },
	{ "sub rax, rbx borrow", 64, "48 29 d8", 0, 1, 0, 2, 0, 0, ~0ull, 1, 0, 0x95, 0x8d5, 3 },
	{ "adc with CF", 64, "11 d8", 1, 1, 0, 3, 0, 0, 3, 1, 0, 0x4, 0x8d5, 2 },
	{ "sbb with CF", 64, "19 d8", 5, 2, 0, 3, 0, 0, 2, 2, 0, 0x0, 0x8d5, 2 },
	{ "xor clears CF/OF", 64, "31 c0", 5, 0, 0, 0x803, 0, 0, 0, 0, 0, 0x44, 0x8c5, 2 },
	{ "neg 0 clears CF", 64, "f7 d8", 0, 0, 0, 3, 0, 0, 0, 0, 0, 0x44, 0x8d5, 2 },
	{ "neg INT_MIN sets OF", 64, "f7 d8", 0x80000000, 0, 0, 2, 0, 0, 0x80000000, 0, 0,
	  0x885, 0x8c5, 2 },
	{ "inc keeps CF", 64, "ff c0", 0xffffffff, 0, 0, 3, 0, 0, 0, 0, 0, 0x55, 0x8d5, 2 },
	{ "dec to -1", 64, "48 ff c8", 0, 0, 0, 2, 0, 0, ~0ull, 0, 0, 0x94, 0x8d5, 3 },
	{ "not mem16", 64, "66 f7 13", 0, 0x1000, 0, 2, 0x1000, 0x00ff, 0, 0x1000, 0xff00, 2,
	  0x8d5, 3 },
	{ "mov ah, [rbx]", 64, "8a 23", 0x1111, 0x1000, 0, 2, 0x1000, 0x77, 0x7711, 0x1000,
	  0x77, 2, 0, 2 },
	{ "REX: mov spl-class (sil) byte", 64, "40 8a 33", 0, 0x1000, 0, 2, 0x1000, 0x77, 0,
	  0x1000, 0x77, 2, 0, 3 },
	{ "movzx eax, byte [rbx]", 64, "0f b6 03", ~0ull, 0x1000, 0, 2, 0x1000, 0x80, 0x80,
	  0x1000, 0x80, 2, 0, 3 },
	{ "movsx rax, word [rbx]", 64, "48 0f bf 03", 0, 0x1000, 0, 2, 0x1000, 0x8000,
	  0xffffffffffff8000ull, 0x1000, 0x8000, 2, 0, 4 },
	{ "movsxd rax, [rbx]", 64, "48 63 03", 0, 0x1000, 0, 2, 0x1000, 0x80000000,
	  0xffffffff80000000ull, 0x1000, 0x80000000, 2, 0, 3 },
	{ "mov [rbx], eax zero-extends nothing", 64, "89 03", 0x1122334455667788ull, 0x1000,
	  0, 2, 0x1000, ~0ull, 0x1122334455667788ull, 0x1000, 0xffffffff55667788ull, 2, 0, 2 },
	{ "mov eax, [rbx] zero-extends rax", 64, "8b 03", ~0ull, 0x1000, 0, 2, 0x1000, 5, 5,
	  0x1000, 5, 2, 0, 2 },
	{ "bts [rbx], rax (bit 70)", 64, "48 0f ab 03", 70, 0x1000, 0, 2, 0x1008, 0, 70, 0x1000,
	  0x40, 2, 1, 4 },
	{ "btr [rbx], rax (bit -1)", 64, "48 0f b3 03", ~0ull, 0x1008, 0, 2, 0x1000, ~0ull, ~0ull,
	  0x1008, 0x7fffffffffffffffull, 3, 1, 4 },
	{ "bt eax, 33 (imm mod 32)", 64, "0f ba e0 21", 2, 0, 0, 2, 0, 0, 2, 0, 0, 3, 1, 4 },
	{ "setnz [rbx]", 64, "0f 95 03", 0, 0x1000, 0, 2, 0x1000, 0xff, 0, 0x1000, 1, 2, 0, 3 },
	{ "cmpxchg [rbx], ecx equal", 64, "0f b1 0b", 7, 0x1000, 9, 2, 0x1000, 7, 7, 0x1000, 9,
	  0x46, 0x40, 3 },
	{ "lock cmpxchg [rbx], ecx differ", 64, "f0 0f b1 0b", 7, 0x1000, 9, 2, 0x1000, 8, 8,
	  0x1000, 8, 0, 0x40, 4 },
	{ "xchg [rbx], eax", 64, "87 03", 1, 0x1000, 0, 2, 0x1000, 2, 2, 0x1000, 1, 2, 0, 2 },
	{ "32-bit: mov eax, [ebx+ecx*4+8]", 32, "8b 44 8b 08", 0, 0x1000, 2, 2, 0x1010, 0xabcd,
	  0xabcd, 0x1000, 0xabcd, 2, 0, 4 },
	{ "32-bit: 16-bit op add ax, [ebx]", 32, "66 03 03", 0x12340001, 0x1000, 0, 2, 0x1000,
	  0xffff, 0x12340000, 0x1000, 0xffff, 0x55, 0x8d5, 3 },
	{ "16-bit: mov ax, [bx+si]", 16, "8b 00", 0, 0x1000, 0, 2, 0x1000, 0x4242, 0x4242,
	  0x1000, 0x4242, 2, 0, 2 },
	{ "16-bit: 32-bit op mov eax, [bx]", 16, "66 8b 07", 0, 0x1000, 0, 2, 0x1000,
	  0x11223344, 0x11223344, 0x1000, 0x11223344, 2, 0, 3 },
	{ "real: mov [bx+2], al", 0, "88 47 02", 0x99, 0x1000, 0, 2, 0x1000, 0, 0x99, 0x1000,
	  0x990000, 2, 0, 3 },
	{ "real: add word [disp16], 1", 0, "83 06 00 10 01", 0, 0, 0, 2, 0x1000, 0xffff, 0, 0,
	  0, 0x55, 0x8d5, 5 },
	{ "moffs64 load", 64, "48 a1 00 10 00 00 00 00 00 00", 0, 0, 0, 2, 0x1000, 0x1234,
	  0x1234, 0, 0x1234, 2, 0, 10 },
	{ "moffs store al (67)", 64, "67 a2 00 10 00 00", 0x5a, 0, 0, 2, 0x1000, 0, 0x5a, 0,
	  0x5a, 2, 0, 6 },
	{ "test [rbx], imm8", 64, "f6 03 80", 0, 0x1000, 0, 0x803, 0x1000, 0x80, 0, 0x1000,
	  0x80, 0x82, 0x8c5, 3 },
};

static void table(void)
{
	struct tv_vcpu v;
	unsigned int i;
	enum emu_status st;

	for (i = 0; i < PURE_ARRAY_SIZE(rcases); i++) {
		const struct rcase *c = &rcases[i];

		setup(&v, c->mode);
		v.gpr[EMU_RAX] = c->rax;
		v.gpr[EMU_RBX] = c->rbx;
		v.gpr[EMU_RCX] = c->rcx;
		v.gpr[EMU_RSI] = c->mode == 16 ? 0 : 0;
		v.rflags = c->flags;
		if (c->mem_at)
			wr(c->mem_at, c->mem_in, 8);
		st = run(&v, c->hex, NULL);
		UT_CHECK(st == EMU_DONE && v.gpr[EMU_RAX] == c->want_rax &&
			 v.gpr[EMU_RBX] == c->want_rbx &&
			 (!c->mem_at || rd(c->mem_at, 8) == c->want_mem) &&
			 (v.rflags & c->flags_mask) == (c->want_flags & c->flags_mask) &&
			 v.rip == 0x100 + c->len,
			 "%s: st %d rax %llx rbx %llx mem %llx flags %llx rip +%llu", c->what, st,
			 (unsigned long long)v.gpr[EMU_RAX], (unsigned long long)v.gpr[EMU_RBX],
			 (unsigned long long)rd(c->mem_at, 8), (unsigned long long)v.rflags,
			 (unsigned long long)(v.rip - 0x100));
	}
}

/* ---- device memory: exits, resumption, splitting ---- */

static void mmio(void)
{
	struct tv_vcpu v;
	enum emu_status st;
	unsigned int n, i;
	u8 data[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };

	/* A read that userspace answers: exit, complete, resume, done. */
	setup(&v, 64);
	v.mmio_user = true;
	v.gpr[EMU_RBX] = MMIO + 0x10;
	st = emu_run(&v.ctxt, (const u8 *)"\x8b\x03", 2);		/* mov eax, [rbx] */
	UT_CHECK(st == EMU_EXIT_USER && !v.ctxt.exit.write && !v.ctxt.exit.pio &&
		 v.ctxt.exit.addr == MMIO + 0x10 && v.ctxt.exit.len == 4 && v.rip == 0x100,
		 "mmio read exits to userspace, nothing committed yet");
	emu_complete_read(&v.ctxt, data, 4);
	st = emu_resume(&v.ctxt);
	UT_CHECK(st == EMU_DONE && v.gpr[EMU_RAX] == 0x44332211 && v.rip == 0x102,
		 "resume completes the read: rax %llx", (unsigned long long)v.gpr[EMU_RAX]);

	/* A write: the instruction commits, the data goes out with the exit. */
	setup(&v, 64);
	v.mmio_user = true;
	v.gpr[EMU_RBX] = MMIO;
	v.gpr[EMU_RAX] = 0xdeadbeefcafef00dull;
	st = emu_run(&v.ctxt, (const u8 *)"\x48\x89\x03", 3);
	UT_CHECK(st == EMU_EXIT_USER && v.ctxt.exit.write && v.ctxt.exit.len == 8 &&
		 !memcmp(v.ctxt.exit.data, &v.gpr[EMU_RAX], 8) && v.rip == 0x103,
		 "mmio write exits with its data after commit");
	st = emu_resume(&v.ctxt);
	UT_CHECK(st == EMU_DONE, "write resume finishes");

	/* 16-byte load from MMIO: two 8-byte exits. */
	setup(&v, 64);
	v.mmio_user = true;
	v.gpr[EMU_RBX] = MMIO + 0x40;
	for (i = 0; i < 16; i++)
		v.mmio_mem[0x40 + i] = (u8)(i + 1);
	st = run(&v, "f3 0f 6f 03", &n);				/* movdqu xmm0, [rbx] */
	UT_CHECK(st == EMU_DONE && n == 2 && v.vec[0][0] == 1 && v.vec[0][15] == 16 &&
		 v.log[0].len == 8 && v.log[1].addr == MMIO + 0x48,
		 "16-byte MMIO load split into 2 exits of 8 (%u exits)", n);

	/* 32-byte VEX store: four 8-byte writes, each its own exit. */
	setup(&v, 64);
	v.mmio_user = true;
	v.gpr[EMU_RBX] = MMIO + 0x80;
	for (i = 0; i < 32; i++)
		v.vec[1][i] = (u8)(0xa0 + i);
	st = run(&v, "c5 fe 7f 0b", &n);				/* vmovdqu [rbx], ymm1 */
	UT_CHECK(st == EMU_DONE && n == 4 && v.mmio_mem[0x80] == 0xa0 &&
		 v.mmio_mem[0x9f] == 0xbf, "32-byte VEX MMIO store in 4 exits (%u)", n);

	/* An access crossing from RAM into device memory splits at the page boundary. */
	setup(&v, 64);
	v.ram_size = 0x2000;		/* gpa 0x2000.. is now device memory */
	v.mmio_user = true;
	v.gpr[EMU_RBX] = 0x1ffe;
	wr(0x1ffe, 0xbbaa, 2);
	v.mmio_mem[0] = 0xcc;
	v.mmio_mem[1] = 0xdd;
	st = run(&v, "8b 03", &n);
	UT_CHECK(st == EMU_DONE && n == 1 && v.gpr[EMU_RAX] == 0xddccbbaa &&
		 v.log[0].addr == 0x2000 && v.log[0].len == 2,
		 "RAM/MMIO page-crossing read: one exit of 2 bytes, rax %llx",
		 (unsigned long long)v.gpr[EMU_RAX]);

	/* CMPXCHG that fails on device memory: the old value is written back (SDM). */
	setup(&v, 64);
	v.mmio_user = true;
	v.gpr[EMU_RBX] = MMIO + 0x60;
	v.gpr[EMU_RAX] = 5;
	v.gpr[EMU_RCX] = 9;
	v.mmio_mem[0x60] = 7;
	st = run(&v, "0f b1 0b", &n);				/* cmpxchg [rbx], ecx */
	UT_CHECK(st == EMU_DONE && n == 2 && !v.log[0].write && v.log[1].write &&
		 v.log[1].addr == MMIO + 0x60 && v.log[1].len == 4 && v.log[1].data == 7 &&
		 v.gpr[EMU_RAX] == 7 && !(v.rflags & 0x40) && v.rip == 0x103,
		 "failed cmpxchg on MMIO: read, then write-back of the old value (%u exits)", n);
	setup(&v, 64);
	v.mmio_user = true;
	v.gpr[EMU_RBX] = MMIO + 0x60;
	v.gpr[EMU_RAX] = 7;
	v.gpr[EMU_RCX] = 9;
	v.mmio_mem[0x60] = 7;
	st = run(&v, "f0 0f b1 0b", &n);			/* lock cmpxchg [rbx], ecx */
	UT_CHECK(st == EMU_DONE && n == 2 && v.log[1].write && v.log[1].data == 9 &&
		 (v.rflags & 0x40), "successful lock cmpxchg on MMIO: read, write of the source");

	/* CMPXCHG8B on device memory: read, then write (the new value or the old one). */
	setup(&v, 64);
	v.mmio_user = true;
	v.gpr[EMU_RSI] = MMIO + 0x68;
	v.gpr[EMU_RAX] = 0xffffffff00000005ull;
	v.gpr[EMU_RDX] = 0;
	v.gpr[EMU_RBX] = 0x11111111;
	v.gpr[EMU_RCX] = 0x22222222;
	memcpy(v.mmio_mem + 0x68, "\x05\0\0\0\0\0\0\0", 8);
	st = run(&v, "0f c7 0e", &n);				/* cmpxchg8b [rsi] */
	UT_CHECK(st == EMU_DONE && n == 2 && v.log[1].write && v.log[1].len == 8 &&
		 v.log[1].data == 0x2222222211111111ull && (v.rflags & 0x40) &&
		 v.gpr[EMU_RAX] == 0xffffffff00000005ull && v.rip == 0x103,
		 "cmpxchg8b equal on MMIO: stores ECX:EBX (%u exits)", n);
	setup(&v, 64);
	v.mmio_user = true;
	v.gpr[EMU_RSI] = MMIO + 0x68;
	v.gpr[EMU_RAX] = 0xffffffff00000005ull;
	v.gpr[EMU_RDX] = 0xffffffff00000000ull;
	v.rflags |= 0x41;
	memcpy(v.mmio_mem + 0x68, "\x06\0\0\0\x07\0\0\0", 8);
	st = run(&v, "f0 0f c7 0e", &n);			/* lock cmpxchg8b [rsi] */
	UT_CHECK(st == EMU_DONE && n == 2 && v.log[1].write &&
		 v.log[1].data == 0x0000000700000006ull && !(v.rflags & 0x40) &&
		 (v.rflags & 1) && v.gpr[EMU_RAX] == 6 && v.gpr[EMU_RDX] == 7,
		 "cmpxchg8b different: EDX:EAX loaded, old value written back, CF kept");
	setup(&v, 64);
	st = run(&v, "48 0f c7 0e", &n);			/* cmpxchg16b [rsi] */
	UT_CHECK(st == EMU_UNHANDLED, "cmpxchg16b is not emulated");
	setup(&v, 64);
	st = run(&v, "0f c7 ce", &n);				/* register form */
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_UD, "cmpxchg8b esi: #UD");
	setup(&v, 32);
	v.gpr[EMU_RSI] = 0x1000;
	v.gpr[EMU_RAX] = 1;
	v.gpr[EMU_RBX] = 3;
	v.gpr[EMU_RCX] = 4;
	wr(0x1000, 1, 8);
	st = run(&v, "f0 0f c7 0e", &n);			/* 32-bit, RAM, locked */
	UT_CHECK(st == EMU_DONE && rd(0x1000, 8) == 0x0000000400000003ull &&
		 v.ncmpxchg == 1, "lock cmpxchg8b on RAM goes through cmpxchg_phys");

	/* In-kernel device: no exit at all. */
	setup(&v, 64);
	v.gpr[EMU_RBX] = MMIO + 4;
	v.mmio_mem[4] = 0x5a;
	st = run(&v, "8a 03", &n);
	UT_CHECK(st == EMU_DONE && n == 0 && (v.gpr[EMU_RAX] & 0xff) == 0x5a && v.nlog == 1,
		 "MMIO handled in kernel completes without exit");

	/* REP MOVSB from MMIO to RAM: one exit per element, RCX/RSI/RDI exact. */
	setup(&v, 64);
	v.mmio_user = true;
	v.gpr[EMU_RSI] = MMIO;
	v.gpr[EMU_RDI] = 0x3000;
	v.gpr[EMU_RCX] = 5;
	for (i = 0; i < 5; i++)
		v.mmio_mem[i] = (u8)(0x30 + i);
	st = run(&v, "f3 a4", &n);
	UT_CHECK(st == EMU_DONE && n == 5 && v.gpr[EMU_RCX] == 0 && v.gpr[EMU_RDI] == 0x3005 &&
		 v.gpr[EMU_RSI] == MMIO + 5 && rd(0x3000, 5) == 0x3433323130ull && v.rip == 0x102,
		 "rep movsb MMIO->RAM: %u exits, rcx %llu", n,
		 (unsigned long long)v.gpr[EMU_RCX]);

	/* REP STOSD to MMIO with DF=1. */
	setup(&v, 64);
	v.mmio_user = true;
	v.rflags |= 0x400;
	v.gpr[EMU_RDI] = MMIO + 0x20;
	v.gpr[EMU_RCX] = 3;
	v.gpr[EMU_RAX] = 0x01020304;
	st = run(&v, "f3 ab", &n);
	UT_CHECK(st == EMU_DONE && n == 3 && v.gpr[EMU_RDI] == MMIO + 0x14 &&
		 v.log[2].addr == MMIO + 0x18 && v.log[2].write,
		 "rep stosd to MMIO, DF=1: %u exits, last at %llx", n,
		 (unsigned long long)v.log[2].addr);

	/* REPE CMPSB stops at the first difference. */
	setup(&v, 64);
	memcpy(ram + 0x1000, "abcdef", 6);
	memcpy(ram + 0x2000, "abcXef", 6);
	v.gpr[EMU_RSI] = 0x1000;
	v.gpr[EMU_RDI] = 0x2000;
	v.gpr[EMU_RCX] = 6;
	st = run(&v, "f3 a6", &n);
	UT_CHECK(st == EMU_DONE && v.gpr[EMU_RCX] == 2 && v.gpr[EMU_RSI] == 0x1004 &&
		 !(v.rflags & 0x40) && v.rip == 0x102, "repe cmpsb stops after the mismatch");

	/* REP with count 0 does nothing but advance RIP. */
	setup(&v, 64);
	v.gpr[EMU_RDI] = 0x1000;
	st = run(&v, "f3 aa", &n);
	UT_CHECK(st == EMU_DONE && v.gpr[EMU_RDI] == 0x1000 && v.rip == 0x102,
		 "rep stosb with rcx=0");

	/* REP budget: the instruction is restarted (RIP stays) after the budget. */
	setup(&v, 64);
	v.ctxt.rep_budget = 4;
	v.gpr[EMU_RDI] = 0x1000;
	v.gpr[EMU_RCX] = 10;
	st = run(&v, "f3 aa", &n);
	UT_CHECK(st == EMU_DONE && v.gpr[EMU_RCX] == 6 && v.rip == 0x100,
		 "rep budget: 4 iterations, rip unchanged");

	/* A fault in iteration 3 leaves the first 2 iterations committed. */
	setup(&v, 64);
	v.gpr[EMU_RDI] = 0x1ffe;
	v.gpr[EMU_RCX] = 4;
	v.xlate_fault_at = 0x2000;
	st = run(&v, "f3 aa", &n);
	UT_CHECK(st == EMU_FAULT && v.ninjected == 1 && v.injected.vector == EMU_EXC_PF &&
		 v.injected.cr2 == 0x2000 && v.gpr[EMU_RCX] == 2 && v.gpr[EMU_RDI] == 0x2000 &&
		 v.rip == 0x100, "rep stosb #PF mid-way: rcx %llu rdi %llx",
		 (unsigned long long)v.gpr[EMU_RCX], (unsigned long long)v.gpr[EMU_RDI]);
}

/* ---- ports ---- */

static void ports(void)
{
	struct tv_vcpu v;
	enum emu_status st;
	unsigned int n;

	setup(&v, 64);
	v.pio_user = true;
	st = emu_run(&v.ctxt, (const u8 *)"\xe4\x60", 2);		/* in al, 0x60 */
	UT_CHECK(st == EMU_EXIT_USER && v.ctxt.exit.pio && v.ctxt.exit.addr == 0x60 &&
		 v.ctxt.exit.len == 1 && !v.ctxt.exit.write, "in al, 0x60 exits as port I/O");
	emu_complete_read(&v.ctxt, "\x42", 1);
	st = emu_resume(&v.ctxt);
	UT_CHECK(st == EMU_DONE && (v.gpr[EMU_RAX] & 0xff) == 0x42 && v.rip == 0x102,
		 "in completes");

	setup(&v, 64);
	v.gpr[EMU_RDX] = 0x3f8;
	v.gpr[EMU_RAX] = 0x12345678;
	st = run(&v, "ef", &n);						/* out dx, eax */
	UT_CHECK(st == EMU_DONE && v.nlog == 1 && v.log[0].pio && v.log[0].write &&
		 v.log[0].addr == 0x3f8 && v.log[0].len == 4 && v.log[0].data == 0x12345678,
		 "out dx, eax");

	setup(&v, 64);
	v.gpr[EMU_RDX] = 0x70;
	v.gpr[EMU_RDI] = 0x1000;
	v.gpr[EMU_RCX] = 3;
	st = run(&v, "f3 66 6d", &n);					/* rep insw */
	UT_CHECK(st == EMU_DONE && v.nlog == 3 && rd(0x1000, 6) == 0x707070707070ull &&
		 v.gpr[EMU_RDI] == 0x1006, "rep insw");

	/* A port in userspace: "rep ins" asks for a batch in one exit, as Linux does. */
	setup(&v, 64);
	v.pio_user = true;
	v.gpr[EMU_RDX] = 0x70;
	v.gpr[EMU_RDI] = 0x1000;
	v.gpr[EMU_RCX] = 5;
	st = run(&v, "f3 66 6d", &n);					/* rep insw */
	UT_CHECK(st == EMU_DONE && n == 1 && v.log[0].count == 5 && v.log[0].len == 2 &&
		 rd(0x1000, 8) == 0x7373727271717070ull && rd(0x1008, 2) == 0x7474 &&
		 v.gpr[EMU_RCX] == 0 && v.gpr[EMU_RDI] == 0x100a && v.rip == 0x103,
		 "rep insw from userspace: one exit of 5 elements (%u exits, count %u)", n,
		 v.log[0].count);

	/* DF=1: at most as many elements as bytes below RDI in its page (Linux's rule). */
	setup(&v, 64);
	v.pio_user = true;
	v.rflags |= 0x400;
	v.gpr[EMU_RDX] = 0x70;
	v.gpr[EMU_RDI] = 0x1004;
	v.gpr[EMU_RCX] = 8;
	st = run(&v, "f3 6c", &n);					/* std; rep insb */
	UT_CHECK(st == EMU_DONE && n == 3 && v.log[0].count == 4 && v.log[1].count == 1 &&
		 v.log[2].count == 3 && ram[0x1004] == 0x70 && ram[0x1001] == 0x73 &&
		 ram[0x1000] == 0x70 && ram[0xfff] == 0x70 && ram[0xffd] == 0x72 &&
		 v.gpr[EMU_RCX] == 0 && v.gpr[EMU_RDI] == 0xffc,
		 "rep insb DF=1: batches of 4, 1, 3 (%u exits)", n);

	/* The REP budget bounds the batch: nothing read ahead is ever dropped. */
	setup(&v, 64);
	v.pio_user = true;
	v.ctxt.rep_budget = 2;
	v.gpr[EMU_RDX] = 0x70;
	v.gpr[EMU_RDI] = 0x1000;
	v.gpr[EMU_RCX] = 5;
	st = run(&v, "f3 6c", &n);
	UT_CHECK(st == EMU_DONE && n == 1 && v.log[0].count == 2 && v.gpr[EMU_RCX] == 3 &&
		 ram[0x1001] == 0x71 && !ram[0x1002] && v.rip == 0x100,
		 "rep insb: budget 2, batch of 2, restarted (rcx %llu)",
		 (unsigned long long)v.gpr[EMU_RCX]);

	/* Into device memory: one port exit, then one write exit per element. */
	setup(&v, 64);
	v.pio_user = true;
	v.mmio_user = true;
	v.gpr[EMU_RDX] = 0x70;
	v.gpr[EMU_RDI] = MMIO + 0x10;
	v.gpr[EMU_RCX] = 2;
	st = run(&v, "f3 6c", &n);
	UT_CHECK(st == EMU_DONE && n == 3 && v.log[0].pio && v.log[0].count == 2 &&
		 v.log[1].write && v.log[1].addr == MMIO + 0x10 && v.log[1].data == 0x70 &&
		 v.log[2].addr == MMIO + 0x11 && v.log[2].data == 0x71,
		 "rep insb into MMIO: batch, then 2 writes (%u exits)", n);

	/* Without REP: one element. */
	setup(&v, 64);
	v.pio_user = true;
	v.gpr[EMU_RDX] = 0x70;
	v.gpr[EMU_RDI] = 0x1000;
	v.gpr[EMU_RCX] = 5;
	st = run(&v, "6c", &n);
	UT_CHECK(st == EMU_DONE && n == 1 && v.log[0].count == 1 && v.gpr[EMU_RCX] == 5,
		 "insb without REP: count 1");

	setup(&v, 64);
	v.gpr[EMU_RDX] = 0x80;
	v.gpr[EMU_RSI] = 0x1000;
	v.gpr[EMU_RCX] = 2;
	wr(0x1000, 0xbbaa, 2);
	st = run(&v, "f3 6e", &n);					/* rep outsb */
	UT_CHECK(st == EMU_DONE && v.nlog == 2 && v.log[1].data == 0xbb, "rep outsb");

	/* CPL 3 > IOPL 0: the TSS bitmap decides.  TSS at 0x8000, bitmap at +0x68. */
	setup(&v, 64);
	v.cpl = 3;
	v.seg[EMU_TR].base = 0x8000;
	v.seg[EMU_TR].limit = 0x68 + 0x2000;
	wr(0x8066, 0x68, 2);
	memset(ram + 0x8068, 0xff, 0x2000);
	ram[0x8068 + 0x60 / 8] = 0x00;			/* ports 0x60-0x67 allowed */
	st = run(&v, "e4 60", &n);
	UT_CHECK(st == EMU_DONE, "CPL3 in from a port allowed by the bitmap");
	st = run(&v, "e4 70", &n);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_GP && v.injected.error == 0,
		 "CPL3 in from a port denied by the bitmap: #GP(0)");
	v.rip = 0x100;
	v.gpr[EMU_RDX] = 0x66;
	st = run(&v, "ed", &n);				/* in eax, dx: ports 0x66..0x69 */
	UT_CHECK(st == EMU_FAULT, "4-byte access straddling into a denied port: #GP");
	v.rflags |= 3ull << 12;				/* IOPL 3 */
	st = run(&v, "e4 70", &n);
	UT_CHECK(st == EMU_DONE, "IOPL 3 allows CPL 3 without the bitmap");
	setup(&v, 64);
	v.cpl = 3;
	wr(0x66, 0x68, 2);			/* bitmap offset = limit + 1 */
	st = run(&v, "e4 70", &n);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_GP,
		 "bitmap beyond the TSS limit: #GP");
}

/* ---- faults ---- */

static void faults(void)
{
	struct tv_vcpu v;
	enum emu_status st;

	setup(&v, 64);
	v.gpr[EMU_RBX] = 0x0000800000000000ull;
	st = run(&v, "8b 03", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_GP && v.rip == 0x100,
		 "non-canonical address: #GP(0)");
	v.gpr[EMU_RBP] = 0x0000800000000000ull;
	st = run(&v, "8b 45 00", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_SS,
		 "non-canonical via rbp (SS): #SS(0)");
	v.cr4 |= 1u << 12;				/* LA57 */
	st = run(&v, "8b 45 00", NULL);
	UT_CHECK(st == EMU_DONE || st == EMU_EXIT_USER || st == EMU_FAULT,
		 "LA57: 2^47 is canonical");
	UT_CHECK(!(st == EMU_FAULT && v.injected.vector == EMU_EXC_SS), "LA57 no #SS");

	setup(&v, 64);
	v.gpr[EMU_RBX] = 0x2ffc;
	v.xlate_fault_at = 0x3000;
	v.cpl = 3;
	v.gpr[EMU_RAX] = 7;
	st = run(&v, "48 89 03", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_PF && v.injected.cr2 == 0x3000 &&
		 v.injected.error == 6 && rd(0x2ffc, 4) == 0,
		 "page-crossing write faulting on the 2nd page: #PF err 6, nothing written");

	setup(&v, 64);
	v.gpr[EMU_RBX] = 0x1000;
	st = run(&v, "f0 8b 03", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_UD, "LOCK mov: #UD");
	st = run(&v, "f0 01 d8", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_UD, "LOCK add reg,reg: #UD");
	st = run(&v, "06", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_UD, "push es in 64-bit: #UD");

	setup(&v, 64);
	v.cpl = 3;
	v.cr0 |= 1u << 18;
	v.rflags |= 1u << 18;
	v.gpr[EMU_RBX] = 0x1001;
	st = run(&v, "8b 03", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_AC,
		 "misaligned at CPL3 AC=1: #AC");
	v.cpl = 0;
	st = run(&v, "8b 03", NULL);
	UT_CHECK(st == EMU_DONE, "same at CPL0: no #AC");

	setup(&v, 64);
	v.gpr[EMU_RBX] = 0x1008;
	st = run(&v, "66 0f 6f 03", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_GP, "movdqa misaligned: #GP(0)");
	st = run(&v, "f3 0f 6f 03", NULL);
	UT_CHECK(st == EMU_DONE, "movdqu misaligned: fine");
	v.cr0 |= 8;
	st = run(&v, "f3 0f 6f 03", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_NM, "CR0.TS: #NM");
	v.cr0 &= ~8ull;
	v.cr4 &= ~(1ull << 9);
	st = run(&v, "f3 0f 6f 03", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_UD, "no CR4.OSFXSR: #UD");

	/* 32-bit segmentation: limit, expand-down, read-only, execute-only. */
	setup(&v, 32);
	v.seg[EMU_DS].limit = 0xfff;
	v.gpr[EMU_RBX] = 0xffe;
	st = run(&v, "8b 03", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_GP, "DS limit: #GP");
	v.gpr[EMU_RBX] = 0xffc;
	st = run(&v, "8b 03", NULL);
	UT_CHECK(st == EMU_DONE, "DS within limit");
	v.seg[EMU_SS].limit = 0xfff;
	v.gpr[EMU_RBP] = 0x1000;
	v.rip = 0x100;
	st = run(&v, "8b 45 00", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_SS, "SS limit: #SS");
	v.seg[EMU_ES].type = 7;			/* expand-down, writable */
	v.seg[EMU_ES].limit = 0xfff;
	v.gpr[EMU_RDI] = 0x800;
	st = run(&v, "aa", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_GP,
		 "expand-down below limit: #GP");
	v.gpr[EMU_RDI] = 0x1800;
	st = run(&v, "aa", NULL);
	UT_CHECK(st == EMU_DONE, "expand-down above limit: fine");
	v.seg[EMU_DS].type = 1;			/* read-only data */
	v.seg[EMU_DS].limit = 0xffffffff;
	st = run(&v, "89 03", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_GP, "write to read-only: #GP");
	v.seg[EMU_DS].type = 9;			/* execute-only code */
	st = run(&v, "8b 03", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_GP, "read execute-only: #GP");
	v.seg[EMU_DS].type = 11;		/* readable code */
	st = run(&v, "8b 03", NULL);
	UT_CHECK(st == EMU_DONE, "read readable code segment");
	v.seg[EMU_DS].unusable = 1;
	st = run(&v, "8b 03", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_GP, "null DS: #GP");

	setup(&v, 0);
	v.gpr[EMU_RBX] = 0xffff;
	st = run(&v, "8b 07", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_GP,
		 "real mode: word at 0xffff: #GP");
}

/* ---- the rest: segment registers, push/pop, VEX, unhandled ---- */

static void misc(void)
{
	struct tv_vcpu v;
	enum emu_status st;

	setup(&v, 0);
	v.gpr[EMU_RAX] = 0x1234;
	st = run(&v, "8e c0", NULL);					/* mov es, ax */
	UT_CHECK(st == EMU_DONE && v.seg[EMU_ES].selector == 0x1234 &&
		 v.seg[EMU_ES].base == 0x12340, "real mode mov es, ax: base = sel*16");
	st = run(&v, "8e c8", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_UD, "mov cs, ax: #UD");
	v.seg[EMU_DS].selector = 0x777;
	v.gpr[EMU_RBX] = 0x10;
	st = run(&v, "8c 1f", NULL);					/* mov [bx], ds */
	UT_CHECK(st == EMU_DONE && rd(0x10, 2) == 0x777, "mov [bx], ds");

	setup(&v, 64);
	v.gpr[EMU_RSP] = 0x2000;
	v.gpr[EMU_RBX] = 0x1000;
	wr(0x1000, 0x1122334455667788ull, 8);
	st = run(&v, "ff 33", NULL);					/* push qword [rbx] */
	UT_CHECK(st == EMU_DONE && v.gpr[EMU_RSP] == 0x1ff8 && rd(0x1ff8, 8) == rd(0x1000, 8),
		 "push qword [rbx]");
	st = run(&v, "8f 04 24", NULL);					/* pop qword [rsp] */
	UT_CHECK(st == EMU_DONE && v.gpr[EMU_RSP] == 0x2000 && rd(0x2000, 8) == rd(0x1000, 8),
		 "pop [rsp] addresses after the increment");
	setup(&v, 32);
	v.gpr[EMU_RSP] = 0x2000;
	v.gpr[EMU_RBX] = 0x1000;
	wr(0x1000, 0xaabbccdd, 4);
	st = run(&v, "ff 33", NULL);
	UT_CHECK(st == EMU_DONE && v.gpr[EMU_RSP] == 0x1ffc && rd(0x1ffc, 4) == 0xaabbccdd,
		 "32-bit push dword [ebx]");

	setup(&v, 64);
	v.gpr[EMU_RBX] = 0x1000;
	memset(v.vec[2], 0xee, 32);
	wr(0x1000, 0x0102030405060708ull, 8);
	wr(0x1008, 0x1112131415161718ull, 8);
	st = run(&v, "c5 fa 6f 13", NULL);				/* vmovdqu xmm2, [rbx] */
	UT_CHECK(st == EMU_DONE && v.vec[2][0] == 8 && v.vec[2][15] == 0x11 &&
		 v.vec[2][16] == 0 && v.vec[2][31] == 0, "VEX.128 load zeroes bits 255:128");
	memset(v.vec[2], 0xee, 32);
	st = run(&v, "f3 0f 6f 13", NULL);
	UT_CHECK(st == EMU_DONE && v.vec[2][16] == 0xee, "legacy SSE load keeps bits 255:128");
	st = run(&v, "c5 f9 6e 13", NULL);				/* vmovd xmm2, [rbx] */
	UT_CHECK(st == EMU_DONE && v.vec[2][0] == 8 && v.vec[2][4] == 0 && v.vec[2][16] == 0,
		 "vmovd xmm2, [rbx]");
	st = run(&v, "c5 fd 6e 13", NULL);				/* VEX.L=1 vmovd */
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_UD, "vmovd with VEX.L=1: #UD");
	st = run(&v, "c5 f2 6f 13", NULL);				/* vvvv != 1111 */
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_UD, "VEX.vvvv not 1111: #UD");
	v.cr4 &= ~(1ull << 18);
	st = run(&v, "c5 fa 6f 13", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_UD, "VEX without OSXSAVE: #UD");

	/* #DE from DIV and IDIV: zero divisor, quotient too large, INT_MIN / -1. */
	setup(&v, 64);
	v.gpr[EMU_RAX] = 10;
	st = run(&v, "48 f7 f3", NULL);					/* div rbx */
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_DE && v.gpr[EMU_RAX] == 10,
		 "div by zero: #DE, nothing changed");
	v.gpr[EMU_RDX] = 5;
	v.gpr[EMU_RBX] = 5;
	st = run(&v, "48 f7 f3", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_DE, "div quotient overflow: #DE");
	v.gpr[EMU_RDX] = 4;
	v.gpr[EMU_RAX] = 3;
	st = run(&v, "48 f7 f3", NULL);		/* (4 * 2^64 + 3) / 5 */
	UT_CHECK(st == EMU_DONE && v.gpr[EMU_RAX] == 0xcccccccccccccccdull &&
		 v.gpr[EMU_RDX] == 2, "128/64 div: q %llx r %llu",
		 (unsigned long long)v.gpr[EMU_RAX], (unsigned long long)v.gpr[EMU_RDX]);
	v.rip = 0x100;
	v.gpr[EMU_RAX] = 0x80000000;
	v.gpr[EMU_RDX] = 0xffffffff;
	v.gpr[EMU_RBX] = 0xffffffff;
	st = run(&v, "f7 fb", NULL);					/* idiv ebx */
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_DE, "idiv INT_MIN / -1: #DE");
	v.gpr[EMU_RAX] = 0xfff9;					/* -7 */
	v.gpr[EMU_RBX] = 2;
	st = run(&v, "f6 fb", NULL);					/* idiv bl */
	UT_CHECK(st == EMU_DONE && (v.gpr[EMU_RAX] & 0xffff) == 0xfffd,
		 "idiv bl: -7 / 2 = -3 rem -1 (ax %llx)", (unsigned long long)v.gpr[EMU_RAX]);

	setup(&v, 64);
	st = run(&v, "0f a2", NULL);					/* cpuid */
	UT_CHECK(st == EMU_UNHANDLED && v.ninjected == 0 && v.rip == 0x100,
		 "cpuid: unhandled, nothing changed");
	st = run(&v, "62 f1 fe 48 6f 00", NULL);
	UT_CHECK(st == EMU_UNHANDLED, "EVEX: unhandled, not misread");
	st = run(&v, "0f a4 c3 04", NULL);				/* shld ebx, eax, 4 */
	UT_CHECK(st == EMU_UNHANDLED, "shld: unhandled");

	/* Fetching the instruction from guest memory. */
	setup(&v, 64);
	memcpy(ram + 0x100, "\x48\x01\xd8", 3);
	v.gpr[EMU_RAX] = 1;
	v.gpr[EMU_RBX] = 2;
	st = emu_run(&v.ctxt, NULL, 0);
	UT_CHECK(st == EMU_DONE && v.gpr[EMU_RAX] == 3 && v.rip == 0x103,
		 "instruction fetched from CS:RIP");
	setup(&v, 0);
	v.seg[EMU_CS].base = 0x10000;
	v.seg[EMU_CS].selector = 0x1000;
	memcpy(ram + 0x10100, "\x40", 1);				/* inc ax */
	st = emu_run(&v.ctxt, NULL, 0);
	UT_CHECK(st == EMU_DONE && v.gpr[EMU_RAX] == 1 && v.rip == 0x101,
		 "real-mode fetch at CS base: inc ax");
	UT_CHECK(v.ctxt.insn.len == 1, "real mode: 40 is one byte (inc ax, not REX)");
}

/* Virtual-8086 mode: real-mode addressing at CPL 3; port I/O always consults the bitmap. */
static void vm86(void)
{
	struct tv_vcpu v;
	enum emu_status st;

	setup(&v, 16);
	v.rflags |= (1ull << 17) | (3ull << 12);	/* VM, IOPL 3 */
	v.seg[EMU_DS].base = 0x1000;
	v.seg[EMU_DS].selector = 0x100;
	v.gpr[EMU_RBX] = 0x20;
	wr(0x1020, 0xbeef, 2);
	st = run(&v, "8b 07", NULL);
	UT_CHECK(st == EMU_DONE && v.gpr[EMU_RAX] == 0xbeef && v.ctxt.mode == EMU_MODE_VM86 &&
		 v.ctxt.cpl == 3, "vm86: mov ax, [bx] at DS base");
	v.gpr[EMU_RAX] = 0x2000;
	st = run(&v, "8e d8", NULL);
	UT_CHECK(st == EMU_DONE && v.seg[EMU_DS].base == 0x20000 && v.seg[EMU_DS].dpl == 3,
		 "vm86: mov ds, ax");
	v.seg[EMU_TR].base = 0x8000;
	v.seg[EMU_TR].limit = 0x68 + 8192;
	wr(0x8066, 0x68, 2);
	memset(ram + 0x8068, 0xff, 8192);
	st = run(&v, "e4 60", NULL);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_GP,
		 "vm86: IOPL 3 does not bypass the I/O bitmap");
	ram[0x8068 + 0x60 / 8] = 0;
	st = run(&v, "e4 60", NULL);
	UT_CHECK(st == EMU_DONE, "vm86: port allowed by the bitmap");
}

/* LOCK'd read-modify-write on RAM goes through cmpxchg_phys; a lost race re-executes. */
static void locked(void)
{
	struct tv_vcpu v;
	enum emu_status st;

	setup(&v, 64);
	v.gpr[EMU_RBX] = 0x1000;
	wr(0x1000, 5, 8);
	st = run(&v, "f0 48 83 03 01", NULL);			/* lock add qword [rbx], 1 */
	UT_CHECK(st == EMU_DONE && rd(0x1000, 8) == 6 && v.ncmpxchg == 1,
		 "lock add uses cmpxchg_phys once");
	v.rip = 0x100;
	v.race_pending = true;
	v.race_addr = 0x1000;
	v.race_val = 100;
	st = run(&v, "f0 48 83 03 01", NULL);
	UT_CHECK(st == EMU_DONE && rd(0x1000, 8) == 101 && v.ncmpxchg == 3 && v.rip == 0x105,
		 "lost race: instruction re-executed on the new value (%llu)",
		 (unsigned long long)rd(0x1000, 8));
	v.race_pending = true;
	v.race_val = 7;
	v.gpr[EMU_RAX] = 1;
	st = run(&v, "48 87 03", NULL);				/* xchg [rbx], rax */
	UT_CHECK(st == EMU_DONE && v.gpr[EMU_RAX] == 7 && rd(0x1000, 8) == 1,
		 "xchg is locked without a prefix: sees the racing store");
	v.ncmpxchg = 0;
	st = run(&v, "48 83 03 01", NULL);			/* add without LOCK */
	UT_CHECK(st == EMU_DONE && v.ncmpxchg == 0, "no LOCK: plain write");
	v.gpr[EMU_RCX] = 3;
	st = run(&v, "f0 48 0f ab 0b", NULL);			/* lock bts [rbx], rcx */
	UT_CHECK(st == EMU_DONE && v.ncmpxchg == 1 && (rd(0x1000, 8) & 8),
		 "lock bts goes through cmpxchg_phys");
	v.gpr[EMU_RBX] = 0xffc;
	st = run(&v, "f0 48 83 03 01", NULL);			/* split lock across pages */
	UT_CHECK(st == EMU_DONE && v.ncmpxchg == 1, "split locked access: written plainly");
}

/* A GDT descriptor at ram + base + 8 * idx. */
static void gdt_desc(u64 base, unsigned int idx, u32 seg_base, u32 limit, u8 access, u8 flags)
{
	u8 *d = ram + base + 8 * idx;

	d[0] = limit;
	d[1] = limit >> 8;
	d[2] = seg_base;
	d[3] = seg_base >> 8;
	d[4] = seg_base >> 16;
	d[5] = access;
	d[6] = (flags & 0xf0) | ((limit >> 16) & 15);
	d[7] = seg_base >> 24;
}

/* mov Sreg, r/m in protected mode: descriptor checks, accessed bit, hidden part. */
static void sreg_load(void)
{
	static const struct {
		const char *what;
		u16 sel;
		const char *hex;	/* mov <sreg>, [ebx] */
		unsigned int cpl;
		int vector;		/* -1: loads */
		u32 error;
	} cases[] = {
		{ "null selector into DS", 0x0003, "8e 1b", 0, -1, 0 },
		{ "null selector into SS", 0x0000, "8e 13", 0, EMU_EXC_GP, 0 },
		{ "beyond the GDT limit", 0x0040, "8e 03", 0, EMU_EXC_GP, 0x40 },
		{ "execute-only code into ES", 0x0008, "8e 03", 0, EMU_EXC_GP, 0x08 },
		{ "readable code into FS", 0x0028, "8e 23", 0, -1, 0 },
		{ "not present into GS", 0x0018, "8e 2b", 0, EMU_EXC_NP, 0x18 },
		{ "not present into SS", 0x001b, "8e 13", 3, EMU_EXC_SS, 0x18 },
		{ "SS with RPL != CPL", 0x0013, "8e 13", 0, EMU_EXC_GP, 0x10 },
		{ "read-only data into SS", 0x0030, "8e 13", 0, EMU_EXC_GP, 0x30 },
		{ "DPL 0 data at CPL 3", 0x0013, "8e 1b", 3, EMU_EXC_GP, 0x10 },
		{ "LDT selector without an LDT", 0x0014, "8e 03", 0, EMU_EXC_GP, 0x14 },
	};
	struct tv_vcpu v;
	enum emu_status st;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(&v, 32);
		v.gdt_base = 0x800;
		v.gdt_limit = 0x3f;
		gdt_desc(0x800, 1, 0, 0xfffff, 0x98, 0xc0);		/* code, execute-only */
		gdt_desc(0x800, 2, 0x12345000, 0xabcde, 0x92, 0xc0);	/* data RW, not accessed */
		gdt_desc(0x800, 3, 0, 0xffff, 0x72, 0x00);		/* DPL 3 data, not present */
		gdt_desc(0x800, 5, 0x9000, 0x0fff, 0x9a, 0x40);		/* code, readable */
		gdt_desc(0x800, 6, 0, 0xffff, 0x90, 0x00);		/* data, read-only */
		v.cpl = cases[i].cpl;
		v.seg[EMU_SS].dpl = cases[i].cpl;
		v.gpr[EMU_RBX] = 0x1000;
		wr(0x1000, cases[i].sel, 2);
		st = run(&v, cases[i].hex, NULL);
		if (cases[i].vector < 0) {
			UT_CHECK(st == EMU_DONE && v.rip == 0x102, "%s: loads (st %d)",
				 cases[i].what, st);
			continue;
		}
		UT_CHECK(st == EMU_FAULT && v.injected.vector == cases[i].vector &&
			 v.injected.has_error && v.injected.error == cases[i].error &&
			 v.rip == 0x100, "%s: vector %d error 0x%x (st %d vector %u error 0x%x)",
			 cases[i].what, cases[i].vector, cases[i].error, st, v.injected.vector,
			 v.injected.error);
	}

	/* A data descriptor: hidden part from the descriptor, accessed bit set in memory. */
	setup(&v, 32);
	v.gdt_base = 0x800;
	v.gdt_limit = 0x3f;
	gdt_desc(0x800, 2, 0x12345000, 0xabcde, 0x92, 0xc0);
	v.gpr[EMU_RBX] = 0x1000;
	wr(0x1000, 0x10, 2);
	st = run(&v, "8e 03", NULL);					/* mov es, [ebx] */
	UT_CHECK(st == EMU_DONE && v.seg[EMU_ES].selector == 0x10 &&
		 v.seg[EMU_ES].base == 0x12345000 && v.seg[EMU_ES].limit == 0xabcdefff &&
		 v.seg[EMU_ES].type == 3 && v.seg[EMU_ES].db && v.seg[EMU_ES].g &&
		 v.seg[EMU_ES].present && !v.seg[EMU_ES].unusable && ram[0x800 + 16 + 5] == 0x93,
		 "mov es: base %llx limit %x type %u, descriptor byte 5 %02x",
		 (unsigned long long)v.seg[EMU_ES].base, v.seg[EMU_ES].limit,
		 v.seg[EMU_ES].type, ram[0x800 + 16 + 5]);

	/* The null selector leaves the register unusable. */
	setup(&v, 32);
	v.gdt_base = 0x800;
	v.gdt_limit = 0x3f;
	v.gpr[EMU_RBX] = 0x1000;
	st = run(&v, "8e 1b", NULL);					/* mov ds, [ebx] */
	UT_CHECK(st == EMU_DONE && v.seg[EMU_DS].unusable && v.seg[EMU_DS].selector == 0,
		 "null selector: DS unusable");

	/* 64-bit mode: FS gets the descriptor's 32-bit base; a null SS is fine at CPL 0. */
	setup(&v, 64);
	v.gdt_base = 0x800;
	v.gdt_limit = 0x3f;
	gdt_desc(0x800, 2, 0x12345000, 0xfffff, 0x93, 0xc0);
	v.gpr[EMU_RBX] = 0x1000;
	wr(0x1000, 0x10, 2);
	st = run(&v, "8e 23", NULL);					/* mov fs, [rbx] */
	UT_CHECK(st == EMU_DONE && v.seg[EMU_FS].base == 0x12345000, "64-bit mov fs: base");
	wr(0x1000, 0, 2);
	v.rip = 0x100;
	st = run(&v, "8e 13", NULL);					/* mov ss, [rbx] */
	UT_CHECK(st == EMU_DONE && v.seg[EMU_SS].unusable, "64-bit null SS at CPL 0 loads");

	/* Loading SS asks for an interrupt shadow; other registers do not. */
	setup(&v, 32);
	v.gdt_base = 0x800;
	v.gdt_limit = 0x3f;
	gdt_desc(0x800, 2, 0, 0xfffff, 0x93, 0xc0);
	v.gpr[EMU_RBX] = 0x1000;
	wr(0x1000, 0x10, 2);
	st = run(&v, "8e 13", NULL);					/* mov ss, [ebx] */
	UT_CHECK(st == EMU_DONE && v.ctxt.mov_ss, "mov ss: shadow requested");
	v.rip = 0x100;
	st = run(&v, "8e 03", NULL);					/* mov es, [ebx] */
	UT_CHECK(st == EMU_DONE && !v.ctxt.mov_ss, "mov es: no shadow");
	setup(&v, 0);
	v.gpr[EMU_RBX] = 0x1000;
	st = run(&v, "8e 17", NULL);					/* real: mov ss, [bx] */
	UT_CHECK(st == EMU_DONE && v.ctxt.mov_ss, "real mode mov ss: shadow requested");

	/* A selector read from device memory: exit, then the load. */
	setup(&v, 32);
	v.gdt_base = 0x800;
	v.gdt_limit = 0x3f;
	gdt_desc(0x800, 2, 0, 0xfffff, 0x93, 0xc0);
	v.mmio_user = true;
	v.gpr[EMU_RBX] = MMIO;
	v.mmio_mem[0] = 0x10;
	st = run(&v, "8e 03", NULL);
	UT_CHECK(st == EMU_DONE && v.seg[EMU_ES].selector == 0x10 && v.nlog == 1,
		 "mov es from MMIO: one read exit, then the load");
}

/* XADD and CMOVcc, on RAM and device memory. */
static void xadd_cmov(void)
{
	struct tv_vcpu v;
	enum emu_status st;
	unsigned int n;

	setup(&v, 64);
	v.gpr[EMU_RBX] = 0x1000;
	v.gpr[EMU_RAX] = 5;
	wr(0x1000, 10, 4);
	st = run(&v, "0f c1 03", &n);				/* xadd [rbx], eax */
	UT_CHECK(st == EMU_DONE && rd(0x1000, 4) == 15 && v.gpr[EMU_RAX] == 10 &&
		 (v.rflags & 0x8d5) == 0x4 && v.rip == 0x103, "xadd [rbx], eax");
	setup(&v, 64);
	v.mmio_user = true;
	v.gpr[EMU_RBX] = MMIO + 0x70;
	v.gpr[EMU_RCX] = 0x80;
	v.mmio_mem[0x70] = 0x80;
	st = run(&v, "f0 0f c0 0b", &n);			/* lock xadd [rbx], cl */
	UT_CHECK(st == EMU_DONE && n == 2 && v.log[1].write && v.log[1].data == 0 &&
		 v.gpr[EMU_RCX] == 0x80 && (v.rflags & 0x8c1) == 0x841,
		 "lock xadd on MMIO: read, write, CF ZF OF (%u exits)", n);
	setup(&v, 64);
	v.gpr[EMU_RAX] = 3;
	st = run(&v, "0f c1 c0", &n);				/* xadd eax, eax */
	UT_CHECK(st == EMU_DONE && v.gpr[EMU_RAX] == 6, "xadd eax, eax: the sum wins");

	setup(&v, 64);
	v.mmio_user = true;
	v.gpr[EMU_RBX] = MMIO + 0x78;
	v.gpr[EMU_RCX] = 0xffffffff12345678ull;
	v.rflags |= 0x40;					/* ZF: cmovne is false */
	st = run(&v, "0f 45 0b", &n);				/* cmovne ecx, [rbx] */
	UT_CHECK(st == EMU_DONE && n == 1 && !v.log[0].write &&
		 v.gpr[EMU_RCX] == 0x12345678 && v.rip == 0x103,
		 "cmovne false: source still read, 32-bit register zero-extended");
	setup(&v, 64);
	v.gpr[EMU_RBX] = 0x1000;
	v.gpr[EMU_RCX] = 0xffffffff12345678ull;
	v.rflags |= 0x40;
	wr(0x1000, 0x1122334455667788ull, 8);
	st = run(&v, "48 0f 45 0b", &n);			/* cmovne rcx, [rbx] */
	UT_CHECK(st == EMU_DONE && v.gpr[EMU_RCX] == 0xffffffff12345678ull,
		 "cmovne false, 64-bit: register kept");
	st = run(&v, "48 0f 44 0b", &n);			/* cmove rcx, [rbx] */
	UT_CHECK(st == EMU_DONE && v.gpr[EMU_RCX] == 0x1122334455667788ull, "cmove true");
	setup(&v, 64);
	v.gpr[EMU_RBX] = 0x1000;
	v.gpr[EMU_RCX] = 0xffff;
	wr(0x1000, 0xabcd, 2);
	st = run(&v, "66 0f 42 0b", &n);			/* cmovb cx, [rbx], CF=0 */
	UT_CHECK(st == EMU_DONE && v.gpr[EMU_RCX] == 0xffff, "cmovb cx false: kept");
}

int main(void)
{
	table();
	locked();
	vm86();
	mmio();
	ports();
	faults();
	misc();
	sreg_load();
	xadd_cmov();
	return ut_done();
}
