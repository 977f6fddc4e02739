/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Declarations shared by the files of the generic core (virt/kvm) only.
 * Architecture code uses <linux/kvm_core.h>, <linux/kvm_memslot.h> and
 * <linux/kvm_arch.h>.
 */
#ifndef KVM_INTERNAL_H
#define KVM_INTERNAL_H

#include <linux/kvm_core.h>
#include <linux/kvm_memslot.h>

/* memslot.c */
int kvm_memslots_init(struct kvm_vm *vm);
void kvm_memslots_exit(struct kvm_vm *vm);
int kvm_set_user_memory_region(struct kvm_vm *vm, const struct kvm_userspace_memory_region *r);
int kvm_get_dirty_log(struct kvm_vm *vm, struct kvm_dirty_log *log);
int kvm_clear_dirty_log(struct kvm_vm *vm, struct kvm_clear_dirty_log *log);
int kvm_dirty_log_enable_manual(struct kvm_vm *vm, const struct kvm_enable_cap *cap);
/*
 * Call fn on every slot of a snapshot (hidden ones too) whose host range meets
 * [start, end), in O(log n + hits), with slots_srcu or slots_lock held; fn
 * must not sleep if the caller cannot.  Returns false if the walk gave up
 * part way (a tree deeper than any random one of KVM_CORE_USER_MEM_SLOTS
 * nodes should ever be): the caller must then act as if every slot had been
 * visited in a way that needs no list of them.
 */
bool kvm_memslots_for_each_hva(struct kvm_memslots *slots, unsigned long start,
			       unsigned long end,
			       void (*fn)(struct kvm_memory_slot *slot, void *arg), void *arg);

/* stats.c: KVM_GET_STATS_FD; return the new fd or -errno. */
int kvm_vm_stats_fd(struct kvm_vm *vm);
int kvm_vcpu_stats_fd(struct kvm_vcpu *vcpu);

/* mmu_notifier.c */
int kvm_mmu_notifier_init(struct kvm_vm *vm);
void kvm_mmu_notifier_exit(struct kvm_vm *vm);

#endif /* KVM_INTERNAL_H */
