/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Architectural constants and descriptor layouts the selftest library uses to
 * build guest state.  Numbers come from the AMD64 Architecture Programmer's
 * Manual vol. 2 (APM) and the Intel SDM vol. 3; the section is cited per block.
 */
#ifndef KT_X86_H
#define KT_X86_H

#include <stdint.h>

/* APM 3.1.1 / SDM 2.5: CR0 */
#define X86_CR0_PE	(1ull << 0)
#define X86_CR0_MP	(1ull << 1)
#define X86_CR0_EM	(1ull << 2)
#define X86_CR0_TS	(1ull << 3)
#define X86_CR0_ET	(1ull << 4)
#define X86_CR0_NE	(1ull << 5)
#define X86_CR0_WP	(1ull << 16)
#define X86_CR0_AM	(1ull << 18)
#define X86_CR0_NW	(1ull << 29)
#define X86_CR0_CD	(1ull << 30)
#define X86_CR0_PG	(1ull << 31)

/* APM 3.1.3 / SDM 2.5: CR4 */
#define X86_CR4_PSE		(1ull << 4)
#define X86_CR4_PAE		(1ull << 5)
#define X86_CR4_PGE		(1ull << 7)
#define X86_CR4_OSFXSR		(1ull << 9)
#define X86_CR4_OSXMMEXCPT	(1ull << 10)
#define X86_CR4_OSXSAVE		(1ull << 18)

/* APM 3.1.7: EFER (MSR 0xc0000080) */
#define MSR_EFER		0xc0000080u
#define EFER_SCE		(1ull << 0)
#define EFER_LME		(1ull << 8)
#define EFER_LMA		(1ull << 10)
#define EFER_NXE		(1ull << 11)

/* Other MSRs the tests touch (APM appendix A) */
#define MSR_IA32_TSC		0x10u
#define MSR_IA32_SYSENTER_CS	0x174u
#define MSR_IA32_SYSENTER_ESP	0x175u
#define MSR_IA32_SYSENTER_EIP	0x176u
#define MSR_STAR		0xc0000081u
#define MSR_LSTAR		0xc0000082u
#define MSR_CSTAR		0xc0000083u
#define MSR_SYSCALL_MASK	0xc0000084u
#define MSR_FS_BASE		0xc0000100u
#define MSR_GS_BASE		0xc0000101u
#define MSR_KERNEL_GS_BASE	0xc0000102u

/* APM 5.3.3 / SDM 4.5: page-table entry bits (4-level and PAE) */
#define PTE_P		(1ull << 0)
#define PTE_W		(1ull << 1)
#define PTE_U		(1ull << 2)
#define PTE_A		(1ull << 5)
#define PTE_D		(1ull << 6)
#define PTE_PS		(1ull << 7)
#define PTE_ADDR_MASK	0x000ffffffffff000ull

#define PAGE_SIZE_4K	0x1000ull
#define PAGE_SIZE_2M	0x200000ull
#define PAGE_SIZE_1G	0x40000000ull

/* APM 4.7 / SDM 3.4.5: a legacy code/data segment descriptor (8 bytes) */
struct x86_desc {
	uint16_t limit0;
	uint16_t base0;
	uint8_t base1;
	uint8_t type:4, s:1, dpl:2, p:1;
	uint8_t limit1:4, avl:1, l:1, db:1, g:1;
	uint8_t base2;
} __attribute__((packed));
_Static_assert(sizeof(struct x86_desc) == 8, "APM 4.7.1: descriptor is 8 bytes");

/* APM 4.8.3: a 64-bit system descriptor (TSS) takes 16 bytes */
struct x86_desc64 {
	struct x86_desc lo;
	uint32_t base3;
	uint32_t zero;
} __attribute__((packed));
_Static_assert(sizeof(struct x86_desc64) == 16, "APM 4.8.3: system descriptor is 16 bytes");

/* APM 4.8.4: a long-mode interrupt gate (16 bytes) */
struct x86_idt_gate64 {
	uint16_t off0;
	uint16_t selector;
	uint8_t ist:3, zero0:5;
	uint8_t type:4, zero1:1, dpl:2, p:1;
	uint16_t off1;
	uint32_t off2;
	uint32_t zero2;
} __attribute__((packed));
_Static_assert(sizeof(struct x86_idt_gate64) == 16, "APM 4.8.4: IDT gate is 16 bytes");

/* APM 12.2.5: the 64-bit TSS (104 bytes) */
struct x86_tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct x86_tss64) == 104, "APM 12.2.5: 64-bit TSS is 104 bytes");

/* Segment types (APM 4.7.2, table 4-3; 4.8.2, table 4-6) */
#define SEG_TYPE_DATA_RW_A	0x3
#define SEG_TYPE_CODE_XR_A	0xb
#define SEG_TYPE_TSS64_BUSY	0xb
#define SEG_TYPE_LDT		0x2
#define GATE_TYPE_INT64		0xe

/* Exception vectors (APM 8.2) */
#define X86_VEC_DE	0
#define X86_VEC_DB	1
#define X86_VEC_BP	3
#define X86_VEC_UD	6
#define X86_VEC_NM	7
#define X86_VEC_DF	8
#define X86_VEC_GP	13
#define X86_VEC_PF	14

/* RFLAGS (APM 3.1.6) */
#define X86_RFLAGS_FIXED	(1ull << 1)
#define X86_RFLAGS_IF		(1ull << 9)

/* CPUID bits the library tests (APM vol. 3, appendix E) */
#define CPUID_1_ECX_XSAVE	(1u << 26)
#define CPUID_1_ECX_OSXSAVE	(1u << 27)

/* XCR0 components (SDM 13.1) */
#define XFEATURE_X87	(1ull << 0)
#define XFEATURE_SSE	(1ull << 1)
#define XFEATURE_AVX	(1ull << 2)

#endif
