/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory slots: how guest physical memory maps onto the VMM's virtual memory.
 *
 * A VM's slots are an immutable snapshot (struct kvm_memslots: persistent search
 * trees that share their unchanged parts with older snapshots) published
 * with rcu_assign_pointer() under vm->slots_lock and read under
 * srcu_read_lock(&vm->slots_srcu).  A writer builds a new snapshot, publishes it,
 * waits for readers of the old one (synchronize_srcu), then drops guest mappings
 * of slots that moved or went away, then frees what the old snapshot alone used.
 * A struct kvm_memory_slot is never changed after it is published, except for
 * the contents of its dirty bitmap.
 *
 * Page-fault path (architecture code), guarding against concurrent MMU notifier
 * invalidation:
 *	seq = kvm_mmu_invalidate_seq_begin(vm);
 *	idx = srcu_read_lock(&vm->slots_srcu);
 *	slot = kvm_gfn_to_memslot(kvm_memslots(vm), gfn);
 *	... get the host page for kvm_slot_gfn_to_hva(slot, gfn) ...
 *	spin_lock(&vm->mmu_lock);
 *	if (kvm_mmu_invalidate_retry(vm, seq, hva)) -> unlock, put page, retry
 *	... install the mapping ...
 *	spin_unlock(&vm->mmu_lock);
 *	srcu_read_unlock(&vm->slots_srcu, idx);
 */
#ifndef KVM_MEMSLOT_H
#define KVM_MEMSLOT_H

#include <linux/kvm_core.h>
#include <linux/srcu.h>
#include <linux/rcupdate.h>

/* Largest slot, in pages (the same bound as Linux). */
#define KVM_MEM_MAX_NR_PAGES	((1UL << 31) - 1)

struct kvm_memory_slot {
	u64 base_gfn;
	u64 npages;
	unsigned long userspace_addr;
	u32 flags;			/* KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY */
	u16 id;				/* slot number within its address space */
	u16 as_id;			/* address space (always 0 on x86 for now) */
	unsigned long *dirty_bitmap;	/* one bit per page when logging, else NULL */
};

struct kvm_slot_node;		/* virt/kvm/slot_tree.h; only the core looks inside */

struct kvm_memslots {
	u64 generation;			/* bumped by every update */
	unsigned int nr;		/* number of slots */
	struct kvm_slot_node *by_gfn;	/* keyed by base_gfn; slots never overlap */
	struct kvm_slot_node *by_id;	/* keyed by as_id << 16 | id */
	struct kvm_slot_node *by_hva;	/* keyed by userspace_addr, then id */
};

static inline struct kvm_memslots *kvm_memslots(struct kvm_vm *vm)
{
	return srcu_dereference_check(vm->slots, &vm->slots_srcu,
				      lockdep_is_held(&vm->slots_lock));
}

/* O(log n) search; NULL when gfn is outside every slot.  Needs slots_srcu. */
struct kvm_memory_slot *kvm_gfn_to_memslot(struct kvm_memslots *slots, u64 gfn);

static inline unsigned long kvm_slot_gfn_to_hva(const struct kvm_memory_slot *slot, u64 gfn)
{
	return slot->userspace_addr + ((gfn - slot->base_gfn) << PAGE_SHIFT);
}

/* Record a guest write to gfn of slot in the dirty log, if the slot logs. */
void kvm_mark_page_dirty(struct kvm_vm *vm, struct kvm_memory_slot *slot, u64 gfn);

/* Read and write guest physical memory from the kernel (copy_{from,to}_user
 * on the slot's host addresses); -EFAULT outside every slot.  Needs slots_srcu.
 */
int kvm_read_guest(struct kvm_vm *vm, u64 gpa, void *data, unsigned long len);
int kvm_write_guest(struct kvm_vm *vm, u64 gpa, const void *data, unsigned long len);

/* MMU notifier sequence protocol for the fault path (see the comment above). */
static inline unsigned long kvm_mmu_invalidate_seq_begin(struct kvm_vm *vm)
{
	unsigned long seq = READ_ONCE(vm->mmu_invalidate_seq);

	smp_rmb();
	return seq;
}

/* True if the fault must be retried.  Needs vm->mmu_lock. */
static inline bool kvm_mmu_invalidate_retry(struct kvm_vm *vm, unsigned long seq,
					    unsigned long hva)
{
	lockdep_assert_held(&vm->mmu_lock);
	if (vm->mmu_invalidate_in_progress &&
	    hva >= vm->mmu_invalidate_start && hva < vm->mmu_invalidate_end)
		return true;
	return vm->mmu_invalidate_seq != seq;
}

/*
 * Hooks into the architecture's guest-physical mappings (nested page tables).
 * All are called with vm->mmu_lock held and must not sleep.
 *
 * kvm_arch_zap_gfn_range: remove every mapping of [start, end) (guest frame
 *   numbers).  Caller: slot deletion/move and the MMU notifier.
 * kvm_arch_write_protect_gfn_range: make every writable mapping of [start, end)
 *   read-only so the next guest write faults and is logged.  Caller: dirty-log
 *   enabling, KVM_GET_DIRTY_LOG / KVM_CLEAR_DIRTY_LOG.
 * Both flush the TLBs of every vCPU themselves before returning when needed.
 * kvm_arch_write_protect_gfn_range_noflush: the same protection without the
 *   flush; returns true when the caller must call kvm_arch_flush_remote_tlbs()
 *   (mmu_lock held) before it relies on the protection, e.g. before returning a
 *   dirty log to userspace.  Lets a caller protect many ranges with one flush.
 */
void kvm_arch_zap_gfn_range(struct kvm_vm *vm, u64 start, u64 end);
void kvm_arch_write_protect_gfn_range(struct kvm_vm *vm, u64 start, u64 end);
bool kvm_arch_write_protect_gfn_range_noflush(struct kvm_vm *vm, u64 start, u64 end);
void kvm_arch_flush_remote_tlbs(struct kvm_vm *vm);

#endif /* KVM_MEMSLOT_H */
