// SPDX-License-Identifier: GPL-2.0-only
/*
 * MSR accesses that userspace handles: KVM_CAP_X86_USER_SPACE_MSR sends RDMSR
 * and WRMSR of unknown MSRs, of invalid values and of filtered MSRs to
 * userspace as KVM_EXIT_X86_RDMSR/WRMSR; userspace answers with data or with
 * an error that becomes #GP.  KVM_X86_SET_MSR_FILTER decides per MSR and per
 * direction.  Without the capability all of these are #GP in the guest.
 */
#include <sys/ioctl.h>

#include "kvmt.h"
#include "x86.h"

#define MSR_UNKNOWN		0x4b4d5358	/* no CPU has this one */
#define MSR_STAR_IDX		0xc0000081
#define MSR_EFER_IDX		0xc0000080

static volatile uint64_t gp_count;

static void guest_gp_handler(struct guest_exc_frame *f)
{
	gp_count++;
	f->rip += 2;	/* rdmsr / wrmsr */
}

/* Stage by stage; the host checks each exit in between. */
static void guest_main(void)
{
	uint64_t v;

	guest_set_exc_handler(13, guest_gp_handler);
	v = guest_rdmsr(MSR_UNKNOWN);			/* to userspace: answered */
	GUEST_SYNC(1, v, gp_count);
	guest_wrmsr(MSR_UNKNOWN, 0x1122334455667788ull);	/* to userspace: refused */
	GUEST_SYNC(2, gp_count);
	v = guest_rdmsr(MSR_STAR_IDX);			/* filtered read */
	GUEST_SYNC(3, v, gp_count);
	guest_wrmsr(MSR_STAR_IDX, 0x0023001000000000ull);	/* writes are not filtered */
	GUEST_SYNC(4, gp_count);
	guest_wrmsr(MSR_EFER_IDX, guest_rdmsr(MSR_EFER_IDX) | (1ull << 63)); /* reserved bit */
	GUEST_SYNC(5, gp_count);
	GUEST_DONE();
}

static void guest_nocap(void)
{
	guest_set_exc_handler(13, guest_gp_handler);
	(void)guest_rdmsr(MSR_UNKNOWN);
	guest_wrmsr(MSR_UNKNOWN, 1);
	GUEST_SYNC(1, gp_count);
	GUEST_DONE();
}

/* Platform MSRs guests read without a fault handler: they must not fault. */
static const uint32_t platform_msrs[] = {
	0x2a, 0x198, 0x199, 0x1db, 0x1dc, 0x1dd, 0x1de, 0xc0010010, 0xc0010112,
	0xc0010113, 0xc0010055, 0xc001001f, 0xc0010058, 0xc0011022, 0xc001102c,
	0xc0010000, 0xc0010004, 0xc0010015, 0xc0011029, 0x8b,
};

static void guest_platform(void)
{
	unsigned int i;

	guest_set_exc_handler(13, guest_gp_handler);
	for (i = 0; i < sizeof(platform_msrs) / sizeof(platform_msrs[0]); i++) {
		(void)guest_rdmsr(platform_msrs[i]);
		if (gp_count)
			GUEST_SYNC(1, platform_msrs[i]);
	}
	GUEST_SYNC(0, 0);
	GUEST_DONE();
}

static void test_platform_msrs(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *vcpu = kt_vcpu_add(vm, 0, guest_platform, 0, 0);
	struct kt_ucall uc;

	KT_ASSERT(KT_RUN_UCALL(vcpu, &uc) == UCALL_SYNC, "no sync");
	KT_ASSERT(uc.args[0] == 0, "RDMSR 0x%llx faulted", (unsigned long long)uc.args[1]);
	KT_RUN_DONE(vcpu);
	kt_vm_free(vm);
}

static void enable_user_msr(struct kt_vm *vm, uint64_t mask)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR, .args = { mask } };

	KT_ASSERT_OK(ioctl(vm->fd, KVM_ENABLE_CAP, &cap));
}

static void expect_msr_exit(struct kt_vcpu *vcpu, uint32_t reason, uint32_t exit_reason,
			    uint32_t index)
{
	KT_ASSERT(kt_vcpu_run(vcpu) == 0, "KVM_RUN: %s", strerror(errno));
	KT_ASSERT_EXIT(vcpu, exit_reason);
	KT_ASSERT(vcpu->run->msr.reason == reason && vcpu->run->msr.index == index,
		  "msr exit reason %u index 0x%x, want %u 0x%x", vcpu->run->msr.reason,
		  vcpu->run->msr.index, reason, index);
}

static void test_caps_and_errors(void)
{
	struct kt_vm *vm;
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR };
	struct kvm_msr_filter f;
	uint8_t bits[0x601];

	if (!kt_check_cap(KVM_CAP_X86_USER_SPACE_MSR) || !kt_check_cap(KVM_CAP_X86_MSR_FILTER))
		KT_SKIP("user-space MSR exits or MSR filter not supported");
	vm = kt_vm_create_bare();
	cap.args[0] = 1u << 3;
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_ENABLE_CAP, &cap), EINVAL);

	memset(&f, 0, sizeof(f));
	memset(bits, 0xff, sizeof(bits));
	f.flags = 2;
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &f), EINVAL);
	f.flags = KVM_MSR_FILTER_DEFAULT_DENY;	/* deny everything, allow nothing */
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &f), EINVAL);
	f.flags = 0;
	f.ranges[0].nmsrs = 8;
	f.ranges[0].bitmap = bits;
	f.ranges[0].flags = 0;				/* a range must name a direction */
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &f), EINVAL);
	f.ranges[0].flags = 4;				/* unknown direction bit */
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &f), EINVAL);
	f.ranges[0].flags = KVM_MSR_FILTER_READ;
	f.ranges[0].nmsrs = 0x600 * 8 + 64;		/* bitmap larger than allowed */
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &f), EINVAL);
	f.ranges[0].nmsrs = 8;
	f.ranges[0].bitmap = (uint8_t *)8;		/* unreadable bitmap */
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &f), EFAULT);
	f.ranges[0].bitmap = bits;
	KT_ASSERT_OK(ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &f));
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, (void *)8), EFAULT);
	kt_vm_free(vm);
}

static void test_user_exits(void)
{
	struct kt_vm *vm;
	struct kt_vcpu *vcpu;
	struct kvm_msr_filter f;
	uint8_t star_bits = 0;	/* MSR_STAR: reads denied */
	struct kt_ucall uc;

	if (!kt_check_cap(KVM_CAP_X86_USER_SPACE_MSR) || !kt_check_cap(KVM_CAP_X86_MSR_FILTER))
		KT_SKIP("user-space MSR exits or MSR filter not supported");
	vm = kt_vm_create();
	vcpu = kt_vcpu_add(vm, 0, guest_main, 0, 0);
	enable_user_msr(vm, KVM_MSR_EXIT_REASON_INVAL | KVM_MSR_EXIT_REASON_UNKNOWN |
			    KVM_MSR_EXIT_REASON_FILTER);
	memset(&f, 0, sizeof(f));
	f.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
	f.ranges[0].flags = KVM_MSR_FILTER_READ;
	f.ranges[0].base = MSR_STAR_IDX;
	f.ranges[0].nmsrs = 1;
	f.ranges[0].bitmap = &star_bits;
	KT_ASSERT_OK(ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &f));

	expect_msr_exit(vcpu, KVM_MSR_EXIT_REASON_UNKNOWN, KVM_EXIT_X86_RDMSR, MSR_UNKNOWN);
	vcpu->run->msr.data = 0xdeadbeefcafe;
	vcpu->run->msr.error = 0;
	KT_ASSERT(KT_RUN_UCALL(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 1, "no stage 1");
	KT_ASSERT(uc.args[1] == 0xdeadbeefcafe && uc.args[2] == 0,
		  "guest read 0x%llx with %llu #GP", (unsigned long long)uc.args[1],
		  (unsigned long long)uc.args[2]);

	expect_msr_exit(vcpu, KVM_MSR_EXIT_REASON_UNKNOWN, KVM_EXIT_X86_WRMSR, MSR_UNKNOWN);
	KT_ASSERT(vcpu->run->msr.data == 0x1122334455667788ull, "WRMSR data 0x%llx",
		  (unsigned long long)vcpu->run->msr.data);
	vcpu->run->msr.error = 1;
	KT_ASSERT(KT_RUN_UCALL(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 2, "no stage 2");
	KT_ASSERT(uc.args[1] == 1, "refused WRMSR gave %llu #GP", (unsigned long long)uc.args[1]);

	expect_msr_exit(vcpu, KVM_MSR_EXIT_REASON_FILTER, KVM_EXIT_X86_RDMSR, MSR_STAR_IDX);
	vcpu->run->msr.data = 0x42;
	vcpu->run->msr.error = 0;
	KT_ASSERT(KT_RUN_UCALL(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 3, "no stage 3");
	KT_ASSERT(uc.args[1] == 0x42 && uc.args[2] == 1, "filtered read gave 0x%llx",
		  (unsigned long long)uc.args[1]);

	KT_ASSERT(KT_RUN_UCALL(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 4, "no stage 4");
	KT_ASSERT(uc.args[1] == 1, "unfiltered write faulted");
	KT_ASSERT(kt_get_msr(vcpu, MSR_STAR_IDX) == 0x0023001000000000ull,
		  "the guest's STAR write was lost (host reads are never filtered)");

	expect_msr_exit(vcpu, KVM_MSR_EXIT_REASON_INVAL, KVM_EXIT_X86_WRMSR, MSR_EFER_IDX);
	vcpu->run->msr.error = 1;
	KT_ASSERT(KT_RUN_UCALL(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 5, "no stage 5");
	KT_ASSERT(uc.args[1] == 2, "invalid EFER write gave %llu #GP in all",
		  (unsigned long long)uc.args[1]);
	KT_RUN_DONE(vcpu);
	kt_vm_free(vm);
}

static void test_without_cap(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *vcpu = kt_vcpu_add(vm, 0, guest_nocap, 0, 0);
	struct kt_ucall uc;

	KT_ASSERT(KT_RUN_UCALL(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 1, "no stage 1");
	KT_ASSERT(uc.args[1] == 2, "unknown MSR accesses gave %llu #GP, want 2",
		  (unsigned long long)uc.args[1]);
	KT_RUN_DONE(vcpu);
	kt_vm_free(vm);
}

static const struct ktest_case cases[] = {
	{ "caps_and_errors", test_caps_and_errors },
	{ "user_exits", test_user_exits },
	{ "without_cap", test_without_cap },
	{ "platform_msrs", test_platform_msrs },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
