/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Two-dimensional paging: the guest-physical to host-physical page table that
 * the hardware walks (AMD nested page tables, Intel EPT).  One table per VM,
 * built on demand by the fault path from the memory slots and torn down by the
 * MMU notifier and slot changes.  The entry format differs per vendor and is
 * described by the backend's struct kvm_tdp_format.
 */
#ifndef KVM_X86_TDP_H
#define KVM_X86_TDP_H

#include "x86.h"

/* Bits of a table entry, per vendor; a 4- or 5-level table with 4 KiB leaves. */
struct kvm_tdp_format {
	u64 table;		/* bits of a non-leaf entry (present, writable, ...) */
	u64 present;		/* the bit that makes a leaf readable / present */
	u64 writable;		/* the bit that makes a leaf writable */
	u64 leaf;		/* further bits of every leaf (user, exec, memory type) */
	bool follows_host_levels;	/* 5 levels when the host runs with LA57 */
};

int kvm_tdp_init(struct kvm_vm *vm);
void kvm_tdp_destroy(struct kvm_vm *vm);
u64 kvmx86_tdp_root_hpa(struct kvm_vm *vm);

/*
 * A guest access to gpa faulted in the nested page table.  Maps the page if a
 * memory slot backs it; otherwise (or for a write to a read-only slot) the
 * access is MMIO.  Called by the backend's exit handler, preemption enabled.
 * Returns KVM_EXIT_ACTION_RESUME when mapped, 1 + 1 (KVM_TDP_MMIO) when the access
 * must be emulated as MMIO, or -errno.
 */
#define KVM_TDP_MMIO	2
int kvmx86_tdp_fault(struct kvm_x86_vcpu *v, u64 gpa, bool write);

/* vCPU destruction: free the vCPU's cache of page-table pages. */
void kvm_tdp_vcpu_free(struct kvm_x86_vcpu *v);

/* TLB flush of every vCPU of the VM; waits until none uses a stale entry. */
void kvm_tdp_flush_remote(struct kvm_vm *vm);

#endif /* KVM_X86_TDP_H */
