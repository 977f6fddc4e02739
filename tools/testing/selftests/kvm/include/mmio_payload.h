/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tables of tiny guest payloads that touch MMIO, run in real mode, 16- and
 * 32-bit protected mode, PAE paging and long mode, with the exact sequence of exits
 * userspace must see (KVM_EXIT_MMIO address, length, direction and data;
 * KVM_EXIT_IO) and the values the guest reports back through port I/O.
 *
 * A payload is one piece of assembler text assembled three times (.code16,
 * .code32, .code64, with the absolute symbol BITS set to 16, 32 or 64 so the
 * text can use ".if BITS == 64").  It runs from gpa 0x1000 in the raw VM of
 * payload.h, with guest RAM cut down to [0, 0xc000): everything from 0xc000
 * up is device memory, reachable with 16-bit offsets from real mode.
 *
 *   0x8000 IDT (protected modes) and exception stubs at 0x8400
 *   0x9000 scratch RAM   0xa000 4 KiB page table (fault payloads)
 *   0xb000 last RAM page: accesses at 0xbffx cross into MMIO at 0xc000
 *
 * Reporting ports: 0xe8 (4 bytes) a value, 0xe9 (2 bytes) the flags as
 * (LAHF byte << 8) | OF; exception stubs use 0xe0 (vector, 1 byte), 0xe1
 * (error code), 0xe2 (CR2), 0xe3 (ECX), 0xe4 (EDI), all 4 bytes.
 */
#ifndef KT_MMIO_PAYLOAD_H
#define KT_MMIO_PAYLOAD_H

#include "payload.h"

#define MP_RAM_END	0xc000ull
#define MP_IDT		0x8000ull
#define MP_STUBS	0x8400ull
#define MP_PT		0xa000ull

#define MP_PORT_VAL	0xe8
#define MP_PORT_FLAGS	0xe9
#define MP_PORT_VEC	0xe0
#define MP_PORT_ERR	0xe1
#define MP_PORT_CR2	0xe2
#define MP_PORT_ECX	0xe3
#define MP_PORT_EDI	0xe4

/* Modes a payload runs in. */
#define MP_REAL		(1u << KT_MODE_REAL)
#define MP_PROT16	(1u << KT_MODE_PROT16)
#define MP_PROT32	(1u << KT_MODE_PROT32)
#define MP_PAE		(1u << KT_MODE_PAE)
#define MP_LONG		(1u << KT_MODE_LONG)
#define MP_ALL		(MP_REAL | MP_PROT16 | MP_PROT32 | MP_PAE | MP_LONG)
#define MP_NOREAL	(MP_PROT32 | MP_PAE | MP_LONG)
#define MP_PAGED	(MP_PAE | MP_LONG)

/* Payload options. */
#define MPF_AVX		(1u << 0)	/* CR4.OSXSAVE, XCR0 = x87|SSE|AVX */
/*
 * CR0.WP and a 4 KiB page table for [0, 2 MiB) at MP_PT: identity and
 * writable, except 0xc000 read-only, 0xd000 and 0xf000 not present.  In long
 * mode, also 0x7ffffffff000 (the last canonical page) maps 0xe000.
 */
#define MPF_PT		(1u << 1)
/* A read-only memory slot at [0xf000, 0x10000) whose byte at 0xf000 + i is i. */
#define MPF_ROM		(1u << 2)
#define MP_ROM		0xf000ull
/*
 * Long mode: linear 5 GiB (0x140000000) maps guest-physical 4 GiB (0x100000000)
 * with a 2 MiB page, through a page directory at gpa 0.
 */
#define MPF_HIGH	(1u << 3)

enum mp_step_kind {
	MP_END,
	MP_RD,		/* KVM_EXIT_MMIO read: addr, len; data is supplied */
	MP_WR,		/* KVM_EXIT_MMIO write: addr, len, data expected */
	MP_IN,		/* KVM_EXIT_IO in: port, size, count; data is supplied */
	MP_OUT,		/* KVM_EXIT_IO out: port, size, count; data (masked) expected */
	MP_EMUL_FAIL,	/* KVM_EXIT_INTERNAL_ERROR, suberror EMULATION; the payload ends */
	MP_ONLY,	/* the next .count steps apply only to implementation .impl */
};

/* Which implementation a step applies to (documented differences only). */
#define MP_BOTH		0
#define MP_LINUX	1	/* Linux's KVM (Debian's kvm.ko) */
#define MP_OURS		2

struct mp_step {
	uint8_t kind;
	uint8_t len;		/* MMIO length, or I/O element size */
	uint8_t count;		/* I/O elements */
	uint8_t impl;
	uint64_t addr;		/* gpa or port */
	uint64_t data;
	uint64_t mask;		/* MP_OUT: bits compared (0: all) */
};

#define MP_MAX_STEPS	40

struct mp_code {
	const uint8_t *c16, *c32, *c64, *end;
};

struct mmio_payload {
	const char *name;
	struct mp_code code;
	unsigned int modes;
	unsigned int flags;
	struct mp_step steps[MP_MAX_STEPS];
};

/*
 * Define payload NAME from assembler TEXT (a string); a hlt is appended.
 * Declares NAME_16, NAME_32, NAME_64 and NAME_end.
 */
#define MP_PAYLOAD(name, text)							\
	__asm__(".pushsection .rodata.mmio_payloads, \"a\"\n"			\
		".code16\n.set BITS, 16\n" #name "_16:\n" text "\nhlt\n"	\
		".code32\n.set BITS, 32\n" #name "_32:\n" text "\nhlt\n"	\
		".code64\n.set BITS, 64\n" #name "_64:\n" text "\nhlt\n"	\
		#name "_end:\n.code64\n.popsection\n");				\
	extern const uint8_t name##_16[], name##_32[], name##_64[], name##_end[]

#define MP_CODE(name)	{ name##_16, name##_32, name##_64, name##_end }

/* Guest text helpers. */
#define G_OUT_EAX	"out %eax, $0xe8\n"
#define G_FLAGS		"lahf\n seto %al\n out %ax, $0xe9\n"

/* Step helpers. */
#define RD(a, l, d)	{ .kind = MP_RD, .len = (l), .addr = (a), .data = (d) }
#define WR(a, l, d)	{ .kind = MP_WR, .len = (l), .addr = (a), .data = (d) }
#define IN(p, s, n, d)	{ .kind = MP_IN, .len = (s), .count = (n), .addr = (p), .data = (d) }
#define OUTP(p, s, d)	{ .kind = MP_OUT, .len = (s), .count = 1, .addr = (p), .data = (d) }
#define V(x)		OUTP(MP_PORT_VAL, 4, (uint32_t)(x))
#define EMUL_FAIL	{ .kind = MP_EMUL_FAIL }
/* Only on one implementation: wrap a step, or N steps. */
#define ONLY(who, step)		{ .kind = MP_ONLY, .impl = (who), .count = 1 }, step
#define ONLY_N(who, n, ...)	{ .kind = MP_ONLY, .impl = (who), .count = (n) }, __VA_ARGS__

/* Flags as G_FLAGS reports them. */
#define FLAGS_VAL(c, p, a, z, s, o)						\
	((((s) << 7 | (z) << 6 | (a) << 4 | (p) << 2 | 2 | (c)) << 8) | (o))
#define FL(c, p, a, z, s, o)	OUTP(MP_PORT_FLAGS, 2, FLAGS_VAL(c, p, a, z, s, o))
/* AF undefined (logical instructions) */
#define FL_NOAF(c, p, z, s, o)							\
	{ .kind = MP_OUT, .len = 2, .count = 1, .addr = MP_PORT_FLAGS,		\
	  .data = FLAGS_VAL(c, p, 0, z, s, o), .mask = 0xefff }
/* Only CF defined (BT group) */
#define FL_CF(c)								\
	{ .kind = MP_OUT, .len = 2, .count = 1, .addr = MP_PORT_FLAGS,		\
	  .data = (c) << 8, .mask = 0x0100 }

/* Only ZF */
#define FL_ZF(z)								\
	{ .kind = MP_OUT, .len = 2, .count = 1, .addr = MP_PORT_FLAGS,		\
	  .data = (z) << 14, .mask = 0x4000 }

/* What the exception stubs report. */
#define EXC_PF(err, cr2, ecx, edi)						\
	OUTP(MP_PORT_VEC, 1, 14), OUTP(MP_PORT_ERR, 4, err), OUTP(MP_PORT_CR2, 4, cr2),	\
	OUTP(MP_PORT_ECX, 4, ecx), OUTP(MP_PORT_EDI, 4, edi)
#define EXC_GP(err, ecx, edi)							\
	OUTP(MP_PORT_VEC, 1, 13), OUTP(MP_PORT_ERR, 4, err),			\
	OUTP(MP_PORT_ECX, 4, ecx), OUTP(MP_PORT_EDI, 4, edi)

/* The VM mp_run_table() runs payload p in (free it with kt_raw_free()). */
void mp_vm_create(struct kt_raw_vm *r, const struct mmio_payload *p, enum kt_cpu_mode mode);
/* Run every payload of the table in each of its modes; failures are reported per payload. */
void mp_run_table(const struct mmio_payload *t, size_t n);
/* True when the loaded kvm.ko is Linux's own (in-tree) rather than ours. */
bool mp_impl_is_linux(void);

#endif
