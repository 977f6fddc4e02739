// SPDX-License-Identifier: GPL-2.0-only
/*
 * #VMEXIT handlers of the SVM backend, dispatched through a table indexed by
 * exit code.  Each returns an enum kvm_exit_action or a negative errno.
 *
 * Runs in the vCPU thread with vcpu->mutex held, preemption and interrupts
 * enabled; takes no lock of its own.
 */
#include <linux/kvm_core.h>
#include <asm/msr.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/api.h>
#include "svm.h"
#include "../tdp.h"

typedef int (*svm_exit_handler)(struct svm_vcpu *svm);

static int svm_inject_ud(struct svm_vcpu *svm)
{
	kvmx86_queue_exception(svm->v, UD_VECTOR, false, 0, false, 0);
	return KVM_EXIT_ACTION_RESUME;
}

static int svm_inject_gp0(struct svm_vcpu *svm)
{
	kvmx86_queue_exception(svm->v, GP_VECTOR, true, 0, false, 0);
	return KVM_EXIT_ACTION_RESUME;
}

/* Host interrupts and NMIs: the host takes them once GIF is set again. */
static int svm_exit_host_event(struct svm_vcpu *svm)
{
	if (svm->vmcb->control.exit_code == SVM_EXIT_INTR)
		kvm_vcpu_stat_inc(svm->v->vcpu, irq_exits);
	return KVM_EXIT_ACTION_RESUME;
}

static int svm_exit_ioio(struct svm_vcpu *svm)
{
	u64 info = svm->vmcb->control.exit_info_1;
	u8 size = (info & SVM_IOIO_SZ_MASK) >> SVM_IOIO_SZ_SHIFT;
	u16 port = info >> SVM_IOIO_PORT_SHIFT;

	kvm_vcpu_stat_inc(svm->v->vcpu, io_exits);
	if (size != 1 && size != 2 && size != 4)
		return kvmx86_exit_internal(svm->v, KVM_INTERNAL_ERROR_EMULATION, &info, 1);
	/* String forms are emulated from CS:RIP; the others just move past the insn. */
	if (info & SVM_IOIO_STR)
		return kvmx86_emulate(svm->v, NULL, 0);
	/* exit_info_2 holds the address of the next instruction for IOIO exits. */
	svm->v->rip = svm->vmcb->control.exit_info_2;
	svm->vmcb->control.int_state &= ~1U;
	kvmx86_insn_done(svm->v);
	return kvmx86_exit_pio(svm->v, port, size, info & SVM_IOIO_IN, info & SVM_IOIO_STR,
			       info & SVM_IOIO_REP);
}

static int svm_exit_cpuid(struct svm_vcpu *svm)
{
	svm_skip_insn(svm, 2);
	return kvmx86_exit_cpuid(svm->v);
}

static int svm_exit_hlt(struct svm_vcpu *svm)
{
	kvm_vcpu_stat_inc(svm->v->vcpu, halt_exits);
	svm_skip_insn(svm, 1);
	return kvmx86_exit_hlt(svm->v);
}

/*
 * The VMCB is undefined after a shutdown (APM 15.12): put the power-on state
 * back so that a later KVM_RUN without a userspace reset enters a valid guest.
 */
static int svm_exit_shutdown(struct svm_vcpu *svm)
{
	svm_vcpu_reset(svm->v);
	return kvmx86_exit_shutdown(svm->v);
}

/* RDMSR/WRMSR: common code decides (filter, in-kernel MSRs, userspace, #GP). */
static int svm_exit_msr(struct svm_vcpu *svm)
{
	u64 insn_rip = svm->v->rip;

	svm_skip_insn(svm, 2);
	return kvmx86_exit_msr(svm->v, svm->vmcb->control.exit_info_1, insn_rip);
}

/* XSETBV: only XCR0, only at CPL 0, only features the host has and in legal sets. */
static int svm_exit_xsetbv(struct svm_vcpu *svm)
{
	struct kvm_x86_vcpu *v = svm->v;
	u64 val = (v->gpr[KVM_REG_RDX] << 32) | (u32)v->gpr[KVM_REG_RAX];

	if ((u32)v->gpr[KVM_REG_RCX] != 0 || svm->vmcb->save.cpl != 0 || !kvmx86_xcr0_valid(val))
		return svm_inject_gp0(svm);
	v->xcr0 = val;
	svm_skip_insn(svm, 3);
	return KVM_EXIT_ACTION_RESUME;
}

/* Instructions that have no effect a guest could observe: skip them. */
static int svm_exit_skip2(struct svm_vcpu *svm)
{
	svm_skip_insn(svm, 2);
	return KVM_EXIT_ACTION_RESUME;
}

static int svm_exit_npf(struct svm_vcpu *svm)
{
	struct vmcb_control *c = &svm->vmcb->control;
	u64 gpa = c->exit_info_2, info = c->exit_info_1;
	bool final = (info & (SVM_NPF_FINAL_GPA | SVM_NPF_GUEST_TABLE)) == SVM_NPF_FINAL_GPA;
	int r;

	r = kvmx86_tdp_fault(svm->v, gpa, info & SVM_NPF_WRITE);
	if (r != KVM_TDP_MMIO)
		return r;
	/*
	 * MMIO: emulate the instruction, with the bytes decode assists fetched, if
	 * any; a fault on the access itself also gives its guest-physical address.
	 */
	return kvmx86_emulate_npf(svm->v, gpa, final, info & SVM_NPF_WRITE, c->insn_bytes,
				  min_t(u8, c->insn_len, 15));
}

static const svm_exit_handler svm_exit_handlers[SVM_EXIT_NR] = {
	[SVM_EXIT_INTR]		= svm_exit_host_event,
	[SVM_EXIT_NMI]		= svm_exit_host_event,
	[SVM_EXIT_SMI]		= svm_exit_host_event,
	[SVM_EXIT_INIT]		= svm_exit_host_event,
	[SVM_EXIT_CPUID]	= svm_exit_cpuid,
	[SVM_EXIT_INVD]		= svm_exit_skip2,
	[SVM_EXIT_WBINVD]	= svm_exit_skip2,
	[SVM_EXIT_HLT]		= svm_exit_hlt,
	[SVM_EXIT_IOIO]		= svm_exit_ioio,
	[SVM_EXIT_MSR]		= svm_exit_msr,
	[SVM_EXIT_SHUTDOWN]	= svm_exit_shutdown,
	[SVM_EXIT_XSETBV]	= svm_exit_xsetbv,
	[SVM_EXIT_RSM]		= svm_inject_ud,
	[SVM_EXIT_INVLPGA]	= svm_inject_ud,
	[SVM_EXIT_VMRUN]	= svm_inject_ud,
	[SVM_EXIT_VMMCALL]	= svm_inject_ud,
	[SVM_EXIT_VMLOAD]	= svm_inject_ud,
	[SVM_EXIT_VMSAVE]	= svm_inject_ud,
	[SVM_EXIT_STGI]		= svm_inject_ud,
	[SVM_EXIT_CLGI]		= svm_inject_ud,
	[SVM_EXIT_SKINIT]	= svm_inject_ud,
	[SVM_EXIT_MONITOR]	= svm_inject_ud,
	[SVM_EXIT_MWAIT]	= svm_inject_ud,
	[SVM_EXIT_MWAIT_COND]	= svm_inject_ud,
	[SVM_EXIT_FERR_FREEZE]	= svm_exit_host_event,
	[SVM_EXIT_NPF]		= svm_exit_npf,
	[SVM_EXIT_VINTR]	= svm_exit_vintr,
	[SVM_EXIT_IRET]		= svm_exit_iret,
	[SVM_EXIT_EXCP_DB]	= svm_exit_db,
	[SVM_EXIT_EXCP_BP]	= svm_exit_bp,
	[SVM_EXIT_EXCP_AC]	= svm_exit_ac,
	[SVM_EXIT_SWINT]	= svm_exit_intn,
};

int svm_handle_exit(struct svm_vcpu *svm)
{
	struct vmcb_control *c = &svm->vmcb->control;
	u64 code = c->exit_code;
	svm_exit_handler fn = NULL;

	/* Before the handler, which may raise an exception of its own. */
	svm_events_exit(svm);
	kvmx86_events_after_exit(svm->v);
	kvm_vcpu_stat_inc(svm->v->vcpu, exits);
	/*
	 * VMEXIT_INVALID is -1 (APM vol. 2, 15.5.1); some emulated CPUs store only
	 * its low 32 bits, and no other exit code has those all ones.  Userspace
	 * gets the 32-bit value, as Linux reports it.
	 */
	if ((u32)code == (u32)SVM_EXIT_ERR)
		return kvmx86_exit_fail_entry(svm->v, (u32)code);

	if (code < SVM_EXIT_NR)
		fn = svm_exit_handlers[code];
	if (!fn) {
		u64 data[3] = { code, c->exit_info_1, c->exit_info_2 };

		return kvmx86_exit_internal(svm->v, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
					    data, 3);
	}
	return fn(svm);
}
