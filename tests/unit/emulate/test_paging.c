// SPDX-License-Identifier: GPL-2.0-only
/*
 * The emulator with ops->translate backed by the page-table walker, as in the kernel:
 * #PF error codes and CR2 through the emulator, A/D bits set by emulated accesses,
 * and an MMIO page reached through guest page tables.
 */
#include <stdio.h>
#include "ut.h"
#include "vcpu.h"
#include "walk.h"

#define RAM_SIZE 0x40000

static u8 ram[RAM_SIZE];

static int rd_pte(void *priv, u64 gpa, u64 *val, unsigned int size)
{
	(void)priv;
	if (gpa + size > RAM_SIZE)
		return -14;
	*val = 0;
	memcpy(val, ram + gpa, size);
	return 0;
}

static int cx_pte(void *priv, u64 gpa, u64 old, u64 new, unsigned int size)
{
	u64 cur = 0;

	(void)priv;
	memcpy(&cur, ram + gpa, size);
	if (cur != old)
		return 1;
	memcpy(ram + gpa, &new, size);
	return 0;
}

static const struct walk_ops wops = { .read_pte = rd_pte, .cmpxchg_pte = cx_pte };
static unsigned int nwalks;

/* What the kernel glue's ops->translate does. */
static int xlate(struct tv_vcpu *v, u64 la, unsigned int acc, u64 *gpa, struct emu_fault *f)
{
	struct walk_cfg cfg = {
		.cr0 = v->cr0, .cr3 = v->cr3, .cr4 = v->cr4, .efer = v->efer,
		.maxphyaddr = 46, .gbpages = true, .set_ad = true,
		.eflags_ac = v->rflags & (1u << 18),
	};
	struct walk_result r;
	int st = walk_translate(&wops, v, &cfg, la, acc, &r);

	nwalks++;
	if (st == WALK_OK) {
		*gpa = r.gpa;
		return 0;
	}
	f->vector = EMU_EXC_PF;
	f->has_error = true;
	f->error = r.error;
	f->cr2 = la;
	return -1;
}

static void put(u64 a, u64 v)
{
	memcpy(ram + a, &v, 8);
}

static u64 get(u64 a)
{
	u64 v;

	memcpy(&v, ram + a, 8);
	return v;
}

/*
 * Tables: PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000.
 * la 0x400000 + 4K*i -> PT entry i.
 */
static void build(void)
{
	memset(ram, 0, sizeof(ram));
	put(0x1000, 0x2000 | 7);
	put(0x2000, 0x3000 | 7);
	put(0x3000 + 2 * 8, 0x4000 | 7);
	put(0x4000 + 0 * 8, 0x10000 | 7);			/* user RW */
	put(0x4000 + 1 * 8, 0x11000 | 5);			/* user RO */
	put(0x4000 + 2 * 8, 0x12000 | 3);			/* supervisor RW */
	put(0x4000 + 3 * 8, 0xfee00000ull | 3);		/* device page */
	/* entry 4 not present */
}

int main(void)
{
	struct tv_vcpu v;
	enum emu_status st;
	unsigned int n;

	build();
	tv_init64(&v, ram, 0, RAM_SIZE);
	v.xlate = xlate;
	v.cr3 = 0x1000;
	v.cpl = 3;
	v.rip = 0x100;

	v.gpr[EMU_RBX] = 0x400010;
	v.gpr[EMU_RAX] = 0x55;
	st = tv_run(&v, (const u8 *)"\x89\x03", 2, &n);
	UT_CHECK(st == EMU_DONE && ram[0x10010] == 0x55 && (get(0x4000) & 0x60) == 0x60,
		 "user write through the walker: data at gpa 0x10010, A+D set");

	v.gpr[EMU_RBX] = 0x401000;
	st = tv_run(&v, (const u8 *)"\x89\x03", 2, &n);
	UT_CHECK(st == EMU_FAULT && v.injected.vector == EMU_EXC_PF && v.injected.error == 7 &&
		 v.injected.cr2 == 0x401000, "user write to read-only page: #PF err 7, cr2");

	v.gpr[EMU_RBX] = 0x402000;
	st = tv_run(&v, (const u8 *)"\x8b\x03", 2, &n);
	UT_CHECK(st == EMU_FAULT && v.injected.error == 5,
		 "user read of supervisor page: #PF err 5");

	v.gpr[EMU_RBX] = 0x404ffe;
	st = tv_run(&v, (const u8 *)"\x8b\x03", 2, &n);
	UT_CHECK(st == EMU_FAULT && v.injected.error == 4 && v.injected.cr2 == 0x404ffe,
		 "read of a non-present page: #PF err 4");

	v.cpl = 0;
	v.gpr[EMU_RBX] = 0x403ffe;
	st = tv_run(&v, (const u8 *)"\x8b\x03", 2, &n);
	UT_CHECK(st == EMU_FAULT && v.injected.error == 0 && v.injected.cr2 == 0x404000,
		 "read crossing into a non-present page: cr2 is the second page");

	v.cpl = 0;
	v.mmio_user = true;
	v.gpr[EMU_RBX] = 0x403008;
	v.mmio_mem[8] = 0x99;
	st = tv_run(&v, (const u8 *)"\x0f\xb6\x03", 3, &n);
	UT_CHECK(st == EMU_DONE && n == 1 && v.log[v.nlog - 1].addr == 0xfee00008ull &&
		 v.gpr[EMU_RAX] == 0x99, "movzx from a device page mapped by the guest");

	v.cr4 |= 1u << 21;				/* SMAP */
	v.gpr[EMU_RBX] = 0x400000;
	st = tv_run(&v, (const u8 *)"\x8b\x03", 2, &n);
	UT_CHECK(st == EMU_FAULT && v.injected.error == 1, "SMAP: supervisor read of user page");
	v.rflags |= 1u << 18;
	st = tv_run(&v, (const u8 *)"\x8b\x03", 2, &n);
	UT_CHECK(st == EMU_DONE, "SMAP with EFLAGS.AC: allowed");

	/*
	 * The address of the nested page fault (ctxt->fault_gpa): the memory
	 * operand at the same page offset takes it without a walk; anything else
	 * walks.  la 0x403010 maps to the device page, gpa 0xfee00010.
	 */
	v.rflags &= ~(1ull << 18);
	v.cr4 &= ~(1ull << 21);
	v.mmio_user = false;
	v.gpr[EMU_RBX] = 0x403010;
	v.gpr[EMU_RAX] = 0x1234;
	v.nlog = 0;
	nwalks = 0;
	v.ctxt.fault_gpa = 0xfee00010ull;
	v.ctxt.fault_gpa_valid = true;
	v.ctxt.fault_gpa_write = true;
	st = tv_run(&v, (const u8 *)"\x89\x03", 2, &n);
	UT_CHECK(st == EMU_DONE && nwalks == 0 && v.nlog == 1 && v.log[0].addr == 0xfee00010ull &&
		 v.log[0].data == 0x1234 && !v.ctxt.fault_gpa_valid,
		 "fault gpa: a store to it walks nothing, and is forgotten after the instruction");

	v.nlog = 0;
	nwalks = 0;
	v.ctxt.fault_gpa = 0xfee00018ull;
	v.ctxt.fault_gpa_valid = true;
	st = tv_run(&v, (const u8 *)"\x89\x03", 2, &n);
	UT_CHECK(st == EMU_DONE && nwalks == 1 && v.log[0].addr == 0xfee00010ull,
		 "fault gpa at another page offset: the walker decides");

	v.nlog = 0;
	nwalks = 0;
	v.ctxt.fault_gpa = 0xfee00010ull;
	v.ctxt.fault_gpa_valid = true;
	v.ctxt.fault_gpa_write = false;
	st = tv_run(&v, (const u8 *)"\x89\x03", 2, &n);
	UT_CHECK(st == EMU_DONE && nwalks == 1 && v.log[0].addr == 0xfee00010ull,
		 "a store after a read fault: walked");

	/* A read that needs userspace: the re-execution after the exit walks nothing either. */
	v.mmio_user = true;
	v.nlog = 0;
	nwalks = 0;
	v.mmio_mem[0x10] = 0x42;
	v.ctxt.fault_gpa_valid = true;
	st = tv_run(&v, (const u8 *)"\x8b\x03", 2, &n);
	UT_CHECK(st == EMU_DONE && n == 1 && nwalks == 0 && (v.gpr[EMU_RAX] & 0xff) == 0x42,
		 "fault gpa kept across the userspace exit of a read");

	/* push [rbx]: the operand uses it, the stack slot at the same offset walks. */
	v.mmio_user = false;
	v.nlog = 0;
	nwalks = 0;
	v.gpr[EMU_RSP] = 0x400018;		/* the push writes la 0x400010, gpa 0x10010 */
	memset(ram + 0x10010, 0, 8);
	v.ctxt.fault_gpa_valid = true;
	st = tv_run(&v, (const u8 *)"\xff\x33", 2, &n);
	UT_CHECK(st == EMU_DONE && nwalks == 1 && v.nlog == 1 && !v.log[0].write &&
		 get(0x10010) == v.log[0].data, "push of a device word: the stack write walks");

	/* movs: string instructions always walk. */
	v.nlog = 0;
	nwalks = 0;
	v.gpr[EMU_RSI] = 0x403010;
	v.gpr[EMU_RDI] = 0x400010;
	v.ctxt.fault_gpa_valid = true;
	st = tv_run(&v, (const u8 *)"\xa4", 1, &n);
	UT_CHECK(st == EMU_DONE && nwalks == 2 && v.nlog == 1 && v.log[0].addr == 0xfee00010ull,
		 "movsb from a device page: both addresses walked");

	/* Instruction fetch goes through the walker with the fetch bit. */
	v.efer |= 1u << 11;
	put(0x4000 + 5 * 8, 0x13000 | 3 | (1ull << 63));	/* NX */
	v.rip = 0x405000;
	st = emu_run(&v.ctxt, NULL, 0);
	UT_CHECK(st == EMU_FAULT && v.injected.error == 0x11 && v.injected.cr2 == 0x405000,
		 "fetch from an NX page: #PF err 0x11 (P|I)");
	return ut_done();
}
