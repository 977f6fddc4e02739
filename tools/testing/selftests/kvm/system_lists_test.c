// SPDX-License-Identifier: GPL-2.0-only
/*
 * The variable-length lists /dev/kvm hands out: KVM_GET_SUPPORTED_CPUID,
 * KVM_GET_EMULATED_CPUID, KVM_GET_MSR_INDEX_LIST and
 * KVM_GET_MSR_FEATURE_INDEX_LIST.  Too small a count gives E2BIG (with the
 * needed count written back where Linux does so), the exact count works, and
 * the answers are stable and plausible.
 */
#include <sys/ioctl.h>

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

static const struct ktest_case cases[] = {
	{ "supported_cpuid", test_supported_cpuid },
	{ "emulated_cpuid", test_emulated_cpuid },
	{ "msr_index_list", test_msr_index_list },
	{ "msr_feature_index_list", test_msr_feature_list },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
