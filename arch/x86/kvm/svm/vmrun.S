/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest entry and exit on AMD SVM.
 *
 * void __kvm_svm_vmrun(u64 vmcb_pa, u64 *gprs, u64 host_save_pa)
 *
 * Called with interrupts disabled and GIF clear (CLGI).  VMRUN itself switches
 * RAX, RSP, RIP, RFLAGS, the control registers, EFER, CS/SS/DS/ES, GDTR/IDTR,
 * DR6/DR7 and PAT.  The state VMRUN leaves alone (FS, GS, TR, LDTR with their
 * hidden parts, KernelGSBase, STAR/LSTAR/CSTAR/SFMASK, SYSENTER_*) is swapped
 * with VMSAVE/VMLOAD: the host's into host_save_pa, the guest's in its VMCB.
 * The guest's other general-purpose registers are loaded from and stored to
 * gprs[] (indexed by register number; RAX and RSP live in the VMCB).
 *
 * Between the guest VMLOAD and the host VMLOAD, GS base is the guest's, so
 * nothing here may touch per-CPU data.  STI before VMRUN makes physical
 * interrupts exit the guest (the host RFLAGS.IF saved by VMRUN is 1); they are
 * only taken once the caller sets GIF again.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#define GPR_RCX		(1 * 8)
#define GPR_RDX		(2 * 8)
#define GPR_RBX		(3 * 8)
#define GPR_RBP		(5 * 8)
#define GPR_RSI		(6 * 8)
#define GPR_RDI		(7 * 8)
#define GPR_R8		(8 * 8)
#define GPR_R9		(9 * 8)
#define GPR_R10		(10 * 8)
#define GPR_R11		(11 * 8)
#define GPR_R12		(12 * 8)
#define GPR_R13		(13 * 8)
#define GPR_R14		(14 * 8)
#define GPR_R15		(15 * 8)

/* Stack slots below the callee-saved registers. */
#define SLOT_HOST_SAVE	0
#define SLOT_VMCB	8
#define SLOT_GPRS	16

	.text

SYM_FUNC_START(__kvm_svm_vmrun)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rsi		/* SLOT_GPRS */
	push	%rdi		/* SLOT_VMCB */
	push	%rdx		/* SLOT_HOST_SAVE */

	/* Host state that VMRUN does not switch. */
	mov	%rdx, %rax
	vmsave	%rax

	/* Guest general-purpose registers, RAX last (it carries the VMCB). */
	mov	%rsi, %rax
	mov	GPR_RCX(%rax), %rcx
	mov	GPR_RDX(%rax), %rdx
	mov	GPR_RBX(%rax), %rbx
	mov	GPR_RBP(%rax), %rbp
	mov	GPR_RSI(%rax), %rsi
	mov	GPR_RDI(%rax), %rdi
	mov	GPR_R8(%rax), %r8
	mov	GPR_R9(%rax), %r9
	mov	GPR_R10(%rax), %r10
	mov	GPR_R11(%rax), %r11
	mov	GPR_R12(%rax), %r12
	mov	GPR_R13(%rax), %r13
	mov	GPR_R14(%rax), %r14
	mov	GPR_R15(%rax), %r15
	mov	SLOT_VMCB(%rsp), %rax

	vmload	%rax
	sti
	/*
	 * GIF is clear, so nothing is taken here; the nop only ends the STI
	 * interrupt shadow, which QEMU's SVM otherwise carries into the guest's
	 * first instruction (KVM_GET_VCPU_EVENTS then reports a shadow there).
	 */
	nop
	vmrun	%rax
	cli
	/* #VMEXIT: RAX, RSP, RIP and RFLAGS are the host's again. */
	vmsave	%rax

	mov	SLOT_GPRS(%rsp), %rax
	mov	%rcx, GPR_RCX(%rax)
	mov	%rdx, GPR_RDX(%rax)
	mov	%rbx, GPR_RBX(%rax)
	mov	%rbp, GPR_RBP(%rax)
	mov	%rsi, GPR_RSI(%rax)
	mov	%rdi, GPR_RDI(%rax)
	mov	%r8, GPR_R8(%rax)
	mov	%r9, GPR_R9(%rax)
	mov	%r10, GPR_R10(%rax)
	mov	%r11, GPR_R11(%rax)
	mov	%r12, GPR_R12(%rax)
	mov	%r13, GPR_R13(%rax)
	mov	%r14, GPR_R14(%rax)
	mov	%r15, GPR_R15(%rax)

	mov	SLOT_HOST_SAVE(%rsp), %rax
	vmload	%rax

	/* Do not let guest-controlled return predictions steer the host. */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT

	/* Leave no guest value in a register the host does not restore. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	add	$24, %rsp
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(__kvm_svm_vmrun)
