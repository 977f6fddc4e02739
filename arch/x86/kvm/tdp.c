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
 *
 * Leaves are 4 KiB, or 2 MiB (a level-2 entry with the page-size bit) when the
 * whole 2 MiB guest range lies in one slot that does not log dirty pages, its
 * host addresses are 2 MiB aligned alike, and the host itself maps that range
 * with one huge entry (THP or hugetlbfs).  A 2 MiB leaf is only ever removed
 * whole: zapping any part of it, or write-protecting it, drops all of it, and
 * the next faults map again (at 4 KiB while the slot logs).
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
/*
 * Page-size bit of a level-2 entry: bit 7 in AMD's nested page tables (they
 * are ordinary long-mode tables, APM vol. 2, 5.3) and in Intel's EPT (SDM
 * vol. 3, 29.3.2).
 */
#define TDP_HUGE		(1ULL << 7)
#define TDP_HUGE_PAGES		512	/* 4 KiB pages in a 2 MiB leaf */
/*
 * Software bit of a leaf (ignored by the hardware in both formats: AVL in AMD's
 * tables, bit 11 is ignored in EPT): the host page was writable when the leaf
 * was made, so a write-protected leaf may simply be made writable again (the
 * MMU notifier removes the leaf before the host write-protects its own side).
 */
#define TDP_HOST_WRITABLE	(1ULL << 11)

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
	/* The flush target mask, kept so that flushing never allocates. */
	if (!zalloc_cpumask_var(&xvm->flush_cpus, GFP_KERNEL_ACCOUNT)) {
		__free_page(root);
		return -ENOMEM;
	}
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
			if (table[i] && !(table[i] & TDP_HUGE))
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
	free_cpumask_var(xvm->flush_cpus);
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
	struct kvm_x86_vm *xvm = vm->arch;
	struct cpumask *cpus = xvm->flush_cpus;	/* mmu_lock */
	struct kvm_vcpu *vcpu;
	unsigned long i;

	lockdep_assert_held(&vm->mmu_lock);
	vm->stat.remote_tlb_flush_requests++;
	cpumask_clear(cpus);
	xa_for_each(&vm->vcpus, i, vcpu) {
		kvm_vcpu_request(vcpu, KVM_REQ_TLB_FLUSH);
		smp_mb__after_atomic();
		if (READ_ONCE(vcpu->mode) != KVM_VCPU_OUTSIDE_GUEST) {
			int cpu = READ_ONCE(vcpu->cpu);

			if (cpu >= 0)
				cpumask_set_cpu(cpu, cpus);
		}
	}
	preempt_disable();
	cpumask_clear_cpu(smp_processor_id(), cpus);
	if (!cpumask_empty(cpus)) {
		vm->stat.remote_tlb_flush++;
		smp_call_function_many(cpus, tdp_flush_ipi, NULL, 1);
	}
	preempt_enable();
}

enum tdp_op { TDP_ZAP, TDP_WRPROT };

/* A leaf goes: the statistics follow.  mmu_lock held. */
static void tdp_clear_leaf(struct kvm_vm *vm, u64 *leaf, int level)
{
	WRITE_ONCE(*leaf, 0);
	if (level == 1)
		vm->stat.pages_4k--;
	else
		vm->stat.pages_2m--;
}

/*
 * Zap or write-protect every present leaf that meets [start, end) (gfns);
 * a 2 MiB leaf is zapped whole in both cases, so that a write-protected range
 * is mapped again at 4 KiB.  Sets *flush when a leaf changed.  mmu_lock held.
 */
static void tdp_walk_range(struct kvm_vm *vm, u64 *table, int level, u64 base_gfn, u64 start,
			   u64 end, enum tdp_op op, bool *flush)
{
	u64 span = 1ULL << (9 * (level - 1));	/* gfns per entry */
	u64 w = kvm_x86_ops->tdp_format->writable;
	unsigned int i, first = 0, last = TDP_ENTRIES - 1;

	/* Only the entries that meet [start, end): a short range costs a short walk. */
	if (start > base_gfn)
		first = min_t(u64, (start - base_gfn) / span, TDP_ENTRIES);
	if (end - 1 < base_gfn + TDP_ENTRIES * span - 1)
		last = end > base_gfn ? (end - 1 - base_gfn) / span : 0;
	for (i = first; i <= last && i < TDP_ENTRIES; i++) {
		u64 lo = base_gfn + i * span, hi = lo + span, e = table[i];

		if (hi <= start || lo >= end || !e)
			continue;
		if (level > 1 && !(e & TDP_HUGE)) {
			tdp_walk_range(vm, tdp_table_of(e), level - 1, lo, start, end, op, flush);
			continue;
		}
		if (op == TDP_WRPROT && level == 1) {
			if (!(e & w))
				continue;
			WRITE_ONCE(table[i], e & ~w);
		} else {
			tdp_clear_leaf(vm, &table[i], level);
		}
		*flush = true;
	}
}

void kvm_arch_zap_gfn_range(struct kvm_vm *vm, u64 start, u64 end)
{
	struct kvm_x86_vm *xvm = vm->arch;
	bool flush = false;

	lockdep_assert_held(&vm->mmu_lock);
	tdp_walk_range(vm, xvm->tdp_root, xvm->tdp_levels, 0, start, end, TDP_ZAP, &flush);
	if (flush)
		kvm_tdp_flush_remote(vm);
}

bool kvm_arch_write_protect_gfn_range_noflush(struct kvm_vm *vm, u64 start, u64 end)
{
	struct kvm_x86_vm *xvm = vm->arch;
	bool flush = false;

	lockdep_assert_held(&vm->mmu_lock);
	tdp_walk_range(vm, xvm->tdp_root, xvm->tdp_levels, 0, start, end, TDP_WRPROT, &flush);
	return flush;
}

void kvm_arch_flush_remote_tlbs(struct kvm_vm *vm)
{
	kvm_tdp_flush_remote(vm);
}

void kvm_arch_write_protect_gfn_range(struct kvm_vm *vm, u64 start, u64 end)
{
	struct kvm_x86_vm *xvm = vm->arch;
	bool flush = false;

	lockdep_assert_held(&vm->mmu_lock);
	tdp_walk_range(vm, xvm->tdp_root, xvm->tdp_levels, 0, start, end, TDP_WRPROT, &flush);
	if (flush)
		kvm_tdp_flush_remote(vm);
}

/*
 * Page-table pages for a fault are allocated before mmu_lock is taken, from a
 * small per-vCPU cache (struct kvm_tdp_page_cache in x86.h) topped up before
 * each fault: a fault that makes no new table takes nothing from it, so most
 * faults allocate nothing.  vcpu->mutex guards the cache.
 */
static int tdp_cache_fill(struct kvm_tdp_page_cache *c)
{
	while (c->nr < KVM_TDP_CACHE_PAGES) {
		unsigned long p = get_zeroed_page(GFP_KERNEL_ACCOUNT);

		if (!p)
			return -ENOMEM;
		c->pages[c->nr++] = (u64 *)p;
	}
	return 0;
}

/* vCPU destruction: give the cached pages back. */
void kvm_tdp_vcpu_free(struct kvm_x86_vcpu *v)
{
	struct kvm_tdp_page_cache *c = &v->tdp_cache;

	while (c->nr)
		free_page((unsigned long)c->pages[--c->nr]);
}

/*
 * Walk from the root down to the table of the given level that holds gpa,
 * making missing tables from the cache.  A 2 MiB leaf met on the way to a
 * 4 KiB one is replaced by an empty table (*flush set): the new 4 KiB leaf is
 * then the only mapping of that range.  mmu_lock held.
 */
static u64 *tdp_descend(struct kvm_vm *vm, struct kvm_tdp_page_cache *c, u64 gpa, int to_level,
			bool *flush)
{
	const struct kvm_tdp_format *fmt = kvm_x86_ops->tdp_format;
	struct kvm_x86_vm *xvm = vm->arch;
	u64 *table = xvm->tdp_root;
	int level;

	for (level = xvm->tdp_levels; level > to_level; level--) {
		u64 *e = &table[tdp_index(gpa, level)];

		if (*e & TDP_HUGE) {
			tdp_clear_leaf(vm, e, level);
			*flush = true;
		}
		if (!*e) {
			u64 *next = c->pages[--c->nr];

			WRITE_ONCE(*e, __pa(next) | fmt->table);
		}
		table = tdp_table_of(*e);
	}
	return table;
}

/* Install a 4 KiB leaf for gpa; mmu_lock held. */
static void tdp_install(struct kvm_vm *vm, struct kvm_tdp_page_cache *c, u64 gpa, u64 leaf,
			bool *flush)
{
	u64 *table = tdp_descend(vm, c, gpa, 1, flush);

	if (!table[tdp_index(gpa, 1)])
		vm->stat.pages_4k++;
	WRITE_ONCE(table[tdp_index(gpa, 1)], leaf);
}

static bool tdp_table_empty(const u64 *table)
{
	unsigned int i;

	for (i = 0; i < TDP_ENTRIES; i++)
		if (table[i])
			return false;
	return true;
}

/*
 * Install a 2 MiB leaf for the 2 MiB-aligned gpa.  Where 4 KiB mappings are
 * still in the way it does nothing and returns false; an empty leftover table
 * is replaced (and freed once no vCPU can still walk it).  mmu_lock held.
 */
static bool tdp_install_huge(struct kvm_vm *vm, struct kvm_tdp_page_cache *c, u64 gpa, u64 leaf,
			     bool *flush)
{
	u64 *table = tdp_descend(vm, c, gpa, 2, flush);
	u64 *e = &table[tdp_index(gpa, 2)], old = *e;

	if (old && !(old & TDP_HUGE) && !tdp_table_empty(tdp_table_of(old)))
		return false;
	if (!(old & TDP_HUGE))
		vm->stat.pages_2m++;
	WRITE_ONCE(*e, leaf | TDP_HUGE);
	if (old && !(old & TDP_HUGE)) {
		/* A vCPU's walk may still hold the old table: flush before freeing it. */
		kvm_tdp_flush_remote(vm);
		free_page((unsigned long)tdp_table_of(old));
	}
	return true;
}

/*
 * Does the host map hva with one entry of 2 MiB or more?  Read locklessly, as
 * the fast get_user_pages does: with interrupts off no page-table page can be
 * freed under us (freeing waits for a TLB-flush IPI or an RCU grace period).
 */
static bool host_maps_huge(struct mm_struct *mm, unsigned long hva)
{
	unsigned long flags;
	bool huge = false;
	pgd_t pgd;
	p4d_t p4d;
	pud_t pud;
	pmd_t pmd;

	local_irq_save(flags);
	pgd = READ_ONCE(*pgd_offset(mm, hva));
	if (!pgd_present(pgd))
		goto out;
	p4d = READ_ONCE(*p4d_offset(&pgd, hva));
	if (!p4d_present(p4d))
		goto out;
	pud = READ_ONCE(*pud_offset(&p4d, hva));
	if (!pud_present(pud))
		goto out;
	if (pud_large(pud)) {
		huge = true;
		goto out;
	}
	pmd = READ_ONCE(*pmd_offset(&pud, hva));
	huge = pmd_present(pmd) && pmd_large(pmd);
out:
	local_irq_restore(flags);
	return huge;
}

/* Could gfn's 2 MiB range be one leaf, as far as the slot goes? */
static bool slot_allows_huge(const struct kvm_memory_slot *slot, u64 gfn)
{
	u64 first = ALIGN_DOWN(gfn, TDP_HUGE_PAGES);

	return !slot->dirty_bitmap && first >= slot->base_gfn &&
	       first + TDP_HUGE_PAGES <= slot->base_gfn + slot->npages &&
	       IS_ALIGNED((slot->userspace_addr >> PAGE_SHIFT) - slot->base_gfn, TDP_HUGE_PAGES);
}

/*
 * The 2 MiB decision, made under mmu_lock once the fault is known not to race
 * with an invalidation of hva: no invalidation may be running on any part of
 * the 2 MiB host range either, and the host must map it huge.
 */
static bool fault_maps_huge(struct kvm_vm *vm, unsigned long hva)
{
	unsigned long first = ALIGN_DOWN(hva, PMD_SIZE);

	lockdep_assert_held(&vm->mmu_lock);
	if (vm->mmu_invalidate_in_progress && first < vm->mmu_invalidate_end &&
	    first + PMD_SIZE > vm->mmu_invalidate_start)
		return false;
	return host_maps_huge(vm->mm, hva);
}

/*
 * A write to a leaf write-protected for dirty logging whose host page was
 * writable: make the leaf writable again without going to the host's page
 * tables.  Adding a permission needs no TLB flush.  mmu_lock held.
 */
static bool tdp_fast_unprotect(struct kvm_vm *vm, u64 gpa)
{
	const struct kvm_tdp_format *fmt = kvm_x86_ops->tdp_format;
	struct kvm_x86_vm *xvm = vm->arch;
	u64 *table = xvm->tdp_root, e;
	int level;

	for (level = xvm->tdp_levels; level > 1; level--) {
		e = table[tdp_index(gpa, level)];
		if (!(e & fmt->present) || (e & TDP_HUGE))
			return false;
		table = tdp_table_of(e);
	}
	e = table[tdp_index(gpa, 1)];
	if (!(e & fmt->present) || (e & fmt->writable) || !(e & TDP_HOST_WRITABLE))
		return false;
	WRITE_ONCE(table[tdp_index(gpa, 1)], e | fmt->writable);
	return true;
}

int kvmx86_tdp_fault(struct kvm_x86_vcpu *v, u64 gpa, bool write)
{
	const struct kvm_tdp_format *fmt = kvm_x86_ops->tdp_format;
	struct kvm_vm *vm = v->vcpu->vm;
	struct kvm_tdp_page_cache *cache = &v->tdp_cache;
	struct kvm_memory_slot *slot;
	unsigned long seq, hva;
	struct page *page;
	bool map_writable, huge, flush;
	int idx, r;
	u64 gfn = gpa >> PAGE_SHIFT, bits;

	kvm_vcpu_stat_inc(v->vcpu, pf_taken);
	if (gpa >> (PAGE_SHIFT + 9 * ((struct kvm_x86_vm *)vm->arch)->tdp_levels))
		return KVM_TDP_MMIO;

retry:
	r = tdp_cache_fill(cache);
	if (r)
		return r;

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
	if (write && map_writable && slot->dirty_bitmap) {
		bool done;

		spin_lock(&vm->mmu_lock);
		done = tdp_fast_unprotect(vm, gpa);
		if (done)
			kvm_mark_page_dirty(vm, slot, gfn);
		spin_unlock(&vm->mmu_lock);
		if (done) {
			srcu_read_unlock(&vm->slots_srcu, idx);
			kvm_vcpu_stat_inc(v->vcpu, pf_fixed);
			return KVM_EXIT_ACTION_RESUME;
		}
	}
	huge = slot_allows_huge(slot, gfn);
	/* The lockless walk first; the slow path may fault the page in. */
	if (get_user_page_fast_only(hva, map_writable ? FOLL_WRITE : 0, &page))
		r = 1;
	else
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
	bits = fmt->present | fmt->leaf | (map_writable ? fmt->writable | TDP_HOST_WRITABLE : 0);
	flush = false;
	if (huge && fault_maps_huge(vm, hva)) {
		/* The host maps the 2 MiB range contiguously: page is one of its 512. */
		u64 first = page_to_phys(page) - ((hva & (PMD_SIZE - 1)) & PAGE_MASK);

		huge = IS_ALIGNED(first, PMD_SIZE) &&
		       tdp_install_huge(vm, cache, gpa & ~(PMD_SIZE - 1),
					(first & TDP_ADDR_MASK) | bits, &flush);
	} else {
		huge = false;
	}
	if (!huge)
		tdp_install(vm, cache, gpa, (page_to_phys(page) & TDP_ADDR_MASK) | bits, &flush);
	if (flush)
		kvm_tdp_flush_remote(vm);
	if (write)
		kvm_mark_page_dirty(vm, slot, gfn);
	spin_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->slots_srcu, idx);

	if (map_writable)
		set_page_dirty_lock(page);
	mark_page_accessed(page);
	put_page(page);
	kvm_vcpu_stat_inc(v->vcpu, pf_fixed);
	return KVM_EXIT_ACTION_RESUME;
out:
	return r;
}
EXPORT_SYMBOL_GPL(kvmx86_tdp_fault);
