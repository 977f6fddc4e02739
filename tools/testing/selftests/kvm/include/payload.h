/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Raw machine-code guests: a VM with one 2 MiB slot at gpa 0 and a vCPU put
 * straight into the chosen CPU mode, running a small position-independent
 * payload copied to KT_RAW_CODE.  The payload reports through port I/O and
 * stops with hlt; kt_raw_expect() checks a table of expected OUTs.
 *
 * Guest physical layout (identity mapped where paging is on):
 *   0x1000 code   0x2000 GDT   0x3000 PAE PDPT   0x4000 page directory (2 MiB
 *   pages, first 1 GiB)   0x5000 PML4   0x6000 PDPT for long mode
 *   0x7000-0x8000 stack (SP/ESP/RSP = 0x8000)   0x9000 data for the payload
 */
#ifndef KT_PAYLOAD_H
#define KT_PAYLOAD_H

#include "kvmt.h"

#define KT_RAW_MEM_SIZE	(2ull << 20)
#define KT_RAW_CODE	0x1000
#define KT_RAW_GDT	0x2000
#define KT_RAW_PDPT_PAE	0x3000
#define KT_RAW_PD	0x4000
#define KT_RAW_PML4	0x5000
#define KT_RAW_PDPT_LM	0x6000
#define KT_RAW_STACK	0x8000
#define KT_RAW_DATA	0x9000

/* GDT selectors of the raw VM */
#define KT_RAW_SEL_CODE32	0x08
#define KT_RAW_SEL_DATA32	0x10
#define KT_RAW_SEL_CODE16	0x18
#define KT_RAW_SEL_DATA16	0x20
#define KT_RAW_SEL_CODE64	0x28
#define KT_RAW_GDT_LIMIT	(6 * 8 - 1)

enum kt_cpu_mode {
	KT_MODE_REAL,
	KT_MODE_PROT16,		/* CR0.PE, 16-bit code segment */
	KT_MODE_PROT32,		/* CR0.PE, flat 32-bit segments, no paging */
	KT_MODE_PAE,		/* 32-bit code, CR4.PAE + CR0.PG */
	KT_MODE_LONG,		/* EFER.LMA, 64-bit code segment */
};

struct kt_raw_vm {
	struct kt_vm *vm;
	struct kt_vcpu *vcpu;
	uint8_t *mem;		/* hva of gpa 0 */
};

/* One expected guest OUT: port, size in bytes and value. */
struct kt_raw_out {
	uint16_t port;
	uint8_t size;
	uint32_t value;
};

void kt_raw_create(struct kt_raw_vm *r, enum kt_cpu_mode mode, const void *code, size_t len);

/* Options for kt_raw_create_opts(). */
#define KT_RAW_IRQCHIP	(1u << 0)	/* KVM_CREATE_IRQCHIP before the vCPU */

/*
 * kt_raw_create() with slot 0 of mem_size bytes (at least through the data
 * page, whole pages; the page directory maps the first 1 GiB whatever the size).
 */
void kt_raw_create_opts(struct kt_raw_vm *r, enum kt_cpu_mode mode, const void *code, size_t len,
			uint64_t mem_size, unsigned int opts);
void kt_raw_free(struct kt_raw_vm *r);
const char *kt_mode_name(enum kt_cpu_mode mode);
/*
 * Run the payload: each expected OUT in order (value compared), then
 * KVM_EXIT_HLT.  Failures name the payload and the step.
 */
void kt_raw_expect(struct kt_raw_vm *r, const char *name, const struct kt_raw_out *outs,
		   size_t n);

#endif
