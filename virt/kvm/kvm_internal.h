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

/* mmu_notifier.c */
int kvm_mmu_notifier_init(struct kvm_vm *vm);
void kvm_mmu_notifier_exit(struct kvm_vm *vm);

#endif /* KVM_INTERNAL_H */
