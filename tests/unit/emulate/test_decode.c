// SPDX-License-Identifier: GPL-2.0-only
/*
 * Decoder tables: encodings with their expected length (or fault) in each mode, and the
 * form the decoder reports (operand/address size, segment, ModRM/SIB fields).
 */
#include <stdio.h>
#include <stdlib.h>
#include "ut.h"
#include "vcpu.h"
#include "../../../arch/x86/kvm/emulate/emu_internal.h"

static unsigned int parse_hex(const char *s, u8 *out)
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

struct dcase {
	int mode;		/* 64, 32, 16, 0 (real) */
	const char *hex;
	int len;		/* expected length; -N: fault with vector N */
	const char *what;
};

static const struct dcase dcases[] = {
	{ 64, "90", 1, "nop" },
	{ 64, "48 89 d8", 3, "mov rax, rbx" },
	{ 64, "89 04 24", 3, "mov [rsp], eax (SIB)" },
	{ 64, "89 44 24 08", 4, "disp8 SIB" },
	{ 64, "89 84 24 00 01 00 00", 7, "disp32 SIB" },
	{ 64, "89 04 25 00 10 00 00", 7, "SIB no base, disp32" },
	{ 64, "8b 05 10 00 00 00", 6, "RIP-relative" },
	{ 64, "41 8b 45 00", 4, "r13 base needs disp8" },
	{ 64, "43 8b 04 2c", 4, "r12 base, r13 index" },
	{ 64, "48 b8 88 77 66 55 44 33 22 11", 10, "mov rax, imm64" },
	{ 64, "b8 44 33 22 11", 5, "mov eax, imm32" },
	{ 64, "66 b8 22 11", 4, "mov ax, imm16" },
	{ 64, "48 c7 c0 ff ff ff ff", 7, "mov rax, simm32" },
	{ 64, "66 c7 00 34 12", 5, "mov word [rax], imm16" },
	{ 64, "a1 00 00 e0 fe 00 00 00 00", 9, "mov eax, moffs64" },
	{ 64, "67 a1 00 00 e0 fe", 6, "mov eax, moffs32 (67)" },
	{ 32, "a1 00 00 e0 fe", 5, "mov eax, moffs32" },
	{ 16, "a1 00 10", 3, "mov ax, moffs16" },
	{ 0, "a1 00 10", 3, "real: mov ax, moffs16" },
	{ 0, "66 67 a1 00 00 01 00", 7, "real: 66 67 moffs32" },
	{ 0, "8b 46 02", 3, "real: mov ax, [bp+2]" },
	{ 0, "8b 06 34 12", 4, "real: mov ax, [disp16]" },
	{ 0, "8b 80 34 12", 4, "real: mov ax, [bx+si+disp16]" },
	{ 32, "8b 04 85 00 10 00 00", 7, "32: index*4 + disp32" },
	{ 32, "8b 05 00 10 00 00", 6, "32: disp32 absolute" },
	{ 32, "67 8b 46 02", 4, "32: 67 -> 16-bit addressing" },
	{ 64, "f6 c3 01", 3, "test bl, imm8 (grp3 /0)" },
	{ 64, "f7 c3 01 00 00 00", 6, "test ebx, imm32" },
	{ 64, "f7 d3", 2, "not ebx (grp3 /2: no imm)" },
	{ 64, "66 f7 c3 01 00", 5, "test bx, imm16" },
	{ 64, "81 00 78 56 34 12", 6, "add [rax], imm32" },
	{ 64, "83 00 01", 3, "add [rax], imm8" },
	{ 64, "c8 10 00 01", 4, "enter" },
	{ 32, "9a 00 00 00 00 08 00", 7, "call far ptr16:32" },
	{ 16, "ea 00 00 08 00", 5, "jmp far ptr16:16" },
	{ 64, "9a 00 00 00 00 08 00", -EMU_EXC_UD, "call far invalid in 64" },
	{ 64, "06", -EMU_EXC_UD, "push es invalid in 64" },
	{ 32, "06", 1, "push es" },
	{ 64, "0f 0b", 2, "ud2" },
	{ 64, "0f 04", -EMU_EXC_UD, "0f 04 reserved" },
	{ 64, "0f 38 00 c1", 4, "pshufb (0f38)" },
	{ 64, "66 0f 3a 0f c1 08", 6, "palignr (0f3a + imm8)" },
	{ 64, "0f ba e0 05", 4, "bt eax, 5" },
	{ 64, "0f 1f 44 00 00", 5, "nop dword [rax+rax]" },
	{ 64, "0f 84 00 00 00 00", 6, "jz rel32" },
	{ 64, "66 0f 6f 00", 4, "movdqa xmm0, [rax]" },
	{ 64, "f3 0f 6f 00", 4, "movdqu xmm0, [rax]" },
	{ 64, "c5 fa 6f 00", 4, "vmovdqu xmm0, [rax] (VEX2)" },
	{ 64, "c5 fe 6f 00", 4, "vmovdqu ymm0, [rax]" },
	{ 64, "c4 e1 7a 6f 00", 5, "vmovdqu (VEX3)" },
	{ 64, "c4 e3 79 0f c1 08", 6, "vpalignr (VEX3 map 0f3a)" },
	{ 64, "c5 f8 77", 3, "vzeroupper" },
	{ 64, "62 f1 fe 48 6f 00", 6, "vmovdqu64 zmm0, [rax] (EVEX)" },
	{ 64, "62 f1 fe 48 6f 40 01", 7, "EVEX disp8*N" },
	{ 32, "c4 00", 2, "32: les eax, [eax] (not VEX)" },
	{ 32, "c5 fa 6f 00", 4, "32: VEX when mod=3 bits" },
	{ 32, "62 00", 2, "32: bound eax, [eax]" },
	{ 64, "66 c5 fa 6f 00", -EMU_EXC_UD, "66 before VEX" },
	{ 64, "48 c5 fa 6f 00", -EMU_EXC_UD, "REX before VEX" },
	{ 64, "f0 c5 fa 6f 00", -EMU_EXC_UD, "LOCK before VEX" },
	{ 64, "48 66 89 c0", 4, "REX then 66: REX ignored" },
	{ 64, "2e 3e 26 64 65 36 89 00", 8, "many segment prefixes" },
	{ 64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", 15, "15 bytes" },
	{ 64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", -EMU_EXC_GP, "16 bytes: #GP" },
	{ 64, "f3 48 a5", 3, "rep movsq" },
	{ 64, "e4 60", 2, "in al, 0x60" },
	{ 64, "cd 80", 2, "int 0x80" },
	{ 64, "d4 0a", -EMU_EXC_UD, "aam invalid in 64" },
	{ 32, "d4 0a", 2, "aam" },
	{ 64, "d9 c0", 2, "fld st0" },
	{ 64, "dd 04 24", 3, "fld qword [rsp]" },
	{ 64, "0f 20 c0", 3, "mov rax, cr0" },
	{ 64, "0f 20 00", 3, "mov rax, cr0 (mod ignored)" },
	{ 64, "8f 00", 2, "pop [rax]" },
	{ 64, "8f e9 78 01 c0", 5, "XOP recognised (length)" },
	{ 64, "63 c8", 2, "movsxd ecx, eax" },
	{ 64, "0f c7 08", 3, "cmpxchg8b" },
	{ 64, "0f 0f c1 b4", 4, "3DNow: modrm + imm8" },
};

static void init_mode(struct tv_vcpu *v, int mode, u8 *ram)
{
	switch (mode) {
	case 64: tv_init64(v, ram, 0, 65536); break;
	case 32: tv_init32(v, ram, 0, 65536); break;
	case 16: tv_init16(v, ram, 0, 65536); break;
	default: tv_init_real(v, ram, 0, 65536); break;
	}
}

static u8 ram[65536];

static void length_table(void)
{
	struct tv_vcpu v;
	unsigned int i, n;
	u8 b[16];
	int r;

	for (i = 0; i < PURE_ARRAY_SIZE(dcases); i++) {
		const struct dcase *c = &dcases[i];

		init_mode(&v, c->mode, ram);
		n = parse_hex(c->hex, b);
		r = emu_decode(&v.ctxt, b, n);
		if (c->len > 0)
			UT_CHECK(r == 0 && v.ctxt.insn.len == c->len,
				 "decode %s (mode %d): length %d, got r=%d len=%u", c->what,
				 c->mode, c->len, r, v.ctxt.insn.len);
		else
			UT_CHECK(r != 0 && v.ctxt.fault.vector == -c->len,
				 "decode %s (mode %d): fault %d, got r=%d vec=%u", c->what,
				 c->mode, -c->len, r, v.ctxt.fault.vector);
	}
}

/* Fetching from CS:RIP gives the same result as supplied bytes; truncation is refused. */
static void fetch_and_truncation(void)
{
	struct tv_vcpu v;
	u8 b[16];
	unsigned int n;
	int r;

	init_mode(&v, 64, ram);
	n = parse_hex("48 8b 84 24 00 01 00 00", b);
	memcpy(ram + 0x1ffc, b, n);	/* crosses a page boundary */
	v.rip = 0x1ffc;
	r = emu_decode(&v.ctxt, NULL, 0);
	UT_CHECK(r == 0 && v.ctxt.insn.len == 8, "fetch across a page: len %u",
		 v.ctxt.insn.len);
	v.xlate_fault_at = 0x2000;
	r = emu_decode(&v.ctxt, NULL, 0);
	UT_CHECK(r != 0 && v.ctxt.fault.vector == EMU_EXC_PF && v.ctxt.fault.cr2 == 0x2000,
		 "fetch fault on the second page: #PF cr2=%llx",
		 (unsigned long long)v.ctxt.fault.cr2);
	v.xlate_fault_at = 0;
	memset(ram + 0x1ffc, 0, 8);
	memcpy(ram + 0x2001, "\x01\x00\x00", 3);	/* what memory says after 5 bytes */
	r = emu_decode(&v.ctxt, b, 5);
	UT_CHECK(r == 0 && v.ctxt.insn.len == 8 && v.ctxt.insn.disp == 0x100,
		 "bytes missing from the caller's prefix are fetched from CS:RIP");
}

/* The decoded form: sizes, registers, segment. */
static void forms(void)
{
	struct tv_vcpu v;
	struct emu_insn *in = &v.ctxt.insn;
	u8 b[16];
	unsigned int n;

	init_mode(&v, 64, ram);
	n = parse_hex("66 45 89 44 8d 10", b);	/* mov [r13+rcx*4+0x10], r8w */
	emu_decode(&v.ctxt, b, n);
	UT_CHECK(in->op_size == 2 && in->addr_size == 8 && in->modrm_reg == 8 &&
		 in->base == 13 && in->index == 1 && in->scale == 4 && in->disp == 0x10,
		 "66 REX SIB form: op %u base %d index %d scale %u", in->op_size, in->base,
		 in->index, in->scale);
	n = parse_hex("8b 45 f8", b);		/* mov eax, [rbp-8] */
	emu_decode(&v.ctxt, b, n);
	UT_CHECK(in->seg == EMU_SS && in->disp == -8, "rbp base defaults to SS");
	n = parse_hex("64 8b 00", b);
	emu_decode(&v.ctxt, b, n);
	UT_CHECK(in->seg == EMU_FS, "FS override kept in 64-bit mode");
	n = parse_hex("2e 8b 00", b);
	emu_decode(&v.ctxt, b, n);
	UT_CHECK(in->seg == EMU_DS, "CS override ignored in 64-bit mode");
	n = parse_hex("4c 8b 24 24", b);	/* mov r12, [rsp] */
	emu_decode(&v.ctxt, b, n);
	UT_CHECK(in->op_size == 8 && in->modrm_reg == 12 && in->base == 4 && in->index < 0 &&
		 in->seg == EMU_SS, "REX.WR, rsp base, no index, SS");
	n = parse_hex("42 8b 04 20", b);	/* mov eax, [rax+r12] */
	emu_decode(&v.ctxt, b, n);
	UT_CHECK(in->index == 12, "REX.X: r12 is a valid index");
	init_mode(&v, 0, ram);
	n = parse_hex("8b 42 04", b);		/* mov ax, [bp+si+4] */
	emu_decode(&v.ctxt, b, n);
	UT_CHECK(in->base == EMU_RBP && in->index == EMU_RSI && in->seg == EMU_SS &&
		 in->op_size == 2 && in->addr_size == 2, "16-bit bp+si form");
	init_mode(&v, 64, ram);
	n = parse_hex("c4 c1 7d 6f 00", b);	/* vmovdqa ymm0, [r8] */
	emu_decode(&v.ctxt, b, n);
	UT_CHECK(in->vex && in->vex_l == 1 && in->simd_prefix == 0x66 && in->base == 8 &&
		 in->map == 1 && in->opcode == 0x6f, "VEX3 fields: L=1 pp=66 B=1");
	n = parse_hex("66 f3 0f 6f 00", b);
	emu_decode(&v.ctxt, b, n);
	UT_CHECK(in->simd_prefix == 0xf3, "F3 wins over 66 as mandatory prefix");
}

int main(void)
{
	length_table();
	fetch_and_truncation();
	forms();
	return ut_done();
}
