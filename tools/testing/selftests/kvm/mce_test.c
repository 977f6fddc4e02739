// SPDX-License-Identifier: GPL-2.0-only
/*
 * Machine-check emulation: KVM_X86_GET_MCE_CAP_SUPPORTED, KVM_X86_SETUP_MCE and
 * KVM_X86_SET_MCE.  A guest with CR4.MCE and a #MC handler gets an uncorrected
 * error as #MC with the bank filled in, a corrected error only in the bank,
 * reads past the configured banks fault, and an uncorrected error while
 * CR4.MCE is clear shuts the guest down.
 */
#include <sys/ioctl.h>

#include "kvmt.h"
#include "x86.h"

#define MSR_MCG_CAP		0x179
#define MSR_MCG_STATUS		0x17a
#define MSR_MCG_CTL		0x17b
#define MSR_MC0_CTL		0x400
#define MC_STATUS(bank)		(MSR_MC0_CTL + 4 * (bank) + 1)
#define MC_ADDR(bank)		(MSR_MC0_CTL + 4 * (bank) + 2)

#define MCG_CTL_P		(1ull << 8)
#define MCG_STATUS_RIPV		(1ull << 0)
#define MCG_STATUS_MCIP		(1ull << 2)
#define MCI_VAL			(1ull << 63)
#define MCI_OVER		(1ull << 62)
#define MCI_UC			(1ull << 61)
#define MCI_EN			(1ull << 60)

#define NR_BANKS		10
#define CR4_MCE			(1ull << 6)

static volatile uint64_t mc_count, mc_status, mc_mcg_status, gp_count;

static void guest_mc_handler(struct guest_exc_frame *f __attribute__((unused)))
{
	mc_count++;
	mc_status = guest_rdmsr(MC_STATUS(2));
	mc_mcg_status = guest_rdmsr(MSR_MCG_STATUS);
	/* The handler is done with the error: clear the bank and MCIP. */
	guest_wrmsr(MC_STATUS(2), 0);
	guest_wrmsr(MSR_MCG_STATUS, 0);
}

static void guest_gp_handler(struct guest_exc_frame *f)
{
	gp_count++;
	f->rip += 2;	/* rdmsr / wrmsr */
}

static void guest_set_cr4_mce(bool on)
{
	uint64_t cr4;

	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 = on ? cr4 | CR4_MCE : cr4 & ~CR4_MCE;
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
}

static void guest_main(void)
{
	guest_set_exc_handler(18, guest_mc_handler);
	guest_set_exc_handler(13, guest_gp_handler);
	guest_set_cr4_mce(true);

	GUEST_SYNC(1, guest_rdmsr(MSR_MCG_CAP), guest_rdmsr(MSR_MCG_CTL));
	/* The host injects an uncorrected error into bank 2 here. */
	GUEST_SYNC(2, mc_count, mc_status, mc_mcg_status);
	/* ... and a corrected one into bank 3: no #MC, only the bank. */
	GUEST_SYNC(3, mc_count, guest_rdmsr(MC_STATUS(3)), guest_rdmsr(MC_ADDR(3)));
	/* The guest may clear a status but not set one. */
	guest_wrmsr(MC_STATUS(3), 0);
	guest_wrmsr(MC_STATUS(3), MCI_VAL);
	/* Banks past the configured count do not exist. */
	(void)guest_rdmsr(MC_STATUS(NR_BANKS));
	GUEST_SYNC(4, gp_count, guest_rdmsr(MC_STATUS(3)));
	/* With CR4.MCE clear, the next uncorrected error is a shutdown. */
	guest_set_cr4_mce(false);
	GUEST_SYNC(5);
	GUEST_FAIL("ran on after an uncorrected #MC with CR4.MCE clear");
}

static void test_cap_supported(void)
{
	uint64_t cap = 0;

	KT_ASSERT(kt_check_cap(KVM_CAP_MCE) >= NR_BANKS, "KVM_CAP_MCE = %d",
		  kt_check_cap(KVM_CAP_MCE));
	KT_ASSERT_OK(ioctl(kt_kvm_fd(), KVM_X86_GET_MCE_CAP_SUPPORTED, &cap));
	kt_diag("supported MCG_CAP bits 0x%llx", (unsigned long long)cap);
	KT_ASSERT(cap & MCG_CTL_P, "MCG_CTL_P not offered: 0x%llx", (unsigned long long)cap);
	KT_ASSERT(!(cap & 0xff), "bank count bits set in the supported caps");
}

static void test_setup_errors(void)
{
	struct kt_vm *vm = kt_vm_create_bare();
	struct kt_vcpu *vcpu = kt_vcpu_add_bare(vm, 0);
	int banks = kt_check_cap(KVM_CAP_MCE);
	struct kvm_x86_mce m = { .status = MCI_VAL | MCI_EN, .bank = 0 };
	uint64_t cap;

	cap = 0;	/* no banks */
	KT_ASSERT_ERRNO(ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap), EINVAL);
	cap = banks + 1;
	KT_ASSERT_ERRNO(ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap), EINVAL);
	cap = 4 | (1ull << 40);	/* a capability bit nobody offers */
	KT_ASSERT_ERRNO(ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap), EINVAL);
	KT_ASSERT_ERRNO(ioctl(vcpu->fd, KVM_X86_SETUP_MCE, (void *)8), EFAULT);
	cap = 4 | MCG_CTL_P;
	KT_ASSERT_OK(ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap));
	KT_ASSERT(kt_get_msr(vcpu, MSR_MCG_CAP) == cap, "MCG_CAP reads 0x%llx",
		  (unsigned long long)kt_get_msr(vcpu, MSR_MCG_CAP));

	m.bank = 4;	/* past the four banks */
	KT_ASSERT_ERRNO(ioctl(vcpu->fd, KVM_X86_SET_MCE, &m), EINVAL);
	m.bank = 1;
	m.status = MCI_EN;	/* not valid */
	KT_ASSERT_ERRNO(ioctl(vcpu->fd, KVM_X86_SET_MCE, &m), EINVAL);
	KT_ASSERT_ERRNO(ioctl(vcpu->fd, KVM_X86_SET_MCE, (void *)8), EFAULT);
	kt_vm_free(vm);
}

static void test_guest_mce(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *vcpu = kt_vcpu_add(vm, 0, guest_main, 0, 0);
	uint64_t cap = NR_BANKS | MCG_CTL_P;
	struct kvm_x86_mce m = { 0 };
	struct kt_ucall uc;

	KT_ASSERT_OK(ioctl(vcpu->fd, KVM_X86_SETUP_MCE, &cap));

	KT_ASSERT(KT_RUN_UCALL(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 1, "no stage 1");
	KT_ASSERT(uc.args[1] == cap, "guest MCG_CAP 0x%llx", (unsigned long long)uc.args[1]);
	KT_ASSERT(uc.args[2] == ~0ull, "guest MCG_CTL 0x%llx after setup",
		  (unsigned long long)uc.args[2]);

	m.bank = 2;
	m.status = MCI_VAL | MCI_UC | MCI_EN | 0x9f;
	m.mcg_status = MCG_STATUS_MCIP | MCG_STATUS_RIPV;
	m.addr = 0x123000;
	KT_ASSERT_OK(ioctl(vcpu->fd, KVM_X86_SET_MCE, &m));
	KT_ASSERT(KT_RUN_UCALL(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 2, "no stage 2");
	KT_ASSERT(uc.args[1] == 1, "%llu #MC delivered, want 1", (unsigned long long)uc.args[1]);
	KT_ASSERT(uc.args[2] == m.status, "bank 2 status 0x%llx",
		  (unsigned long long)uc.args[2]);
	KT_ASSERT(uc.args[3] == m.mcg_status, "MCG_STATUS 0x%llx in the handler",
		  (unsigned long long)uc.args[3]);

	m.bank = 3;
	m.status = MCI_VAL | MCI_EN | 0x17;
	m.mcg_status = 0;
	m.addr = 0x456000;
	KT_ASSERT_OK(ioctl(vcpu->fd, KVM_X86_SET_MCE, &m));
	KT_ASSERT(KT_RUN_UCALL(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 3, "no stage 3");
	KT_ASSERT(uc.args[1] == 1, "a corrected error raised #MC");
	KT_ASSERT(uc.args[2] == m.status && uc.args[3] == m.addr,
		  "bank 3 holds 0x%llx / 0x%llx", (unsigned long long)uc.args[2],
		  (unsigned long long)uc.args[3]);

	KT_ASSERT(KT_RUN_UCALL(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 4, "no stage 4");
	KT_ASSERT(uc.args[1] == 2, "%llu #GP, want 2 (status write, bank past the end)",
		  (unsigned long long)uc.args[1]);
	KT_ASSERT(uc.args[2] == 0, "bank 3 status 0x%llx after the guest cleared it",
		  (unsigned long long)uc.args[2]);
	/* Userspace may write a status (migration restores banks). */
	kt_set_msr(vcpu, MC_STATUS(3), MCI_VAL | 5);
	KT_ASSERT(kt_get_msr(vcpu, MC_STATUS(3)) == (MCI_VAL | 5), "host status write lost");

	KT_ASSERT(KT_RUN_UCALL(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 5, "no stage 5");
	m.bank = 2;
	m.status = MCI_VAL | MCI_UC | MCI_EN;
	m.mcg_status = MCG_STATUS_MCIP;
	KT_ASSERT_OK(ioctl(vcpu->fd, KVM_X86_SET_MCE, &m));
	KT_ASSERT(kt_vcpu_run(vcpu) == 0, "KVM_RUN failed: %s", strerror(errno));
	KT_ASSERT_EXIT(vcpu, KVM_EXIT_SHUTDOWN);
	kt_vm_free(vm);
}

static void test_arch_capabilities(void)
{
	struct {
		struct kvm_msrs head;
		struct kvm_msr_entry e[3];
	} req = { .head.nmsrs = 3 };
	struct kt_vm *vm;
	struct kt_vcpu *vcpu;
	uint64_t supported;

	if (!kt_check_cap(KVM_CAP_GET_MSR_FEATURES))
		KT_SKIP("KVM_CAP_GET_MSR_FEATURES not supported");
	req.e[0].index = 0x10a;		/* IA32_ARCH_CAPABILITIES */
	req.e[1].index = 0x8b;		/* IA32_UCODE_REV */
	req.e[2].index = 0x12345678;	/* not a feature MSR: stops the batch */
	KT_ASSERT(ioctl(kt_kvm_fd(), KVM_GET_MSRS, &req) == 2, "feature KVM_GET_MSRS gave %d",
		  ioctl(kt_kvm_fd(), KVM_GET_MSRS, &req));
	supported = req.e[0].data;
	kt_diag("ARCH_CAPABILITIES 0x%llx, UCODE_REV 0x%llx", (unsigned long long)supported,
		(unsigned long long)req.e[1].data);

	vm = kt_vm_create_bare();
	vcpu = kt_vcpu_add_bare(vm, 0);
	KT_ASSERT(kt_get_msr(vcpu, 0x10a) == supported, "vCPU starts with 0x%llx",
		  (unsigned long long)kt_get_msr(vcpu, 0x10a));
	/* Userspace may offer the guest less than is supported. */
	if (supported) {
		uint64_t low = supported & (supported - 1);

		kt_set_msr(vcpu, 0x10a, low);
		KT_ASSERT(kt_get_msr(vcpu, 0x10a) == low, "set 0x%llx, read back 0x%llx",
			  (unsigned long long)low, (unsigned long long)kt_get_msr(vcpu, 0x10a));
	}
	kt_vm_free(vm);
}

static const struct ktest_case cases[] = {
	{ "mce_cap_supported", test_cap_supported },
	{ "mce_setup_errors", test_setup_errors },
	{ "mce_guest", test_guest_mce },
	{ "arch_capabilities", test_arch_capabilities },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
