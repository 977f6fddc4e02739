// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_TRANSLATE: a guest-virtual address translated through the guest's own
 * page tables (the library's long-mode identity map) gives the guest-physical
 * address the library placed it at; an unmapped address is reported invalid.
 */
#include <sys/ioctl.h>

#include "kvmt.h"

static uint64_t translate_target = 0x1234;

static void guest_main(uint64_t a0, uint64_t a1)
{
	(void)a0;
	(void)a1;
}

static void test_translate(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_main, 0, 0);
	struct kvm_translation tr;
	uint64_t gva = (uint64_t)&translate_target;

	memset(&tr, 0, sizeof(tr));
	tr.linear_address = gva;
	KT_ASSERT(ioctl(v->fd, KVM_TRANSLATE, &tr) == 0, "KVM_TRANSLATE");
	KT_ASSERT(tr.valid == 1, "mapped address reported invalid");
	KT_ASSERT(tr.physical_address == kt_gva2gpa(vm, gva), "gva 0x%llx -> 0x%llx, want 0x%llx",
		  (unsigned long long)gva, (unsigned long long)tr.physical_address,
		  (unsigned long long)kt_gva2gpa(vm, gva));

	/* Far above the 4 GiB the library maps. */
	memset(&tr, 0, sizeof(tr));
	tr.linear_address = 0x7f0000000000ull;
	KT_ASSERT(ioctl(v->fd, KVM_TRANSLATE, &tr) == 0, "KVM_TRANSLATE (unmapped)");
	KT_ASSERT(tr.valid == 0, "unmapped address reported valid (0x%llx)",
		  (unsigned long long)tr.physical_address);
	kt_vm_free(vm);
}

static const struct ktest_case cases[] = {
	{ "translate", test_translate },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
