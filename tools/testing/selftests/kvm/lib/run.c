// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_RUN exits: names, diagnostics, expectations, and the host end of the
 * ucall channel.
 */
#include <sys/ioctl.h>

#include "kvmt.h"

static const char *const exit_names[] = {
	[KVM_EXIT_UNKNOWN] = "KVM_EXIT_UNKNOWN",
	[KVM_EXIT_EXCEPTION] = "KVM_EXIT_EXCEPTION",
	[KVM_EXIT_IO] = "KVM_EXIT_IO",
	[KVM_EXIT_HYPERCALL] = "KVM_EXIT_HYPERCALL",
	[KVM_EXIT_DEBUG] = "KVM_EXIT_DEBUG",
	[KVM_EXIT_HLT] = "KVM_EXIT_HLT",
	[KVM_EXIT_MMIO] = "KVM_EXIT_MMIO",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "KVM_EXIT_IRQ_WINDOW_OPEN",
	[KVM_EXIT_SHUTDOWN] = "KVM_EXIT_SHUTDOWN",
	[KVM_EXIT_FAIL_ENTRY] = "KVM_EXIT_FAIL_ENTRY",
	[KVM_EXIT_INTR] = "KVM_EXIT_INTR",
	[KVM_EXIT_SET_TPR] = "KVM_EXIT_SET_TPR",
	[KVM_EXIT_TPR_ACCESS] = "KVM_EXIT_TPR_ACCESS",
	[KVM_EXIT_NMI] = "KVM_EXIT_NMI",
	[KVM_EXIT_INTERNAL_ERROR] = "KVM_EXIT_INTERNAL_ERROR",
	[KVM_EXIT_SYSTEM_EVENT] = "KVM_EXIT_SYSTEM_EVENT",
	[KVM_EXIT_X86_RDMSR] = "KVM_EXIT_X86_RDMSR",
	[KVM_EXIT_X86_WRMSR] = "KVM_EXIT_X86_WRMSR",
	[KVM_EXIT_DIRTY_RING_FULL] = "KVM_EXIT_DIRTY_RING_FULL",
	[KVM_EXIT_X86_BUS_LOCK] = "KVM_EXIT_X86_BUS_LOCK",
};

const char *kt_exit_name(uint32_t reason)
{
	if (reason < sizeof(exit_names) / sizeof(exit_names[0]) && exit_names[reason])
		return exit_names[reason];
	return "(unnamed exit)";
}

void kt_dump_exit(struct kt_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs r;
	uint32_t i;

	kt_diag("vCPU %d exit %u %s", vcpu->id, run->exit_reason, kt_exit_name(run->exit_reason));
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		kt_diag("  io: %s port 0x%x size %u count %u data_offset 0x%llx",
			run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.port,
			run->io.size, run->io.count, (unsigned long long)run->io.data_offset);
		break;
	case KVM_EXIT_MMIO:
		kt_diag("  mmio: %s gpa 0x%llx len %u", run->mmio.is_write ? "write" : "read",
			(unsigned long long)run->mmio.phys_addr, run->mmio.len);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		kt_diag("  hardware_entry_failure_reason 0x%llx cpu %u",
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			run->fail_entry.cpu);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		kt_diag("  suberror %u ndata %u", run->internal.suberror, run->internal.ndata);
		for (i = 0; i < run->internal.ndata && i < 16; i++)
			kt_diag("  data[%u] 0x%llx", i, (unsigned long long)run->internal.data[i]);
		break;
	default:
		break;
	}
	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) == 0)
		kt_diag("  rip 0x%llx rsp 0x%llx rax 0x%llx rflags 0x%llx",
			(unsigned long long)r.rip, (unsigned long long)r.rsp,
			(unsigned long long)r.rax, (unsigned long long)r.rflags);
}

void kt_assert_exit(struct kt_vcpu *vcpu, uint32_t reason, const char *file, int line)
{
	uint32_t got = vcpu->run->exit_reason;
	struct kt_ucall uc;

	if (got == reason)
		return;
	if (kt_get_ucall(vcpu, &uc) == UCALL_ABORT)
		kt_diag("the guest aborted: %s:%lu: %s (0x%lx, 0x%lx) %s",
			uc.file ? (char *)kt_gva2hva(vcpu->vm, uc.file) : "?", uc.line,
			uc.expr ? (char *)kt_gva2hva(vcpu->vm, uc.expr) : "?", uc.args[0],
			uc.args[1], uc.text);
	kt_dump_exit(vcpu);
	kt_assert_fail("exit_reason == expected", file, line, 0, "expected exit %u %s, got %u %s",
		       reason, kt_exit_name(reason), got, kt_exit_name(got));
}

void kt_assert_io(struct kt_vcpu *vcpu, uint8_t dir, uint16_t port, uint8_t size,
		  const char *file, int line)
{
	struct kvm_run *run = vcpu->run;

	kt_assert_exit(vcpu, KVM_EXIT_IO, file, line);
	if (run->io.direction == dir && run->io.port == port && run->io.size == size)
		return;
	kt_dump_exit(vcpu);
	kt_assert_fail("io exit matches", file, line, 0, "expected %s port 0x%x size %u",
		       dir == KVM_EXIT_IO_OUT ? "out" : "in", port, size);
}

int kt_get_ucall(struct kt_vcpu *vcpu, struct kt_ucall *uc)
{
	struct kvm_run *run = vcpu->run;
	uint32_t gva;

	memset(uc, 0, sizeof(*uc));
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != KT_UCALL_PORT ||
	    run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 || run->io.count != 1)
		return UCALL_NONE;
	memcpy(&gva, kt_io_data(vcpu), sizeof(gva));
	memcpy(uc, kt_gva2hva(vcpu->vm, gva), sizeof(*uc));
	uc->text[KT_UCALL_TEXT - 1] = '\0';
	return (int)uc->type;
}

int kt_run_ucall(struct kt_vcpu *vcpu, struct kt_ucall *uc, const char *file, int line)
{
	for (;;) {
		int type;

		kt_vcpu_run_ok(vcpu);
		type = kt_get_ucall(vcpu, uc);
		switch (type) {
		case UCALL_PRINTF:
			kt_diag("guest: %s", uc->text);
			continue;
		case UCALL_SYNC:
		case UCALL_DONE:
			return type;
		case UCALL_ABORT:
			kt_assert_fail("guest assertion", file, line, 0,
				       "guest assertion failed at %s:%lu: %s (values 0x%lx, 0x%lx) %s",
				       uc->file ? (char *)kt_gva2hva(vcpu->vm, uc->file) : "?",
				       uc->line,
				       uc->expr ? (char *)kt_gva2hva(vcpu->vm, uc->expr) : "?",
				       uc->args[0], uc->args[1], uc->text);
		case UCALL_NONE:
			kt_dump_exit(vcpu);
			kt_assert_fail("ucall exit", file, line, 0,
				       "expected a guest ucall, got exit %s",
				       kt_exit_name(vcpu->run->exit_reason));
		default:
			kt_assert_fail("ucall type", file, line, 0, "unknown ucall type %d", type);
		}
	}
}

void kt_run_expect_sync(struct kt_vcpu *vcpu, uint64_t stage, const char *file, int line)
{
	struct kt_ucall uc;
	int type = kt_run_ucall(vcpu, &uc, file, line);

	if (type != UCALL_SYNC || uc.nargs < 1 || uc.args[0] != stage)
		kt_assert_fail("GUEST_SYNC(stage)", file, line, 0,
			       "expected GUEST_SYNC(%lu), got ucall %d nargs %lu arg0 %lu",
			       stage, type, uc.nargs, uc.args[0]);
}

void kt_run_expect_done(struct kt_vcpu *vcpu, const char *file, int line)
{
	struct kt_ucall uc;
	int type = kt_run_ucall(vcpu, &uc, file, line);

	if (type != UCALL_DONE)
		kt_assert_fail("GUEST_DONE", file, line, 0, "expected GUEST_DONE, got ucall %d",
			       type);
}
