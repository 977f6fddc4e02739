// SPDX-License-Identifier: GPL-2.0-only
/*
 * The variable-length lists /dev/kvm hands out: KVM_GET_SUPPORTED_CPUID,
 * KVM_GET_EMULATED_CPUID, KVM_GET_MSR_INDEX_LIST and
 * KVM_GET_MSR_FEATURE_INDEX_LIST; and the one system attribute,
 * KVM_X86_XCOMP_GUEST_SUPP (KVM_HAS/GET_DEVICE_ATTR on /dev/kvm).  Too small a count gives E2BIG (with the
 * needed count written back where Linux does so), the exact count works, and
 * the answers are stable and plausible.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kvmt.h"
#include "x86.h"

static struct kvm_cpuid2 *cpuid_buf(uint32_t nent)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));

	KT_ASSERT(c, "out of memory");
	c->nent = nent;
	return c;
}

static uint32_t cpuid_list_size(unsigned long req, const char *name, bool exact_fits)
{
	struct kvm_cpuid2 *c = cpuid_buf(1);
	uint32_t n;

	/* One entry is never enough: E2BIG, nent untouched in Linux 6.1. */
	KT_ASSERT_ERRNO(ioctl(kt_kvm_fd(), req, c), E2BIG);
	kt_diag("%s with nent 1: E2BIG, nent now %u", name, c->nent);
	free(c);
	/* Zero entries too. */
	c = cpuid_buf(0);
	KT_ASSERT_ERRNO(ioctl(kt_kvm_fd(), req, c), E2BIG);
	free(c);
	/* A generous buffer: the real count comes back. */
	c = cpuid_buf(256);
	KT_ASSERT_OK(ioctl(kt_kvm_fd(), req, c));
	n = c->nent;
	KT_ASSERT(n > 1 && n <= 256, "%s returned %u entries", name, n);
	free(c);
	/*
	 * Exactly that many works for the supported list.  (Linux 6.1 wants one
	 * spare slot for the emulated list, so that one is not checked.)
	 */
	if (exact_fits) {
		c = cpuid_buf(n);
		KT_ASSERT_OK(ioctl(kt_kvm_fd(), req, c));
		KT_ASSERT(c->nent == n, "%s: %u then %u entries", name, n, c->nent);
		free(c);
	}
	/* One fewer never does. */
	c = cpuid_buf(n - 1);
	KT_ASSERT_ERRNO(ioctl(kt_kvm_fd(), req, c), E2BIG);
	free(c);
	return n;
}

static void test_supported_cpuid(void)
{
	struct kvm_cpuid2 *a, *b;
	uint32_t n = cpuid_list_size(KVM_GET_SUPPORTED_CPUID, "KVM_GET_SUPPORTED_CPUID",
					     true), i;
	const struct kvm_cpuid_entry2 *e0, *e1;

	a = cpuid_buf(n);
	b = cpuid_buf(n);
	KT_ASSERT_OK(ioctl(kt_kvm_fd(), KVM_GET_SUPPORTED_CPUID, a));
	KT_ASSERT_OK(ioctl(kt_kvm_fd(), KVM_GET_SUPPORTED_CPUID, b));
	KT_ASSERT(!memcmp(a->entries, b->entries, n * sizeof(a->entries[0])),
		  "two calls gave different tables");
	/* The table itself, for comparing implementations from the logs. */
	for (i = 0; i < n; i++) {
		const struct kvm_cpuid_entry2 *e = &a->entries[i];

		kt_diag("cpuid %08x.%u: %08x %08x %08x %08x%s", e->function, e->index, e->eax,
			e->ebx, e->ecx, e->edx,
			e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX ? " (indexed)" : "");
	}
	e0 = kt_find_cpuid(a, 0, 0);
	e1 = kt_find_cpuid(a, 1, 0);
	KT_ASSERT(e0 && e1, "leaves 0 and 1 missing");
	KT_ASSERT(e0->eax >= 1, "max basic leaf %u", e0->eax);
	/* Every entry's padding is zero and flags are known bits. */
	for (i = 0; i < n; i++) {
		const struct kvm_cpuid_entry2 *e = &a->entries[i];

		KT_ASSERT(!(e->flags & ~(uint32_t)KVM_CPUID_FLAG_SIGNIFCANT_INDEX),
			  "entry %u flags 0x%x", i, e->flags);
		KT_ASSERT(!e->padding[0] && !e->padding[1] && !e->padding[2],
			  "entry %u padding not zero", i);
	}
	free(a);
	free(b);
}

static void test_emulated_cpuid(void)
{
	if (!kt_check_cap(KVM_CAP_EXT_EMUL_CPUID))
		KT_SKIP("KVM_CAP_EXT_EMUL_CPUID not supported");
	cpuid_list_size(KVM_GET_EMULATED_CPUID, "KVM_GET_EMULATED_CPUID", false);
}

static struct kvm_msr_list *msr_list(uint32_t n)
{
	struct kvm_msr_list *l = calloc(1, sizeof(*l) + n * sizeof(l->indices[0]));

	KT_ASSERT(l, "out of memory");
	l->nmsrs = n;
	return l;
}

static uint32_t msr_list_check(unsigned long req, const char *name, struct kvm_msr_list **out)
{
	struct kvm_msr_list *l = msr_list(0), *again;
	uint32_t n;

	/* Too small: E2BIG, and the needed count is written back. */
	KT_ASSERT_ERRNO(ioctl(kt_kvm_fd(), req, l), E2BIG);
	n = l->nmsrs;
	KT_ASSERT(n > 0, "%s needs %u entries", name, n);
	free(l);
	l = msr_list(1);
	KT_ASSERT_ERRNO(ioctl(kt_kvm_fd(), req, l), E2BIG);
	KT_ASSERT(l->nmsrs == n, "%s: needed %u, then %u", name, n, l->nmsrs);
	free(l);
	l = msr_list(n);
	KT_ASSERT_OK(ioctl(kt_kvm_fd(), req, l));
	KT_ASSERT(l->nmsrs == n, "%s: %u entries, said %u", name, l->nmsrs, n);
	/* A bigger buffer gives the same list and the real count. */
	again = msr_list(n + 50);
	KT_ASSERT_OK(ioctl(kt_kvm_fd(), req, again));
	KT_ASSERT(again->nmsrs == n && !memcmp(again->indices, l->indices, n * 4),
		  "%s changed between calls", name);
	free(again);
	kt_diag("%s: %u MSRs", name, n);
	*out = l;
	return n;
}

static bool has_msr(const struct kvm_msr_list *l, uint32_t idx)
{
	uint32_t i;

	for (i = 0; i < l->nmsrs; i++)
		if (l->indices[i] == idx)
			return true;
	return false;
}

static void test_msr_index_list(void)
{
	struct kvm_msr_list *l;

	msr_list_check(KVM_GET_MSR_INDEX_LIST, "KVM_GET_MSR_INDEX_LIST", &l);
	KT_ASSERT(has_msr(l, MSR_STAR) && has_msr(l, MSR_LSTAR) &&
		  has_msr(l, MSR_IA32_SYSENTER_CS) && has_msr(l, MSR_IA32_TSC),
		  "basic MSRs missing from the list");
	free(l);
}

static void test_msr_feature_list(void)
{
	struct kvm_msr_list *l;

	if (!kt_check_cap(KVM_CAP_GET_MSR_FEATURES))
		KT_SKIP("KVM_CAP_GET_MSR_FEATURES not supported");
	msr_list_check(KVM_GET_MSR_FEATURE_INDEX_LIST, "KVM_GET_MSR_FEATURE_INDEX_LIST", &l);
	free(l);
}

/* XTILECFG and XTILEDATA: reported by the attribute, in leaf 0xd only on request. */
#define XCR0_DYNAMIC	((1ull << 17) | (1ull << 18))

static int sys_attr(unsigned long req, uint32_t flags, uint32_t group, uint64_t attr,
		    uint64_t addr)
{
	struct kvm_device_attr a = {
		.flags = flags, .group = group, .attr = attr, .addr = addr,
	};

	return ioctl(kt_kvm_fd(), req, &a);
}

static void test_xcomp_guest_supp(void)
{
	uint64_t val = ~0ull, again = ~0ull, leaf = 0;
	struct kvm_cpuid2 *c = cpuid_buf(256);
	const struct kvm_cpuid_entry2 *e;
	uint64_t *ro;

	if (!kt_check_cap(KVM_CAP_SYS_ATTRIBUTES))
		KT_SKIP("KVM_CAP_SYS_ATTRIBUTES not supported");
	KT_ASSERT_OK(sys_attr(KVM_HAS_DEVICE_ATTR, 0, 0, KVM_X86_XCOMP_GUEST_SUPP, 0));
	KT_ASSERT_OK(sys_attr(KVM_GET_DEVICE_ATTR, 0, 0, KVM_X86_XCOMP_GUEST_SUPP,
			      (uintptr_t)&val));
	kt_diag("KVM_X86_XCOMP_GUEST_SUPP: 0x%llx", (unsigned long long)val);
	KT_ASSERT(val != ~0ull, "nothing written");

	KT_ASSERT_OK(ioctl(kt_kvm_fd(), KVM_GET_SUPPORTED_CPUID, c));
	e = kt_find_cpuid(c, 0xd, 0);
	if (e)
		leaf = e->eax | (uint64_t)e->edx << 32;
	kt_diag("KVM_GET_SUPPORTED_CPUID 0xd.0: 0x%llx", (unsigned long long)leaf);
	free(c);
	KT_ASSERT((val & ~XCR0_DYNAMIC) == leaf,
		  "attribute 0x%llx, leaf 0xd 0x%llx", (unsigned long long)val,
		  (unsigned long long)leaf);
	/* x87 and SSE are always there where XSAVE is. */
	if (leaf)
		KT_ASSERT((val & 3) == 3, "x87/SSE missing: 0x%llx", (unsigned long long)val);

	/* Linux does not look at the flags of a system attribute. */
	KT_ASSERT_OK(sys_attr(KVM_GET_DEVICE_ATTR, 1, 0, KVM_X86_XCOMP_GUEST_SUPP,
			      (uintptr_t)&again));
	KT_ASSERT(again == val, "flags 1 gave 0x%llx", (unsigned long long)again);
	KT_ASSERT_OK(sys_attr(KVM_HAS_DEVICE_ATTR, 0x80000000u, 0, KVM_X86_XCOMP_GUEST_SUPP, 0));

	/* Unknown group or attribute: ENXIO, nothing written. */
	again = 0x1234;
	KT_ASSERT_ERRNO(sys_attr(KVM_HAS_DEVICE_ATTR, 0, 1, KVM_X86_XCOMP_GUEST_SUPP, 0), ENXIO);
	KT_ASSERT_ERRNO(sys_attr(KVM_HAS_DEVICE_ATTR, 0, 0, 1, 0), ENXIO);
	KT_ASSERT_ERRNO(sys_attr(KVM_HAS_DEVICE_ATTR, 0, 0xffffffffu, ~0ull, 0), ENXIO);
	KT_ASSERT_ERRNO(sys_attr(KVM_GET_DEVICE_ATTR, 0, 1, KVM_X86_XCOMP_GUEST_SUPP,
				 (uintptr_t)&again), ENXIO);
	KT_ASSERT_ERRNO(sys_attr(KVM_GET_DEVICE_ATTR, 0, 0, 1, (uintptr_t)&again), ENXIO);
	KT_ASSERT(again == 0x1234, "a failed GET wrote 0x%llx", (unsigned long long)again);

	/* Bad destinations: EFAULT. */
	KT_ASSERT_ERRNO(sys_attr(KVM_GET_DEVICE_ATTR, 0, 0, KVM_X86_XCOMP_GUEST_SUPP, 0), EFAULT);
	KT_ASSERT_ERRNO(sys_attr(KVM_GET_DEVICE_ATTR, 0, 0, KVM_X86_XCOMP_GUEST_SUPP,
				 0xffff800000000000ull), EFAULT);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	KT_ASSERT(ro != MAP_FAILED, "mmap");
	KT_ASSERT_ERRNO(sys_attr(KVM_GET_DEVICE_ATTR, 0, 0, KVM_X86_XCOMP_GUEST_SUPP,
				 (uintptr_t)ro), EFAULT);
	munmap(ro, 4096);
	/* The attribute structure itself unreadable: EFAULT. */
	KT_ASSERT_ERRNO(ioctl(kt_kvm_fd(), KVM_GET_DEVICE_ATTR, NULL), EFAULT);
	KT_ASSERT_ERRNO(ioctl(kt_kvm_fd(), KVM_HAS_DEVICE_ATTR, NULL), EFAULT);
}

static const struct ktest_case cases[] = {
	{ "supported_cpuid", test_supported_cpuid },
	{ "emulated_cpuid", test_emulated_cpuid },
	{ "msr_index_list", test_msr_index_list },
	{ "msr_feature_index_list", test_msr_feature_list },
	{ "xcomp_guest_supp", test_xcomp_guest_supp },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
