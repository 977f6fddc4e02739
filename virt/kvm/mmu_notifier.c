// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM's MMU notifier: when the host unmaps, migrates or otherwise changes
 * pages of the VMM's address space, drop the guest mappings built on them and
 * tell the fault path (kvm_mmu_invalidate_retry() in <linux/kvm_memslot.h>) to
 * retry faults that raced with the change.
 *
 * Lock order, outermost first:
 *   (held by the mm core when it calls us: mmap_lock and/or rmap locks)
 *   vm->slots_srcu (read side)
 *   vm->mmu_lock (spinlock)
 * Nothing here sleeps, so the same code serves blockable and non-blockable
 * ranges (the OOM reaper passes non-blockable ones).
 *
 * Invalidation state, all guarded by vm->mmu_lock:
 *   mmu_invalidate_in_progress  number of started, not yet ended invalidations
 *   mmu_invalidate_start/end    union of their host ranges (0, 0 when none)
 *   mmu_invalidate_seq          bumped as each one ends
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include "kvm_internal.h"

static struct kvm_vm *notifier_vm(struct mmu_notifier *mn)
{
	return container_of(mn, struct kvm_vm, mmu_notifier);
}

struct hva_zap {
	struct kvm_vm *vm;
	unsigned long start, end;
};

static void zap_slot_part(struct kvm_memory_slot *s, void *arg)
{
	struct hva_zap *z = arg;
	unsigned long s_start = s->userspace_addr;
	unsigned long s_end = s_start + (s->npages << PAGE_SHIFT);
	unsigned long lo = max(z->start, s_start), hi = min(z->end, s_end);

	if (lo >= hi)
		return;
	/* Every page that [lo, hi) touches, even partly. */
	kvm_arch_zap_gfn_range(z->vm, s->base_gfn + ((lo - s_start) >> PAGE_SHIFT),
			       s->base_gfn + (PAGE_ALIGN(hi - s_start) >> PAGE_SHIFT));
}

/*
 * Zap the guest mappings of every slot whose host range meets [start, end),
 * found through the snapshot's tree by host address.  Hidden slots (being
 * deleted or moved) are included on purpose: their mappings may still exist.  Caller holds slots_srcu and mmu_lock.
 *
 * The snapshot is read here, under mmu_lock, not when slots_srcu was taken: a
 * fault that installed a mapping before we got the lock had looked its slot up
 * in this snapshot or an older one, so every slot it could have used is either
 * in what we read or was zapped by the slot writer before it was dropped.
 */
static void zap_hva_range(struct kvm_vm *vm, unsigned long start, unsigned long end)
{
	struct kvm_memslots *slots = srcu_dereference(vm->slots, &vm->slots_srcu);
	struct hva_zap z = { .vm = vm, .start = start, .end = end };

	/* A walk that gave up: dropping every mapping is always safe. */
	if (!kvm_memslots_for_each_hva(slots, start, end, zap_slot_part, &z))
		kvm_arch_zap_gfn_range(vm, 0, U64_MAX);
}

static int notifier_invalidate_start(struct mmu_notifier *mn,
				     const struct mmu_notifier_range *range)
{
	struct kvm_vm *vm = notifier_vm(mn);
	int idx;

	idx = srcu_read_lock(&vm->slots_srcu);
	spin_lock(&vm->mmu_lock);
	/*
	 * Counted before the zap: a fault that looked up its page before this
	 * point sees either the count or, once we are done, a new sequence
	 * number, and does not install the stale page.
	 */
	if (vm->mmu_invalidate_in_progress++ == 0) {
		vm->mmu_invalidate_start = range->start;
		vm->mmu_invalidate_end = range->end;
	} else {
		vm->mmu_invalidate_start = min(vm->mmu_invalidate_start, range->start);
		vm->mmu_invalidate_end = max(vm->mmu_invalidate_end, range->end);
	}
	zap_hva_range(vm, range->start, range->end);
	spin_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->slots_srcu, idx);
	return 0;
}

static void notifier_invalidate_end(struct mmu_notifier *mn,
				    const struct mmu_notifier_range *range)
{
	struct kvm_vm *vm = notifier_vm(mn);

	spin_lock(&vm->mmu_lock);
	vm->mmu_invalidate_seq++;
	/* Lockless readers must see the new sequence before the lower count. */
	smp_wmb();
	if (!WARN_ON_ONCE(vm->mmu_invalidate_in_progress <= 0))
		vm->mmu_invalidate_in_progress--;
	if (!vm->mmu_invalidate_in_progress) {
		vm->mmu_invalidate_start = 0;
		vm->mmu_invalidate_end = 0;
	}
	spin_unlock(&vm->mmu_lock);
}

/* The address space is going away (exit, or unregistration): drop every mapping. */
static void notifier_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct kvm_vm *vm = notifier_vm(mn);
	int idx;

	idx = srcu_read_lock(&vm->slots_srcu);
	spin_lock(&vm->mmu_lock);
	zap_hva_range(vm, 0, ULONG_MAX);
	spin_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->slots_srcu, idx);
}

/*
 * Page aging.  We do not track accessed bits in the nested page tables yet, so
 * we report every page as not young through the guest: reclaim then judges the
 * pages by the host's own accessed bits alone.
 */
static int notifier_clear_flush_young(struct mmu_notifier *mn, struct mm_struct *mm,
				      unsigned long start, unsigned long end)
{
	return 0;
}

static int notifier_clear_young(struct mmu_notifier *mn, struct mm_struct *mm,
				unsigned long start, unsigned long end)
{
	return 0;
}

static int notifier_test_young(struct mmu_notifier *mn, struct mm_struct *mm,
			       unsigned long address)
{
	return 0;
}

/*
 * No change_pte: in 6.1 every caller of it (KSM, copy-on-write) also brackets
 * the change with invalidate_range_start/end, which drops the old mapping.
 */
static const struct mmu_notifier_ops kvm_mmu_notifier_ops = {
	.release		= notifier_release,
	.clear_flush_young	= notifier_clear_flush_young,
	.clear_young		= notifier_clear_young,
	.test_young		= notifier_test_young,
	.invalidate_range_start	= notifier_invalidate_start,
	.invalidate_range_end	= notifier_invalidate_end,
};

/* Caller: kvm_dev_create_vm(), in the creating process (vm->mm == current->mm). */
int kvm_mmu_notifier_init(struct kvm_vm *vm)
{
	vm->mmu_notifier.ops = &kvm_mmu_notifier_ops;
	return mmu_notifier_register(&vm->mmu_notifier, vm->mm);
}

/*
 * Caller: VM teardown.  Works whether or not the mm has already exited;
 * returns once no callback is running, so the VM may be freed after.
 */
void kvm_mmu_notifier_exit(struct kvm_vm *vm)
{
	mmu_notifier_unregister(&vm->mmu_notifier, vm->mm);
}
