// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_GET_SUPPORTED_CPUID: the CPUID leaves a VMM may give its guests, i.e. what
 * the host CPU has intersected with what this implementation virtualizes
 * correctly.  Feature bits are allowed by explicit lists below; anything not
 * listed is hidden.  No lock: reads the host's CPUID only.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/kvm_arch.h>
#include <asm/processor.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/types.h>
#include <asm/kvm_para.h>
#include "x86.h"

#define BIT32(n)	(1U << (n))

/* Leaf 1 ECX: SSE3, PCLMULQDQ, SSSE3, FMA, CX16, SSE4.1, SSE4.2, MOVBE, POPCNT,
 * AES, XSAVE, AVX, F16C, RDRAND.
 */
#define LEAF1_ECX_OK	(BIT32(0) | BIT32(1) | BIT32(9) | BIT32(12) | BIT32(13) | BIT32(19) | \
			 BIT32(20) | BIT32(22) | BIT32(23) | BIT32(25) | BIT32(26) | BIT32(28) | \
			 BIT32(29) | BIT32(30))
#define LEAF1_ECX_HYPERVISOR	BIT32(31)
#define LEAF1_ECX_X2APIC	BIT32(21)
/* Leaf 1 EDX: FPU VME DE PSE TSC MSR PAE MCE CX8 APIC SEP MTRR PGE MCA CMOV PAT PSE36
 * CLFSH MMX FXSR SSE SSE2 (MCE and MCA: the banks of mce.c).
 */
#define LEAF1_EDX_OK	(BIT32(0) | BIT32(1) | BIT32(2) | BIT32(3) | BIT32(4) | BIT32(5) | \
			 BIT32(6) | BIT32(7) | BIT32(8) | BIT32(9) | BIT32(11) | BIT32(12) | \
			 BIT32(13) | BIT32(14) | BIT32(15) | BIT32(16) | BIT32(17) | BIT32(19) | \
			 BIT32(23) | BIT32(24) | BIT32(25) | BIT32(26))
/* Leaf 7.0 EBX: FSGSBASE BMI1 AVX2 SMEP BMI2 ERMS ADX SMAP CLFLUSHOPT CLWB SHA. */
#define LEAF7_EBX_OK	(BIT32(0) | BIT32(3) | BIT32(5) | BIT32(7) | BIT32(8) | BIT32(9) | \
			 BIT32(19) | BIT32(20) | BIT32(23) | BIT32(24) | BIT32(29))
/* Leaf 0x80000001 ECX: LAHF/SAHF, ABM, SSE4A, MISALIGNSSE, 3DNOWPREFETCH. */
#define LEAF81_ECX_OK	(BIT32(0) | BIT32(5) | BIT32(6) | BIT32(7) | BIT32(8))
/* Leaf 0x80000001 EDX: SYSCALL, NX, MMXEXT, PDPE1GB, RDTSCP, LM (and the leaf-1 bits
 * AMD mirrors there: FPU ... FXSR).
 */
#define LEAF81_EDX_OK	(BIT32(11) | BIT32(20) | BIT32(22) | BIT32(26) | BIT32(27) | \
			 BIT32(29) | (LEAF1_EDX_OK & 0x0183f3ff))

/* XCR0 components we switch and validate: x87, SSE, AVX. */
#define KVM_XCR0_OK	(XFEATURE_MASK_FP | XFEATURE_MASK_SSE | XFEATURE_MASK_YMM)

struct cpuid_builder {
	struct kvm_cpuid_entry2 *e;
	u32 n, max;
};

static struct kvm_cpuid_entry2 *cpuid_add(struct cpuid_builder *b, u32 fn, u32 idx, bool indexed)
{
	struct kvm_cpuid_entry2 *e;

	if (b->n >= b->max)
		return NULL;
	e = &b->e[b->n++];
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = idx;
	e->flags = indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
	cpuid_count(fn, idx, &e->eax, &e->ebx, &e->ecx, &e->edx);
	return e;
}

u64 kvmx86_supported_xcr0(void)
{
	if (!boot_cpu_has(X86_FEATURE_XSAVE))
		return 0;
	return xgetbv(XCR_XFEATURE_ENABLED_MASK) & KVM_XCR0_OK;
}

/*
 * The KVM paravirtual leaves: the signature (and the highest PV leaf), then the
 * features that work here: kvmclock at both MSR pairs and its stable bit
 * (kvmclock.c), and the port 0x80 delay a guest may skip (nothing to do).
 */
static int cpuid_add_kvm_leaves(struct cpuid_builder *b)
{
	struct kvm_cpuid_entry2 *e;

	e = cpuid_add(b, KVM_CPUID_SIGNATURE, 0, false);
	if (!e)
		return -E2BIG;
	e->eax = KVM_CPUID_FEATURES;
	memcpy(&e->ebx, KVM_SIGNATURE, 4);
	memcpy(&e->ecx, KVM_SIGNATURE + 4, 4);
	memcpy(&e->edx, KVM_SIGNATURE + 8, 4);
	e = cpuid_add(b, KVM_CPUID_FEATURES, 0, false);
	if (!e)
		return -E2BIG;
	e->eax = BIT32(KVM_FEATURE_CLOCKSOURCE) | BIT32(KVM_FEATURE_NOP_IO_DELAY) |
		 BIT32(KVM_FEATURE_CLOCKSOURCE2) | BIT32(KVM_FEATURE_CLOCKSOURCE_STABLE_BIT);
	e->ebx = e->ecx = e->edx = 0;
	return 0;
}

/* Returns 0, or -E2BIG when b->max entries are not enough. */
static int cpuid_build(struct cpuid_builder *b)
{
	struct kvm_cpuid_entry2 *e;
	u64 xcr0 = kvmx86_supported_xcr0();
	u32 basic_max, ext_max, i;

	e = cpuid_add(b, 0, 0, false);
	if (!e)
		return -E2BIG;
	basic_max = e->eax = min_t(u32, e->eax, 0xd);

	e = cpuid_add(b, 1, 0, false);
	if (!e)
		return -E2BIG;
	e->ebx &= 0x0000ffff;		/* no APIC id, no logical processor count */
	e->ecx = (e->ecx & LEAF1_ECX_OK) | LEAF1_ECX_HYPERVISOR;
	/* The in-kernel LAPIC implements x2APIC whatever the host has (as Linux). */
	e->ecx |= LEAF1_ECX_X2APIC;
	if (!xcr0)
		e->ecx &= ~(BIT32(26) | BIT32(28) | BIT32(12) | BIT32(29));
	if (!(xcr0 & XFEATURE_MASK_YMM))
		e->ecx &= ~(BIT32(28) | BIT32(12) | BIT32(29));
	e->edx &= LEAF1_EDX_OK;

	if (basic_max >= 7) {
		e = cpuid_add(b, 7, 0, true);
		if (!e)
			return -E2BIG;
		e->eax = 0;
		e->ebx &= LEAF7_EBX_OK;
		e->ebx |= BIT32(1);	/* TSC_ADJUST: emulated (tsc.c) */
		if (!(xcr0 & XFEATURE_MASK_YMM))
			e->ebx &= ~BIT32(5);
		e->ecx = 0;
		/* IA32_ARCH_CAPABILITIES is emulated on every host (msr_features.c). */
		e->edx = BIT32(29);
	}

	if (basic_max >= 0xd && xcr0) {
		u32 size = (xcr0 & XFEATURE_MASK_YMM) ? 832 : 576;

		e = cpuid_add(b, 0xd, 0, true);
		if (!e)
			return -E2BIG;
		e->eax = (u32)xcr0;
		e->edx = 0;
		e->ebx = size;
		e->ecx = size;
		e = cpuid_add(b, 0xd, 1, true);
		if (!e)
			return -E2BIG;
		e->eax &= BIT32(0);	/* XSAVEOPT only; no XSAVES (no XSS) */
		e->ebx = e->ecx = e->edx = 0;
		if (xcr0 & XFEATURE_MASK_YMM) {
			e = cpuid_add(b, 0xd, 2, true);
			if (!e)
				return -E2BIG;
			e->ecx = e->edx = 0;
		}
	}

	e = cpuid_add(b, 0x80000000, 0, false);
	if (!e)
		return -E2BIG;
	ext_max = e->eax = min_t(u32, e->eax, 0x80000008);
	for (i = 0x80000001; i <= ext_max; i++) {
		e = cpuid_add(b, i, 0, false);
		if (!e)
			return -E2BIG;
		switch (i) {
		case 0x80000001:
			e->ecx &= LEAF81_ECX_OK;
			e->edx &= LEAF81_EDX_OK;
			break;
		case 0x80000007:
			e->eax = e->ebx = e->ecx = 0;
			e->edx &= BIT32(8);	/* invariant TSC */
			break;
		case 0x80000008:
			e->ebx = e->ecx = e->edx = 0;
			e->eax &= 0xffff;	/* physical and virtual address widths */
			break;
		default:
			break;		/* brand string and cache descriptions */
		}
	}
	return cpuid_add_kvm_leaves(b);
}

long kvmx86_get_supported_cpuid(struct kvm_cpuid2 __user *uc)
{
	struct cpuid_builder b = { 0 };
	struct kvm_cpuid2 head;
	int r;

	if (copy_from_user(&head, uc, sizeof(head)))
		return -EFAULT;
	if (head.nent < 1)
		return -E2BIG;
	b.max = min_t(u32, head.nent, KVM_X86_MAX_CPUID_ENTRIES);
	b.e = kvcalloc(b.max, sizeof(*b.e), GFP_KERNEL);
	if (!b.e)
		return -ENOMEM;
	r = cpuid_build(&b);
	if (r)
		goto out;
	r = -EFAULT;
	if (copy_to_user(uc->entries, b.e, array_size(b.n, sizeof(*b.e))))
		goto out;
	head.nent = b.n;
	if (copy_to_user(uc, &head, sizeof(head)))
		goto out;
	r = 0;
out:
	kvfree(b.e);
	return r;
}
