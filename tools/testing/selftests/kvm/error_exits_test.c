// SPDX-License-Identifier: GPL-2.0-only
/*
 * The exits that report a failure rather than a request: KVM_EXIT_FAIL_ENTRY
 * when the hardware refuses the guest state (with the hardware's reason), and
 * KVM_EXIT_INTERNAL_ERROR with suberror KVM_INTERNAL_ERROR_EMULATION and the
 * instruction bytes when an MMIO access uses an instruction nobody emulates.
 * After either, fixing the state lets the guest go on.  Also: KVM_RUN with
 * immediate_exit completes a pending exit before returning -EINTR.
 */
#include <sys/ioctl.h>

#include "kvmt.h"
#include "x86.h"

/* Guest-physical address with no memory slot behind it: every access is MMIO. */
#define MMIO_BASE	0xc0000000ull

static void guest_fld_mmio(void)
{
	/* fldl (%rax) with RAX = MMIO_BASE: DD 00; x87 loads are not emulated for MMIO. */
	__asm__ volatile(".byte 0xdd, 0x00" : : "a"(MMIO_BASE) : "memory");
	GUEST_SYNC(1);
}

static void guest_spin(void)
{
	GUEST_SYNC(1);
	GUEST_SYNC(2);
}

static void test_emulation_failure(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *vcpu = kt_vcpu_add(vm, 0, guest_fld_mmio, 0, 0);
	struct kvm_run *run = vcpu->run;
	static const uint8_t insn[] = { 0xdd, 0x00 };
	struct kvm_regs regs;
	unsigned int n;

	KT_ASSERT(kt_vcpu_run(vcpu) == 0, "KVM_RUN: %s", strerror(errno));
	KT_ASSERT_EXIT(vcpu, KVM_EXIT_INTERNAL_ERROR);
	KT_ASSERT(run->emulation_failure.suberror == KVM_INTERNAL_ERROR_EMULATION,
		  "suberror %u", run->emulation_failure.suberror);
	KT_ASSERT(run->emulation_failure.ndata >= 3, "ndata %u", run->emulation_failure.ndata);
	KT_ASSERT(run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES,
		  "flags 0x%llx: no instruction bytes",
		  (unsigned long long)run->emulation_failure.flags);
	n = run->emulation_failure.insn_size;
	kt_diag("insn_size %u, ndata %u", n, run->emulation_failure.ndata);
	KT_ASSERT(n >= 2 && n <= 15, "insn_size %u", n);
	if (n > sizeof(insn))
		n = sizeof(insn);
	KT_ASSERT(!memcmp(run->emulation_failure.insn_bytes, insn, n),
		  "instruction bytes %02x %02x %02x ...", run->emulation_failure.insn_bytes[0],
		  run->emulation_failure.insn_bytes[1], run->emulation_failure.insn_bytes[2]);

	/* The guest is stopped at the instruction: skip it and carry on. */
	kt_get_regs(vcpu, &regs);
	regs.rip += sizeof(insn);
	kt_set_regs(vcpu, &regs);
	KT_RUN_SYNC(vcpu, 1);
	kt_vm_free(vm);
}

static void test_fail_entry(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *vcpu = kt_vcpu_add(vm, 0, guest_spin, 0, 0);
	struct kvm_sregs good, bad;
	struct kvm_regs regs;

	KT_RUN_SYNC(vcpu, 1);
	/* Complete the ucall's port write first, so that the saved state is whole. */
	vcpu->run->immediate_exit = 1;
	KT_ASSERT_ERRNO(kt_vcpu_run(vcpu), EINTR);
	vcpu->run->immediate_exit = 0;
	kt_get_sregs(vcpu, &good);
	kt_get_regs(vcpu, &regs);
	bad = good;
	/* In long mode, a code segment with both L and D set is illegal (APM 15.5.1). */
	bad.cs.db = 1;
	KT_ASSERT(bad.cs.l, "the guest is not in 64-bit mode");
	kt_set_sregs(vcpu, &bad);
	KT_ASSERT(kt_vcpu_run(vcpu) == 0, "KVM_RUN: %s", strerror(errno));
	KT_ASSERT_EXIT(vcpu, KVM_EXIT_FAIL_ENTRY);
	kt_diag("hardware_entry_failure_reason 0x%llx on cpu %u",
		(unsigned long long)vcpu->run->fail_entry.hardware_entry_failure_reason,
		vcpu->run->fail_entry.cpu);
	/* SVM reports VMEXIT_INVALID (-1) as the exit code, 32 bits of it in Linux 6.1. */
	KT_ASSERT((uint32_t)vcpu->run->fail_entry.hardware_entry_failure_reason == 0xffffffffu,
		  "reason 0x%llx",
		  (unsigned long long)vcpu->run->fail_entry.hardware_entry_failure_reason);
	/*
	 * Repair the state: the guest resumes where it was.  What a failed VMRUN
	 * leaves in the register state is not defined, so all of it is restored.
	 */
	kt_set_sregs(vcpu, &good);
	kt_set_regs(vcpu, &regs);
	KT_RUN_SYNC(vcpu, 2);
	kt_vm_free(vm);
}

static void guest_in(void)
{
	uint32_t v = guest_inl(0x1234);

	GUEST_SYNC(1, v);
}

/*
 * KVM_RUN with immediate_exit still completes the I/O the last exit asked for:
 * a port read's data is in RAX and RIP is past the instruction, so state saved
 * afterwards is whole.
 */
static void test_immediate_exit_completes_io(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *vcpu = kt_vcpu_add(vm, 0, guest_in, 0, 0);
	struct kvm_regs before, after;
	struct kt_ucall uc;

	kt_vcpu_run_ok(vcpu);
	KT_ASSERT_IO(vcpu, KVM_EXIT_IO_IN, 0x1234, 4);
	*(uint32_t *)kt_io_data(vcpu) = 0xfeedf00d;
	kt_get_regs(vcpu, &before);
	vcpu->run->immediate_exit = 1;
	KT_ASSERT_ERRNO(kt_vcpu_run(vcpu), EINTR);
	KT_ASSERT(vcpu->run->exit_reason == KVM_EXIT_IO, "exit_reason changed to %u",
		  vcpu->run->exit_reason);
	vcpu->run->immediate_exit = 0;
	kt_get_regs(vcpu, &after);
	KT_ASSERT((uint32_t)after.rax == 0xfeedf00d, "RAX 0x%llx after completion",
		  (unsigned long long)after.rax);
	/* Linux moves RIP past IN only on completion; ours before the exit. */
	KT_ASSERT(after.rip >= before.rip && after.rip <= before.rip + 1,
		  "RIP 0x%llx, was 0x%llx", (unsigned long long)after.rip,
		  (unsigned long long)before.rip);
	/* Saving and restoring now loses nothing: the guest sees the value once. */
	kt_set_regs(vcpu, &after);
	KT_ASSERT(KT_RUN_UCALL(vcpu, &uc) == UCALL_SYNC && uc.args[0] == 1 &&
		  uc.args[1] == 0xfeedf00d, "guest read 0x%llx", (unsigned long long)uc.args[1]);
	kt_vm_free(vm);
}

static const struct ktest_case cases[] = {
	{ "immediate_exit_completes_io", test_immediate_exit_completes_io },
	{ "emulation_failure", test_emulation_failure },
	{ "fail_entry", test_fail_entry },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
