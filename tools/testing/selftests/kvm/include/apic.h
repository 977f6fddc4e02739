/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Local APIC and IOAPIC for guest code: register offsets (Intel SDM vol. 3A,
 * chapter 10; 82093AA datasheet) and small accessors for the xAPIC page, the
 * x2APIC MSRs and the IOAPIC's index/data window.  Guest side only.
 */
#ifndef KT_APIC_H
#define KT_APIC_H

#include <stdint.h>
#include "guest.h"

#define APIC_DEFAULT_GPA	0xfee00000ull
#define IOAPIC_DEFAULT_GPA	0xfec00000ull

#define MSR_IA32_APICBASE	0x1bu
#define MSR_IA32_TSC_DEADLINE	0x6e0u
#define APICBASE_BSP		(1ull << 8)
#define APICBASE_EXTD		(1ull << 10)
#define APICBASE_EN		(1ull << 11)

/* xAPIC register offsets; the x2APIC MSR is 0x800 + offset / 16. */
#define APIC_ID		0x020
#define APIC_LVR	0x030
#define APIC_TPR	0x080
#define APIC_PPR	0x0a0
#define APIC_EOI	0x0b0
#define APIC_LDR	0x0d0
#define APIC_DFR	0x0e0
#define APIC_SVR	0x0f0
#define APIC_ISR	0x100
#define APIC_TMR	0x180
#define APIC_IRR	0x200
#define APIC_ESR	0x280
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVTT	0x320
#define APIC_LVT0	0x350
#define APIC_LVT1	0x360
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0
#define APIC_SELF_IPI	0x3f0

#define APIC_SVR_ENABLE		(1u << 8)
#define APIC_LVT_MASKED		(1u << 16)
#define APIC_LVT_LEVEL		(1u << 15)
#define APIC_TIMER_ONESHOT	(0u << 17)
#define APIC_TIMER_PERIODIC	(1u << 17)
#define APIC_TIMER_TSCDEADLINE	(2u << 17)
#define APIC_TDCR_DIV1		0xb
#define APIC_ICR_FIXED		(0u << 8)
#define APIC_ICR_NMI		(4u << 8)
#define APIC_ICR_INIT		(5u << 8)
#define APIC_ICR_SIPI		(6u << 8)
#define APIC_ICR_LOGICAL	(1u << 11)
#define APIC_ICR_BUSY		(1u << 12)
#define APIC_ICR_ASSERT		(1u << 14)
#define APIC_ICR_LEVEL		(1u << 15)
#define APIC_ICR_SELF		(1u << 18)
#define APIC_ICR_ALL		(2u << 18)
#define APIC_ICR_OTHERS		(3u << 18)

#define X2APIC_MSR(off)		(0x800u + ((off) >> 4))

static inline uint32_t xapic_read(uint32_t off)
{
	return *(volatile uint32_t *)(uintptr_t)(APIC_DEFAULT_GPA + off);
}

static inline void xapic_write(uint32_t off, uint32_t val)
{
	*(volatile uint32_t *)(uintptr_t)(APIC_DEFAULT_GPA + off) = val;
}

static inline uint64_t x2apic_read(uint32_t off)
{
	return guest_rdmsr(X2APIC_MSR(off));
}

static inline void x2apic_write(uint32_t off, uint64_t val)
{
	guest_wrmsr(X2APIC_MSR(off), val);
}

/* Turn on x2APIC mode (the APIC is enabled at reset) and software-enable it. */
static inline void x2apic_enable(uint8_t spurious_vector)
{
	guest_wrmsr(MSR_IA32_APICBASE, guest_rdmsr(MSR_IA32_APICBASE) | APICBASE_EN |
		    APICBASE_EXTD);
	x2apic_write(APIC_SVR, APIC_SVR_ENABLE | spurious_vector);
}

static inline void xapic_enable(uint8_t spurious_vector)
{
	xapic_write(APIC_SVR, APIC_SVR_ENABLE | spurious_vector);
}

/* IOAPIC: IOREGSEL at +0x00, IOWIN at +0x10; entry n at index 0x10 + 2n (low), +1 (high). */
#define IOAPIC_REG_VERSION	0x01
#define IOAPIC_REDTBL(n)	(0x10 + 2 * (n))
#define IOAPIC_RTE_LEVEL	(1u << 15)
#define IOAPIC_RTE_REMOTE_IRR	(1u << 14)
#define IOAPIC_RTE_MASKED	(1u << 16)

static inline uint32_t ioapic_read(uint32_t index)
{
	*(volatile uint32_t *)(uintptr_t)IOAPIC_DEFAULT_GPA = index;
	return *(volatile uint32_t *)(uintptr_t)(IOAPIC_DEFAULT_GPA + 0x10);
}

static inline void ioapic_write(uint32_t index, uint32_t val)
{
	*(volatile uint32_t *)(uintptr_t)IOAPIC_DEFAULT_GPA = index;
	*(volatile uint32_t *)(uintptr_t)(IOAPIC_DEFAULT_GPA + 0x10) = val;
}

static inline uint64_t guest_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void guest_sti(void)
{
	__asm__ volatile("sti" : : : "memory");
}

static inline void guest_cli(void)
{
	__asm__ volatile("cli" : : : "memory");
}

/* STI; HLT: the interrupt shadow of STI keeps an interrupt from slipping in between. */
static inline void guest_sti_hlt(void)
{
	__asm__ volatile("sti; hlt" : : : "memory");
}

#endif
