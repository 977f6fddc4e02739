/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake vCPU for host tests and fuzzers of the emulator: registers, segments, a flat
 * guest RAM, one MMIO window and a port log, behind struct emu_ops.
 */
#ifndef TEST_EMU_VCPU_H
#define TEST_EMU_VCPU_H

#include "emulate.h"

#define TV_LOG_MAX	64

struct tv_access {
	bool pio, write;
	u8 len;
	u16 count;		/* port reads: elements of a batched exit */
	u64 addr;
	u64 data;
};

struct tv_vcpu {
	u64 gpr[16];
	u64 rip, rflags;
	u64 cr0, cr3, cr4, efer;
	unsigned int cpl;
	struct emu_seg seg[8];
	u64 gdt_base;
	u32 gdt_limit;
	u8 vec[16][32];

	/* Guest RAM: guest-physical [ram_base, ram_base + ram_size) is ram[]. */
	u8 *ram;
	u64 ram_base, ram_size;

	/* MMIO window: reads return mmio_data bytes (little-endian pattern by address). */
	u64 mmio_base, mmio_size;
	bool mmio_user;		/* true: every MMIO access needs userspace */
	u8 mmio_mem[256];	/* backing store of the window (first 256 bytes, wraps) */
	bool pio_user;
	u8 port_mem[65536 / 8 + 8];

	/* Access log of device accesses that reached "hardware". */
	struct tv_access log[TV_LOG_MAX];
	unsigned int nlog;

	/* Linear->physical: identity with an offset, or a callback (page walker). */
	int (*xlate)(struct tv_vcpu *v, u64 la, unsigned int acc, u64 *gpa, struct emu_fault *f);
	u64 xlate_fault_at;	/* identity mode: translating this page raises #PF (0: none) */

	/* cmpxchg_phys: calls, and a racing store done once before the next compare. */
	unsigned int ncmpxchg;
	bool race_pending;
	u64 race_addr, race_val;

	struct emu_fault injected;
	unsigned int ninjected;

	struct emu_ctxt ctxt;
};

extern const struct emu_ops tv_ops;

/* A 64-bit mode CPL-0 vCPU with identity translation and ram at [base, base+size). */
void tv_init64(struct tv_vcpu *v, u8 *ram, u64 base, u64 size);
/* Real mode (CS=DS=ES=SS=0, limit 0xffff). */
void tv_init_real(struct tv_vcpu *v, u8 *ram, u64 base, u64 size);
/* 32-bit protected mode, flat 4 GiB segments. */
void tv_init32(struct tv_vcpu *v, u8 *ram, u64 base, u64 size);
/* 16-bit protected mode, 64 KiB segments at base 0. */
void tv_init16(struct tv_vcpu *v, u8 *ram, u64 base, u64 size);

/* Run an instruction; complete every userspace exit with the window's data (up to n). */
enum emu_status tv_run(struct tv_vcpu *v, const u8 *bytes, unsigned int len,
		       unsigned int *nexits);

#endif /* TEST_EMU_VCPU_H */
