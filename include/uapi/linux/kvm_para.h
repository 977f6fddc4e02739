/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * Hypercalls a guest may make to KVM, on every architecture: their numbers and
 * their error returns.  How a hypercall is made, and the rest of the
 * paravirtual interface, is in <asm/kvm_para.h>.  Linux 6.1 UAPI (tests/abi).
 */
#ifndef _UAPI__LINUX_KVM_PARA_H
#define _UAPI__LINUX_KVM_PARA_H

/*
 * Error returns of hypercalls, negated in the result register.  Several are
 * the host's errno values, which the includer's <errno.h> must provide.
 */
#define KVM_ENOSYS		1000
#define KVM_EFAULT		EFAULT
#define KVM_EINVAL		EINVAL
#define KVM_E2BIG		E2BIG
#define KVM_EPERM		EPERM
#define KVM_EOPNOTSUPP		95

/* Hypercall numbers; some only exist on one architecture (named in them). */
#define KVM_HC_VAPIC_POLL_IRQ		1
#define KVM_HC_MMU_OP			2
#define KVM_HC_FEATURES			3
#define KVM_HC_PPC_MAP_MAGIC_PAGE	4
#define KVM_HC_KICK_CPU			5	/* wake a vCPU halted in a PV spinlock */
#define KVM_HC_MIPS_GET_CLOCK_FREQ	6
#define KVM_HC_MIPS_EXIT_VM		7
#define KVM_HC_MIPS_CONSOLE_OUTPUT	8
#define KVM_HC_CLOCK_PAIRING		9
#define KVM_HC_SEND_IPI			10
#define KVM_HC_SCHED_YIELD		11
#define KVM_HC_MAP_GPA_RANGE		12

#include <asm/kvm_para.h>

#endif /* _UAPI__LINUX_KVM_PARA_H */
