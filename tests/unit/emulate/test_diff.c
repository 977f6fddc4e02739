// SPDX-License-Identifier: GPL-2.0-only
/*
 * Differential test: generate thousands of instructions (every emulated class, random
 * operand sizes, registers, addressing forms, immediates, flags), run each natively on
 * this CPU and through the emulator from the same state, and compare all GPRs, the
 * defined flags, XMM0-15 and the memory buffer.
 *
 * Native execution: a code page holds a prologue that loads the state with RIP-relative
 * moves, the instruction under test, and an epilogue that stores the state back.  The
 * data the instructions touch is a buffer mapped below 4 GiB, which the emulator's fake
 * vCPU maps identically (linear = physical = host address).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include "ut.h"
#include "vcpu.h"

#define BUF_ADDR	0x40000000ull
#define BUF_SIZE	0x8000
#define STACK_TOP	(BUF_ADDR + 0x7000)

#define FL_CF 0x1
#define FL_PF 0x4
#define FL_AF 0x10
#define FL_ZF 0x40
#define FL_SF 0x80
#define FL_DF 0x400
#define FL_OF 0x800
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

struct state {
	u64 gpr[16];
	u64 flags;
	u8 xmm[16][32];		/* YMM when the CPU has AVX, else XMM */
};

/* Layout of the data page next to the code. */
struct native_area {
	struct state in, out;
	u64 host_rsp;
};

static u8 *code;
static struct native_area *area;
static u8 *buf;

static u64 rng_state = 0x9e3779b97f4a7c15ull;

static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static u64 rnd_val(void)
{
	switch (rnd() % 6) {
	case 0: return 0;
	case 1: return ~0ull;
	case 2: return 0x8000000000000000ull >> (rnd() % 64);
	case 3: return rnd() & 0xff;
	case 4: return (u64)(s64)(s32)rnd();
	default: return rnd();
	}
}

/* ---- encoder for the harness ---- */

struct enc {
	u8 *p;
	unsigned int n;
};

static void eb(struct enc *e, u8 b)
{
	e->p[e->n++] = b;
}

static void e32(struct enc *e, u32 v)
{
	memcpy(e->p + e->n, &v, 4);
	e->n += 4;
}

/* REX.W mov between GPR r and [rip + target]; store: 89, load: 8b. */
static void mov_riprel(struct enc *e, u8 opc, unsigned int r, void *target)
{
	eb(e, 0x48 | (r >= 8 ? 4 : 0));
	eb(e, opc);
	eb(e, 0x05 | ((r & 7) << 3));
	e32(e, (u32)((u8 *)target - (e->p + e->n + 4)));
}

static bool have_avx;
static unsigned int vec_bytes = 16;

/*
 * movdqu xmm, [rip+t] (load 6f) or [rip+t], xmm (store 7f); with AVX the VEX.256 form
 * (vmovdqu ymm) so that the upper halves are loaded and compared too.
 */
static void movdqu_riprel(struct enc *e, u8 opc, unsigned int x, void *target)
{
	if (have_avx) {
		eb(e, 0xc5);
		eb(e, (x >= 8 ? 0x00 : 0x80) | 0x7e);	/* R, vvvv=1111, L=1, pp=F3 */
		eb(e, opc);
		eb(e, 0x05 | ((x & 7) << 3));
		e32(e, (u32)((u8 *)target - (e->p + e->n + 4)));
		return;
	}
	eb(e, 0xf3);
	if (x >= 8)
		eb(e, 0x44);
	eb(e, 0x0f);
	eb(e, opc);
	eb(e, 0x05 | ((x & 7) << 3));
	e32(e, (u32)((u8 *)target - (e->p + e->n + 4)));
}

static unsigned int insn_offset;

/* Build the runner around the instruction bytes; returns the offset of the instruction. */
static void build_runner(const u8 *insn, unsigned int len)
{
	struct enc e = { .p = code, .n = 0 };
	unsigned int i;

	/* Save callee-saved registers and the host stack pointer. */
	eb(&e, 0x53); eb(&e, 0x55);
	eb(&e, 0x41); eb(&e, 0x54); eb(&e, 0x41); eb(&e, 0x55);
	eb(&e, 0x41); eb(&e, 0x56); eb(&e, 0x41); eb(&e, 0x57);
	mov_riprel(&e, 0x89, 4, &area->host_rsp);
	for (i = 0; i < 16; i++)
		movdqu_riprel(&e, 0x6f, i, area->in.xmm[i]);
	/* push qword [rip+flags]; popfq */
	eb(&e, 0xff); eb(&e, 0x35);
	e32(&e, (u32)((u8 *)&area->in.flags - (e.p + e.n + 4)));
	eb(&e, 0x9d);
	for (i = 0; i < 16; i++)
		mov_riprel(&e, 0x8b, i, &area->in.gpr[i]);
	insn_offset = e.n;
	memcpy(e.p + e.n, insn, len);
	e.n += len;
	for (i = 0; i < 16; i++)
		mov_riprel(&e, 0x89, i, &area->out.gpr[i]);
	mov_riprel(&e, 0x8b, 4, &area->host_rsp);
	eb(&e, 0x9c);					/* pushfq */
	eb(&e, 0x58);					/* pop rax */
	mov_riprel(&e, 0x89, 0, &area->out.flags);
	eb(&e, 0xfc);					/* cld */
	for (i = 0; i < 16; i++)
		movdqu_riprel(&e, 0x7f, i, area->out.xmm[i]);
	eb(&e, 0x41); eb(&e, 0x5f); eb(&e, 0x41); eb(&e, 0x5e);
	eb(&e, 0x41); eb(&e, 0x5d); eb(&e, 0x41); eb(&e, 0x5c);
	eb(&e, 0x5d); eb(&e, 0x5b);
	eb(&e, 0xc3);
}

/* ---- instruction generator ---- */



struct gen {
	u8 b[15];
	unsigned int n;
	u64 flags_undef;	/* flags the architecture leaves undefined */
	struct state st;
};

/* A GPR number usable as a plain operand (never RSP). */
static unsigned int pick_reg(void)
{
	unsigned int r;

	do
		r = rnd() % 16;
	while (r == 4);
	return r;
}

/*
 * ModRM (+SIB, disp) for r/m: a register, or memory at a base (+index) pointing into the
 * buffer's data area.  reg is the ModRM.reg value (0..15).  Returns the REX bits R/X/B.
 */
static u8 emit_modrm(struct gen *g, unsigned int reg, bool mem, unsigned int rmreg,
		     unsigned int *base_out)
{
	u8 rex = reg >= 8 ? 4 : 0;
	unsigned int base, index;
	s32 disp;
	u8 mod;

	if (!mem) {
		g->b[g->n++] = 0xc0 | ((reg & 7) << 3) | (rmreg & 7);
		return rex | (rmreg >= 8 ? 1 : 0);
	}
	do
		base = pick_reg();
	while (base == reg);
	g->st.gpr[base] = BUF_ADDR + 0x1000 + (rnd() % 0x800);
	*base_out = base;
	disp = (s32)(rnd() % 256) - 128;
	mod = (rnd() & 1) ? 1 : 2;
	if (rnd() % 3 == 0) {
		do
			index = pick_reg();
		while (index == base || index == reg);
		g->st.gpr[index] = rnd() % 64;
		g->b[g->n++] = (mod << 6) | ((reg & 7) << 3) | 4;
		g->b[g->n++] = ((rnd() % 4) << 6) | ((index & 7) << 3) | (base & 7);
		rex |= (index >= 8 ? 2 : 0) | (base >= 8 ? 1 : 0);
	} else {
		if ((base & 7) == 4) {
			g->b[g->n++] = (mod << 6) | ((reg & 7) << 3) | 4;
			g->b[g->n++] = 0x24;	/* SIB: no index, base r12 */
		} else {
			g->b[g->n++] = (mod << 6) | ((reg & 7) << 3) | (base & 7);
		}
		rex |= base >= 8 ? 1 : 0;
	}
	if (mod == 1) {
		g->b[g->n++] = (u8)disp;
	} else {
		memcpy(g->b + g->n, &disp, 4);
		g->n += 4;
	}
	return rex;
}

/* Prefixes, opcode and ModRM of "op r/m, reg" with operand size osz (1, 2, 4, 8). */
static void emit_op(struct gen *g, unsigned int osz, const u8 *opc, unsigned int nopc,
		    unsigned int reg, bool mem, unsigned int rmreg, bool lock, u8 pfx)
{
	u8 tmp[16];
	struct gen sub = *g;
	unsigned int base = 0;
	u8 rex;

	sub.n = 0;
	rex = emit_modrm(&sub, reg, mem, rmreg, &base);
	g->st = sub.st;
	if (lock)
		g->b[g->n++] = 0xf0;
	if (pfx)
		g->b[g->n++] = pfx;
	if (osz == 2)
		g->b[g->n++] = 0x66;
	if (mem && rnd() % 4 == 0) {
		/* 32-bit addressing: the upper half of the base must not count */
		g->b[g->n++] = 0x67;
		g->st.gpr[base] |= rnd() << 32;
	}
	if (osz == 8)
		rex |= 8;
	/* Byte operations on SPL..DIL or R8B+ need REX; AH..BH need none. */
	if (osz == 1 && (rnd() & 1))
		rex |= 0x40;
	if (rex)
		g->b[g->n++] = 0x40 | rex;
	memcpy(tmp, opc, nopc);
	memcpy(g->b + g->n, tmp, nopc);
	g->n += nopc;
	memcpy(g->b + g->n, sub.b, sub.n);
	g->n += sub.n;
}

static unsigned int pick_size(void)
{
	static const unsigned int sizes[4] = { 1, 2, 4, 8 };

	return sizes[rnd() % 4];
}

static void emit_imm(struct gen *g, unsigned int size)
{
	u64 v = rnd_val();

	memcpy(g->b + g->n, &v, size);
	g->n += size;
}

/*
 * SSE moves (legacy encoding) or their VEX forms (128 and 256 bits).  Aligned forms get
 * addresses aligned to the access size.
 */
static void gen_vec(struct gen *g, bool vex)
{
	static const u8 forms[][2] = {
		{ 0x00, 0x10 }, { 0x00, 0x11 }, { 0x66, 0x10 }, { 0x66, 0x11 },
		{ 0x00, 0x28 }, { 0x00, 0x29 }, { 0x66, 0x6f }, { 0x66, 0x7f },
		{ 0xf3, 0x6f }, { 0xf3, 0x7f }, { 0x66, 0x6e }, { 0x66, 0x7e },
		{ 0xf3, 0x7e }, { 0x66, 0xd6 }, { 0x66, 0xe7 }, { 0x00, 0x2b },
	};
	unsigned int f = rnd() % PURE_ARRAY_SIZE(forms);
	u8 pfx = forms[f][0], opc = forms[f][1];
	bool gpr_rm = (opc == 0x6e || opc == 0x7e) && pfx == 0x66;
	bool narrow = gpr_rm || opc == 0xd6 || opc == 0x7e;
	bool aligned = opc == 0x28 || opc == 0x29 || opc == 0xe7 || opc == 0x2b ||
		       (pfx == 0x66 && (opc & 0xef) == 0x6f);
	bool mem = rnd() % 3 != 0 || opc == 0xe7 || opc == 0x2b;
	unsigned int reg = rnd() % 16, rmreg = gpr_rm ? pick_reg() : rnd() % 16;
	unsigned int base = 0, l = 0;
	u64 amask;
	struct gen sub = *g;
	bool w = gpr_rm && (rnd() & 1);
	u8 rex;

	if (vex && !narrow)
		l = rnd() & 1;
	amask = l ? 31 : 15;
	sub.n = 0;
	rex = emit_modrm(&sub, reg, mem, rmreg, &base);
	g->st = sub.st;
	if (mem && aligned) {
		g->st.gpr[base] &= ~amask;
		/* keep the displacement a multiple of the alignment, the index scale 1 */
		if ((sub.b[0] >> 6) == 1)
			sub.b[sub.n - 1] &= (u8)~amask;
		else
			sub.b[sub.n - 4] &= (u8)~amask;
		if ((sub.b[0] & 7) == 4 && sub.b[1] != 0x24) {
			sub.b[1] &= 0x3f;
			g->st.gpr[((sub.b[1] >> 3) & 7) | (rex & 2 ? 8 : 0)] &= ~amask;
		}
	}
	if (vex) {
		u8 pp = pfx == 0x66 ? 1 : pfx == 0xf3 ? 2 : 0;

		g->b[g->n++] = 0xc4;
		g->b[g->n++] = (rex & 4 ? 0 : 0x80) | (rex & 2 ? 0 : 0x40) |
			       (rex & 1 ? 0 : 0x20) | 1;	/* ~R ~X ~B, map 0F */
		g->b[g->n++] = (w ? 0x80 : 0) | 0x78 | (l << 2) | pp;
	} else {
		if (pfx)
			g->b[g->n++] = pfx;
		if (w)
			rex |= 8;
		if (rex)
			g->b[g->n++] = 0x40 | rex;
		g->b[g->n++] = 0x0f;
	}
	g->b[g->n++] = opc;
	memcpy(g->b + g->n, sub.b, sub.n);
	g->n += sub.n;
}

/*
 * Generators, one per instruction class.  Each starts from random operand choices
 * (size, registers, memory or register operand) and appends one instruction to g.
 */
struct pick {
	unsigned int osz, reg, rmreg;
	bool mem;
};

static void gen_alu(struct gen *g, struct pick *p)
{
	unsigned int osz = p->osz;
	unsigned int reg = p->reg;
	unsigned int rmreg = p->rmreg;
	bool mem = p->mem;
	u8 op[3];
	unsigned int k;

	k = rnd() % 8;
	op[0] = (u8)(k * 8 + (osz == 1 ? 0 : 1) + ((rnd() & 1) ? 2 : 0));
	emit_op(g, osz, op, 1, reg, mem, rmreg, mem && k != 7 && !(op[0] & 2) &&
		(rnd() & 1), 0);
	if (k == 1 || k == 4 || k == 6)
		g->flags_undef = FL_AF;
}

static void gen_alu_imm(struct gen *g, struct pick *p)
{
	unsigned int osz = p->osz;
	unsigned int rmreg = p->rmreg;
	bool mem = p->mem;
	u8 op[3];
	unsigned int k;

	k = rnd() % 8;
	if (rnd() % 4 == 0) {
		/* accumulator form */
		if (osz == 2)
			g->b[g->n++] = 0x66;
		if (osz == 8)
			g->b[g->n++] = 0x48;
		g->b[g->n++] = (u8)(k * 8 + (osz == 1 ? 4 : 5));
		emit_imm(g, osz == 1 ? 1 : osz == 2 ? 2 : 4);
	} else {
		op[0] = osz == 1 ? 0x80 : ((rnd() & 1) ? 0x83 : 0x81);
		emit_op(g, osz, op, 1, k, mem, rmreg, false, 0);
		emit_imm(g, op[0] == 0x81 ? (osz == 2 ? 2 : 4) : 1);
	}
	if (k == 1 || k == 4 || k == 6)
		g->flags_undef = FL_AF;
}

static void gen_unary(struct gen *g, struct pick *p)
{
	unsigned int osz = p->osz;
	unsigned int rmreg = p->rmreg;
	bool mem = p->mem;
	u8 op[3];
	unsigned int k;

	k = rnd() % 4;
	if (k < 2) {
		op[0] = osz == 1 ? 0xfe : 0xff;
		emit_op(g, osz, op, 1, k, mem, rmreg, mem && (rnd() & 1), 0);
	} else {
		op[0] = osz == 1 ? 0xf6 : 0xf7;
		emit_op(g, osz, op, 1, k, mem, rmreg, mem && (rnd() & 1), 0);
	}
}

static void gen_test(struct gen *g, struct pick *p)
{
	unsigned int osz = p->osz;
	unsigned int reg = p->reg;
	unsigned int rmreg = p->rmreg;
	bool mem = p->mem;
	u8 op[3];

	if (rnd() & 1) {
		op[0] = osz == 1 ? 0x84 : 0x85;
		emit_op(g, osz, op, 1, reg, mem, rmreg, false, 0);
	} else {
		op[0] = osz == 1 ? 0xf6 : 0xf7;
		emit_op(g, osz, op, 1, 0, mem, rmreg, false, 0);
		emit_imm(g, osz == 1 ? 1 : osz == 2 ? 2 : 4);
	}
	g->flags_undef = FL_AF;
}

static void gen_mov(struct gen *g, struct pick *p)
{
	unsigned int osz = p->osz;
	unsigned int reg = p->reg;
	unsigned int rmreg = p->rmreg;
	bool mem = p->mem;
	u8 op[3];

	op[0] = (u8)(0x88 + (osz == 1 ? 0 : 1) + ((rnd() & 1) ? 2 : 0));
	emit_op(g, osz, op, 1, reg, mem, rmreg, false, 0);
}

static void gen_mov_imm(struct gen *g, struct pick *p)
{
	unsigned int osz = p->osz;
	unsigned int rmreg = p->rmreg;
	bool mem = p->mem;
	u8 op[3];
	unsigned int k;

	k = rnd() % 3;
	if (k == 0) {
		op[0] = osz == 1 ? 0xc6 : 0xc7;
		emit_op(g, osz, op, 1, 0, mem, rmreg, false, 0);
		emit_imm(g, osz == 1 ? 1 : osz == 2 ? 2 : 4);
	} else if (k == 1) {
		if (osz == 2)
			g->b[g->n++] = 0x66;
		if (osz == 8 || rmreg >= 8)
			g->b[g->n++] = 0x40 | (osz == 8 ? 8 : 0) | (rmreg >= 8 ? 1 : 0);
		g->b[g->n++] = (u8)((osz == 1 ? 0xb0 : 0xb8) + (rmreg & 7));
		emit_imm(g, osz);
	} else {
		/* moffs with a 32-bit address (67) into the buffer */
		u32 a = (u32)(BUF_ADDR + 0x1800 + rnd() % 0x100);

		g->b[g->n++] = 0x67;
		if (osz == 2)
			g->b[g->n++] = 0x66;
		if (osz == 8)
			g->b[g->n++] = 0x48;
		g->b[g->n++] = (u8)(0xa0 + (osz == 1 ? 0 : 1) + ((rnd() & 1) ? 2 : 0));
		memcpy(g->b + g->n, &a, 4);
		g->n += 4;
	}
}

static void gen_movx(struct gen *g, struct pick *p)
{
	unsigned int osz = p->osz;
	unsigned int reg = p->reg;
	unsigned int rmreg = p->rmreg;
	bool mem = p->mem;
	u8 op[3];
	unsigned int k;

	k = rnd() % 5;
	if (k == 4) {
		op[0] = 0x63;
		emit_op(g, rnd() & 1 ? 8 : 4, op, 1, reg, mem, rmreg, false, 0);
	} else {
		op[0] = 0x0f;
		op[1] = (u8)((k < 2 ? 0xb6 : 0xbe) + (k & 1));
		emit_op(g, osz == 1 ? 4 : osz, op, 2, reg, mem, rmreg, false, 0);
	}
}

static void gen_xchg(struct gen *g, struct pick *p)
{
	unsigned int osz = p->osz;
	unsigned int reg = p->reg;
	unsigned int rmreg = p->rmreg;
	bool mem = p->mem;
	u8 op[3];

	op[0] = osz == 1 ? 0x86 : 0x87;
	emit_op(g, osz, op, 1, reg, mem, rmreg, mem && (rnd() & 1), 0);
}

static void gen_cmpxchg(struct gen *g, struct pick *p)
{
	unsigned int osz = p->osz;
	unsigned int reg = p->reg;
	unsigned int rmreg = p->rmreg;
	bool mem = p->mem;
	u8 op[3];

	op[0] = 0x0f;
	op[1] = osz == 1 ? 0xb0 : 0xb1;
	if (reg == 0)
		reg = 1;
	emit_op(g, osz, op, 2, reg, mem, rmreg, mem && (rnd() & 1), 0);
}

static void gen_xadd(struct gen *g, struct pick *p)
{
	u8 op[3];

	op[0] = 0x0f;
	op[1] = p->osz == 1 ? 0xc0 : 0xc1;
	emit_op(g, p->osz, op, 2, p->reg, p->mem, p->rmreg, p->mem && (rnd() & 1), 0);
}

/* CMOVcc r, r/m (no byte form): a false 32-bit one still clears the upper half. */
static void gen_cmov(struct gen *g, struct pick *p)
{
	u8 op[3];

	op[0] = 0x0f;
	op[1] = (u8)(0x40 + rnd() % 16);
	emit_op(g, p->osz == 1 ? 4 : p->osz, op, 2, p->reg, p->mem, p->rmreg, false, 0);
}

/* CMPXCHG8B m64 (memory only: the register form is #UD); mostly the unequal path. */
static void gen_cmpxchg8b(struct gen *g, struct pick *p)
{
	u8 op[3];

	op[0] = 0x0f;
	op[1] = 0xc7;
	emit_op(g, 4, op, 2, 1, true, p->rmreg, rnd() & 1, 0);
}

static void gen_bt(struct gen *g, struct pick *p)
{
	unsigned int osz = p->osz;
	unsigned int reg = p->reg;
	unsigned int rmreg = p->rmreg;
	bool mem = p->mem;
	u8 op[3];
	unsigned int k;

	if (osz == 1)
		osz = 4;
	k = rnd() % 4;
	op[0] = 0x0f;
	op[1] = (u8)(0xa3 + 8 * k);
	emit_op(g, osz, op, 2, reg, mem, rmreg, mem && k && (rnd() & 1), 0);
	if (mem)
		g->st.gpr[reg] = (u64)((s64)(rnd() % 2048) - 1024);
	g->flags_undef = FL_OF | FL_SF | FL_AF | FL_PF | FL_ZF;
}

static void gen_bt_imm(struct gen *g, struct pick *p)
{
	unsigned int osz = p->osz;
	unsigned int rmreg = p->rmreg;
	bool mem = p->mem;
	u8 op[3];
	unsigned int k;

	if (osz == 1)
		osz = 2;
	k = 4 + rnd() % 4;
	op[0] = 0x0f;
	op[1] = 0xba;
	emit_op(g, osz, op, 2, k, mem, rmreg, mem && k > 4 && (rnd() & 1), 0);
	emit_imm(g, 1);
	g->flags_undef = FL_OF | FL_SF | FL_AF | FL_PF | FL_ZF;
}

static void gen_setcc(struct gen *g, struct pick *p)
{
	unsigned int rmreg = p->rmreg;
	bool mem = p->mem;
	u8 op[3];

	op[0] = 0x0f;
	op[1] = (u8)(0x90 + rnd() % 16);
	emit_op(g, 1, op, 2, 0, mem, rmreg, false, 0);
}

/* PUSH r/m (FF /6) or POP r/m (8F /0): 66 gives 16 bits, otherwise 64. */
static void gen_pushpop(struct gen *g, struct pick *p)
{
	u8 op[3];

	(void)p;
	op[0] = (rnd() & 1) ? 0xff : 0x8f;
	emit_op(g, (rnd() & 1) ? 2 : 4, op, 1, op[0] == 0xff ? 6 : 0, true, 0, false, 0);
}

static void gen_string(struct gen *g, struct pick *p)
{
	static const u8 sops[] = { 0xa4, 0xa6, 0xaa, 0xac, 0xae };
	u8 s = sops[rnd() % 5];
	unsigned int osz = p->osz;
	unsigned int k;

	k = rnd() % 3;
	if (rnd() % 4 == 0)
		g->b[g->n++] = 0x67;	/* 32-bit addressing: ECX/ESI/EDI */
	if (k == 1)
		g->b[g->n++] = 0xf3;
	if (k == 2)
		g->b[g->n++] = (s == 0xa6 || s == 0xae) ? 0xf2 : 0xf3;
	if (osz == 2)
		g->b[g->n++] = 0x66;
	if (osz == 8)
		g->b[g->n++] = 0x48;
	g->b[g->n++] = (u8)(s + (osz == 1 ? 0 : 1));
	g->st.gpr[EMU_RCX] = rnd() % 9;
	g->st.gpr[EMU_RSI] = BUF_ADDR + 0x2000 + rnd() % 0x100;
	g->st.gpr[EMU_RDI] = BUF_ADDR + 0x3000 + rnd() % 0x100;
	if (rnd() & 1)
		g->st.flags |= FL_DF;
	if (rnd() & 1) {
		/* make REPE/REPNE stop somewhere: equal data */
		memcpy(buf + 0x3000, buf + 0x2000, 0x200);
		g->st.gpr[EMU_RDI] = g->st.gpr[EMU_RSI] + 0x1000;
	}
}

static void gen_movnti(struct gen *g, struct pick *p)
{
	unsigned int reg = p->reg;
	u8 op[3];

	op[0] = 0x0f;
	op[1] = 0xc3;
	emit_op(g, (rnd() & 1) ? 8 : 4, op, 2, reg, true, 0, false, 0);
}

static void gen_sse(struct gen *g, struct pick *p)
{
	(void)p;
	gen_vec(g, false);
}

static void gen_shift(struct gen *g, struct pick *p)
{
	unsigned int osz = p->osz;
	unsigned int form = rnd() % 3, count, masked, bits = osz * 8;
	unsigned int rmreg = p->rmreg;
	bool mem = p->mem;
	u8 op[3];
	unsigned int k;

	k = rnd() % 8;
	op[0] = (u8)((form == 0 ? 0xc0 : form == 1 ? 0xd0 : 0xd2) + (osz == 1 ? 0 : 1));
	if (form == 2)
		g->st.gpr[EMU_RCX] = (g->st.gpr[EMU_RCX] & ~0xffull) | (rnd() % 70);
	emit_op(g, osz, op, 1, k, mem, rmreg, false, 0);
	count = form == 1 ? 1 : (u8)g->st.gpr[EMU_RCX];
	if (form == 0) {
		count = rnd() % 70;
		g->b[g->n++] = (u8)count;
	}
	masked = count & (osz == 8 ? 63 : 31);
	if (masked != 1)
		g->flags_undef |= FL_OF;
	if (k >= 4 && masked)
		g->flags_undef |= FL_AF;
	if (k >= 4 && masked >= bits)
		g->flags_undef |= FL_CF;
}

static void gen_avx(struct gen *g, struct pick *p)
{
	(void)p;
	gen_vec(g, true);
}

/*
 * MUL/IMUL/DIV/IDIV (F6/F7 /4-7) and IMUL 0F AF / 69 / 6B.  Divisions use a register
 * divisor other than RAX/RDX, non-zero, with a dividend whose quotient fits (native #DE
 * would kill the test; #DE is covered by the tables).
 */
static void gen_muldiv(struct gen *g, struct pick *p)
{
	unsigned int osz = p->osz, k = 4 + rnd() % 5, rm = p->rmreg, bits = osz * 8;
	u64 mask = osz == 8 ? ~0ull : (1ull << bits) - 1, d, a;
	u8 op[3];

	if (k == 8) {
		/* two- and three-operand IMUL */
		if (osz == 1)
			osz = 4;
		switch (rnd() % 3) {
		case 0:
			op[0] = 0x0f;
			op[1] = 0xaf;
			emit_op(g, osz, op, 2, p->reg, p->mem, rm, false, 0);
			break;
		case 1:
			op[0] = 0x6b;
			emit_op(g, osz, op, 1, p->reg, p->mem, rm, false, 0);
			emit_imm(g, 1);
			break;
		default:
			op[0] = 0x69;
			emit_op(g, osz, op, 1, p->reg, p->mem, rm, false, 0);
			emit_imm(g, osz == 2 ? 2 : 4);
			break;
		}
		g->flags_undef = FL_SF | FL_ZF | FL_AF | FL_PF;
		return;
	}
	op[0] = osz == 1 ? 0xf6 : 0xf7;
	if (k < 6) {
		emit_op(g, osz, op, 1, k, p->mem, rm, false, 0);
		g->flags_undef = FL_SF | FL_ZF | FL_AF | FL_PF;
		return;
	}
	/* divisor: not RAX/RDX; bytes only CL, BL, R8B.. (same with or without REX) */
	while (rm == EMU_RAX || rm == EMU_RDX || (osz == 1 && rm != 1 && rm != 3 && rm < 8))
		rm = pick_reg();
	emit_op(g, osz, op, 1, k, false, rm, false, 0);
	d = rnd_val() & mask;
	if (!d)
		d = 3;
	if (k == 7 && d == mask)
		d = 5;				/* avoid MIN / -1 */
	a = rnd_val() & mask;
	if (osz == 1) {
		u64 ah = k == 6 ? rnd() % d : ((a & 0x80) ? 0xff : 0);

		g->st.gpr[rm] = (g->st.gpr[rm] & ~0xffull) | d;
		g->st.gpr[EMU_RAX] = (g->st.gpr[EMU_RAX] & ~0xffffull) | (ah << 8) | a;
	} else {
		g->st.gpr[rm] = (g->st.gpr[rm] & ~mask) | d;
		g->st.gpr[EMU_RAX] = (g->st.gpr[EMU_RAX] & ~mask) | a;
		g->st.gpr[EMU_RDX] = (g->st.gpr[EMU_RDX] & ~mask) |
				     (k == 6 ? rnd() % d : ((a >> (bits - 1)) & 1 ? mask : 0));
	}
	g->flags_undef = FL_ARITH;
}

static const struct {
	const char *name;
	void (*gen)(struct gen *g, struct pick *p);
} classes[] = {
	{ "ALU r/m,r", gen_alu },
	{ "ALU imm", gen_alu_imm },
	{ "INC/DEC/NEG/NOT", gen_unary },
	{ "TEST", gen_test },
	{ "MOV", gen_mov },
	{ "MOV imm/moffs", gen_mov_imm },
	{ "MOVZX/MOVSX/MOVSXD", gen_movx },
	{ "XCHG", gen_xchg },
	{ "CMPXCHG", gen_cmpxchg },
	{ "CMPXCHG8B", gen_cmpxchg8b },
	{ "XADD", gen_xadd },
	{ "CMOVcc", gen_cmov },
	{ "BT/BTS/BTR/BTC r", gen_bt },
	{ "BT* imm", gen_bt_imm },
	{ "SETcc", gen_setcc },
	{ "PUSH/POP m", gen_pushpop },
	{ "string ops", gen_string },
	{ "MOVNTI", gen_movnti },
	{ "SSE moves", gen_sse },
	{ "shifts/rotates", gen_shift },
	{ "MUL/IMUL/DIV/IDIV", gen_muldiv },
	{ "AVX (VEX) moves", gen_avx },
};

static void gen_one(struct gen *g, unsigned int c)
{
	struct pick p = {
		.osz = pick_size(), .reg = pick_reg(), .rmreg = pick_reg(), .mem = rnd() % 3 != 0,
	};

	g->n = 0;
	g->flags_undef = 0;
	classes[c].gen(g, &p);
}

/* ---- running both ways ---- */

static struct tv_vcpu vcpu;
static u8 mem_init[BUF_SIZE], mem_native[BUF_SIZE];

static void run_native(const struct gen *g)
{
	build_runner(g->b, g->n);
	area->in = g->st;
	((void (*)(void))code)();
}

static enum emu_status run_emulated(const struct gen *g)
{
	unsigned int i;

	tv_init64(&vcpu, buf, BUF_ADDR, BUF_SIZE);
	vcpu.cpl = 3;
	for (i = 0; i < 16; i++)
		vcpu.gpr[i] = g->st.gpr[i];
	for (i = 0; i < 16; i++)
		memcpy(vcpu.vec[i], g->st.xmm[i], 32);
	vcpu.rflags = g->st.flags;
	vcpu.rip = 0x1000;
	return tv_run(&vcpu, g->b, g->n, NULL);
}

static void hexdump(char *out, const u8 *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		sprintf(out + 3 * i, "%02x ", b[i]);
}

static unsigned int compare(const struct gen *g, enum emu_status st, char *why)
{
	u64 mask = FL_ARITH | FL_DF;
	unsigned int i;

	if (st != EMU_DONE) {
		sprintf(why, "status %d vector %u", st, vcpu.ctxt.fault.vector);
		return 1;
	}
	if (vcpu.rip != 0x1000 + g->n) {
		sprintf(why, "rip advanced by %llu, expected %u",
			(unsigned long long)(vcpu.rip - 0x1000), g->n);
		return 1;
	}
	for (i = 0; i < 16; i++)
		if (vcpu.gpr[i] != area->out.gpr[i]) {
			sprintf(why, "gpr %u: emulated %llx native %llx", i,
				(unsigned long long)vcpu.gpr[i],
				(unsigned long long)area->out.gpr[i]);
			return 1;
		}
	mask &= ~g->flags_undef;
	if ((vcpu.rflags ^ area->out.flags) & mask) {
		sprintf(why, "flags: emulated %llx native %llx (mask %llx)",
			(unsigned long long)vcpu.rflags, (unsigned long long)area->out.flags,
			(unsigned long long)mask);
		return 1;
	}
	for (i = 0; i < 16; i++)
		if (memcmp(vcpu.vec[i], area->out.xmm[i], vec_bytes)) {
			sprintf(why, "vector register %u differs", i);
			return 1;
		}
	for (i = 0; i < BUF_SIZE; i++)
		if (buf[i] != mem_native[i]) {
			sprintf(why, "memory at +%#x: emulated %02x native %02x", i, buf[i],
				mem_native[i]);
			return 1;
		}
	return 0;
}

static void random_state(struct gen *g)
{
	unsigned int i;

	for (i = 0; i < 16; i++)
		g->st.gpr[i] = rnd_val();
	g->st.gpr[4] = STACK_TOP;
	for (i = 0; i < 16; i++) {
		u64 a = rnd(), b = rnd();

		memcpy(g->st.xmm[i], &a, 8);
		memcpy(g->st.xmm[i] + 8, &b, 8);
		a = rnd();
		b = rnd();
		memcpy(g->st.xmm[i] + 16, &a, 8);
		memcpy(g->st.xmm[i] + 24, &b, 8);
	}
	g->st.flags = 0x202 | (rnd() & FL_ARITH);
	for (i = 0x1000; i < 0x4000; i += 8) {
		u64 v = rnd_val();

		memcpy(buf + i, &v, 8);
	}
}

int main(int argc, char **argv)
{
	unsigned int per_class = argc > 1 ? (unsigned int)atoi(argv[1]) : 1000;
	unsigned int c, i, fails, shown;
	char why[256], hex[64];
	struct gen g;

	code = mmap(NULL, 8192, PROT_READ | PROT_WRITE | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	buf = mmap((void *)BUF_ADDR, BUF_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (code == MAP_FAILED || buf != (u8 *)BUF_ADDR) {
		UT_CHECK(0, "mmap of the code page and the buffer at %#llx",
			 (unsigned long long)BUF_ADDR);
		return ut_done();
	}
	area = (struct native_area *)(code + 4096);
	have_avx = __builtin_cpu_supports("avx");
	vec_bytes = have_avx ? 32 : 16;

	for (c = 0; c < PURE_ARRAY_SIZE(classes); c++) {
		if (classes[c].gen == gen_avx && !have_avx) {
			UT_CHECK(1, "# SKIP AVX moves: this CPU has no AVX");
			continue;
		}
		fails = 0;
		shown = 0;
		for (i = 0; i < per_class; i++) {
			memset(&g, 0, sizeof(g));
			random_state(&g);
			gen_one(&g, c);
			memcpy(mem_init, buf, BUF_SIZE);
			run_native(&g);
			memcpy(mem_native, buf, BUF_SIZE);
			memcpy(buf, mem_init, BUF_SIZE);
			if (compare(&g, run_emulated(&g), why)) {
				fails++;
				if (shown++ < 3) {
					hexdump(hex, g.b, g.n);
					printf("# %s: [%s] %s\n", classes[c].name, hex, why);
				}
			}
			memcpy(buf, mem_init, BUF_SIZE);
		}
		UT_CHECK(fails == 0, "differential %s: %u instructions, %u mismatches",
			 classes[c].name, per_class, fails);
	}
	return ut_done();
}
