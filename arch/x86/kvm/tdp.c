// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest-physical page table (nested paging / EPT), built on demand.
 *
 * Lock order: vm->slots_srcu (read side) is taken before vm->mmu_lock.
 * vm->mmu_lock guards every entry of the table and its page-table pages.
 *
 * No host page stays pinned: the fault path takes a reference on the host page,
 * installs the entry under mmu_lock after checking that no MMU-notifier
 * invalidation raced with it, and drops the reference.  The MMU notifier removes
 * the entry (and flushes every vCPU's TLB) before the host can free the page.
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/swap.h>
#include <linux/io.h>
#include <linux/smp.h>
#include <linux/sched/mm.h>
#include <linux/kvm_memslot.h>
#include "tdp.h"

#define TDP_MAX_LEVELS		5
#define TDP_ENTRIES		512
#define TDP_ADDR_MASK		0x000ffffffffff000ULL

/* Index of gpa in a table of the given level (1 = leaf table). */
static unsigned int tdp_index(u64 gpa, int level)
{
	return (gpa >> (PAGE_SHIFT + 9 * (level - 1))) & (TDP_ENTRIES - 1);
}

static u64 *tdp_table_of(u64 entry)
{
	return __va(entry & TDP_ADDR_MASK);
}

int kvm_tdp_init(struct kvm_vm *vm)
{
	struct kvm_x86_vm *xvm = vm->arch;
	struct page *root = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

	if (!root)
		return -ENOMEM;
	xvm->tdp_root = page_address(root);
	/*
	 * AMD's nested walk has as many levels as the host's own paging mode at
	 * VMRUN (5 with LA57 on); EPT's depth is chosen in its pointer.
	 */
	xvm->tdp_levels = (kvm_x86_ops->tdp_format->follows_host_levels &&
			   pgtable_l5_enabled()) ? 5 : 4;
	return 0;
}

static void tdp_free_table(u64 *table, int level)
{
	int i;

	if (level > 1) {
		for (i = 0; i < TDP_ENTRIES; i++)
			if (table[i])
				tdp_free_table(tdp_table_of(table[i]), level - 1);
	}
	free_page((unsigned long)table);
}

void kvm_tdp_destroy(struct kvm_vm *vm)
{
	struct kvm_x86_vm *xvm = vm->arch;

	if (xvm->tdp_root)
		tdp_free_table(xvm->tdp_root, xvm->tdp_levels);
	xvm->tdp_root = NULL;
}

u64 kvmx86_tdp_root_hpa(struct kvm_vm *vm)
{
	struct kvm_x86_vm *xvm = vm->arch;

	return __pa(xvm->tdp_root);
}
EXPORT_SYMBOL_GPL(kvmx86_tdp_root_hpa);

static void tdp_flush_ipi(void *unused)
{
	/* Nothing to do: taking the interrupt forced the vCPU out of the guest. */
}

void kvm_tdp_flush_remote(struct kvm_vm *vm)
{
	struct kvm_vcpu *vcpu;
	cpumask_var_t cpus;
	unsigned long i;
	bool have_mask;

	lockdep_assert_held(&vm->mmu_lock);
	vm->stat.remote_tlb_flush_requests++;
	have_mask = zalloc_cpumask_var(&cpus, GFP_ATOMIC);
	xa_for_each(&vm->vcpus, i, vcpu) {
		kvm_vcpu_request(vcpu, KVM_REQ_TLB_FLUSH);
		smp_mb__after_atomic();
		if (READ_ONCE(vcpu->mode) != KVM_VCPU_OUTSIDE_GUEST) {
			int cpu = READ_ONCE(vcpu->cpu);

			if (cpu >= 0 && have_mask)
				cpumask_set_cpu(cpu, cpus);
		}
	}
	if (!have_mask) {
		/* No memory for a mask: interrupt every other CPU instead. */
		vm->stat.remote_tlb_flush++;
		smp_call_function(tdp_flush_ipi, NULL, 1);
		return;
	}
	preempt_disable();
	cpumask_clear_cpu(smp_processor_id(), cpus);
	if (!cpumask_empty(cpus))
		vm->stat.remote_tlb_flush++;
	smp_call_function_many(cpus, tdp_flush_ipi, NULL, 1);
	preempt_enable();
	free_cpumask_var(cpus);
}

/*
 * Apply fn to every present leaf in [start_gfn, end_gfn).  Returns how many
 * leaves it changed.  mmu_lock held.
 */
static unsigned long tdp_walk_range(u64 *table, int level, u64 base_gfn, u64 start, u64 end,
				    bool (*fn)(u64 *leaf))
{
	u64 span = 1ULL << (9 * (level - 1));	/* gfns per entry */
	unsigned long changed = 0;
	unsigned int i;

	for (i = 0; i < TDP_ENTRIES; i++) {
		u64 lo = base_gfn + i * span, hi = lo + span;

		if (hi <= start || lo >= end || !table[i])
			continue;
		if (level == 1)
			changed += fn(&table[i]);
		else
			changed += tdp_walk_range(tdp_table_of(table[i]), level - 1, lo,
						  start, end, fn);
	}
	return changed;
}

static bool tdp_zap_leaf(u64 *leaf)
{
	WRITE_ONCE(*leaf, 0);
	return true;
}

static bool tdp_wrprot_leaf(u64 *leaf)
{
	u64 w = kvm_x86_ops->tdp_format->writable;

	if (!(*leaf & w))
		return false;
	WRITE_ONCE(*leaf, *leaf & ~w);
	return true;
}

void kvm_arch_zap_gfn_range(struct kvm_vm *vm, u64 start, u64 end)
{
	struct kvm_x86_vm *xvm = vm->arch;

	unsigned long zapped;

	lockdep_assert_held(&vm->mmu_lock);
	zapped = tdp_walk_range(xvm->tdp_root, xvm->tdp_levels, 0, start, end, tdp_zap_leaf);
	if (zapped) {
		vm->stat.pages_4k -= zapped;
		kvm_tdp_flush_remote(vm);
	}
}

void kvm_arch_write_protect_gfn_range(struct kvm_vm *vm, u64 start, u64 end)
{
	struct kvm_x86_vm *xvm = vm->arch;

	lockdep_assert_held(&vm->mmu_lock);
	if (tdp_walk_range(xvm->tdp_root, xvm->tdp_levels, 0, start, end, tdp_wrprot_leaf))
		kvm_tdp_flush_remote(vm);
}

/* Page-table pages for one fault, allocated before mmu_lock is taken. */
struct tdp_page_cache {
	int nr;
	u64 *pages[TDP_MAX_LEVELS - 1];
};

static int tdp_cache_fill(struct tdp_page_cache *c)
{
	while (c->nr < TDP_MAX_LEVELS - 1) {
		unsigned long p = get_zeroed_page(GFP_KERNEL_ACCOUNT);

		if (!p)
			return -ENOMEM;
		c->pages[c->nr++] = (u64 *)p;
	}
	return 0;
}

static void tdp_cache_free(struct tdp_page_cache *c)
{
	while (c->nr)
		free_page((unsigned long)c->pages[--c->nr]);
}

/* Install a 4 KiB leaf for gpa; mmu_lock held. */
static void tdp_install(struct kvm_vm *vm, struct tdp_page_cache *c, u64 gpa, u64 leaf)
{
	const struct kvm_tdp_format *fmt = kvm_x86_ops->tdp_format;
	struct kvm_x86_vm *xvm = vm->arch;
	u64 *table = xvm->tdp_root;
	int level;

	for (level = xvm->tdp_levels; level > 1; level--) {
		u64 *e = &table[tdp_index(gpa, level)];

		if (!*e) {
			u64 *next = c->pages[--c->nr];

			WRITE_ONCE(*e, __pa(next) | fmt->table);
		}
		table = tdp_table_of(*e);
	}
	if (!table[tdp_index(gpa, 1)])
		vm->stat.pages_4k++;
	WRITE_ONCE(table[tdp_index(gpa, 1)], leaf);
}

int kvmx86_tdp_fault(struct kvm_x86_vcpu *v, u64 gpa, bool write)
{
	const struct kvm_tdp_format *fmt = kvm_x86_ops->tdp_format;
	struct kvm_vm *vm = v->vcpu->vm;
	struct tdp_page_cache cache = { 0 };
	struct kvm_memory_slot *slot;
	unsigned long seq, hva;
	struct page *page;
	bool map_writable;
	int idx, r;
	u64 gfn = gpa >> PAGE_SHIFT;

	kvm_vcpu_stat_inc(v->vcpu, pf_taken);
	if (gpa >> (PAGE_SHIFT + 9 * ((struct kvm_x86_vm *)vm->arch)->tdp_levels))
		return KVM_TDP_MMIO;

retry:
	r = tdp_cache_fill(&cache);
	if (r)
		goto out;

	seq = kvm_mmu_invalidate_seq_begin(vm);
	idx = srcu_read_lock(&vm->slots_srcu);
	slot = kvm_gfn_to_memslot(kvm_memslots(vm), gfn);
	if (!slot || (write && (slot->flags & KVM_MEM_READONLY))) {
		srcu_read_unlock(&vm->slots_srcu, idx);
		r = KVM_TDP_MMIO;
		goto out;
	}
	hva = kvm_slot_gfn_to_hva(slot, gfn);

	/*
	 * Map writable unless the slot is read-only, or it logs dirty pages and
	 * this is a read (the first write must fault so that it is logged).
	 */
	map_writable = !(slot->flags & KVM_MEM_READONLY) &&
		       (write || !slot->dirty_bitmap);
	r = get_user_pages_unlocked(hva, 1, &page, map_writable ? FOLL_WRITE : 0);
	if (r != 1) {
		srcu_read_unlock(&vm->slots_srcu, idx);
		/* No host page behind the slot: nothing the guest can be given. */
		r = r < 0 ? r : -EFAULT;
		goto out;
	}

	spin_lock(&vm->mmu_lock);
	if (kvm_mmu_invalidate_retry(vm, seq, hva)) {
		spin_unlock(&vm->mmu_lock);
		srcu_read_unlock(&vm->slots_srcu, idx);
		put_page(page);
		cond_resched();
		goto retry;
	}
	tdp_install(vm, &cache, gpa, (page_to_phys(page) & TDP_ADDR_MASK) | fmt->present |
		    fmt->leaf | (map_writable ? fmt->writable : 0));
	if (write)
		kvm_mark_page_dirty(vm, slot, gfn);
	spin_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->slots_srcu, idx);

	if (map_writable)
		set_page_dirty_lock(page);
	mark_page_accessed(page);
	put_page(page);
	kvm_vcpu_stat_inc(v->vcpu, pf_fixed);
	r = KVM_EXIT_ACTION_RESUME;
out:
	tdp_cache_free(&cache);
	return r;
}
EXPORT_SYMBOL_GPL(kvmx86_tdp_fault);
