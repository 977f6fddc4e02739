// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory slots (KVM_SET_USER_MEMORY_REGION), guest memory access from the
 * kernel, and the dirty page log (KVM_GET_DIRTY_LOG, KVM_CLEAR_DIRTY_LOG,
 * KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2).
 *
 * Lock order, outermost first:
 *   vm->slots_lock (mutex)       every writer of vm->slots, the dirty-log ioctls
 *   vm->slots_srcu (read side)   every reader of vm->slots
 *   vm->mmu_lock (spinlock)      around the kvm_arch_* mapping hooks only
 * synchronize_srcu() is called with slots_lock held and nothing else: SRCU
 * readers (the fault path, the MMU notifier) never take slots_lock.
 *
 * The whole scheme (snapshots, the hidden slot of a delete or move, dirty
 * bitmap layout) is described in Documentation/virt/kvm/memslots.rst.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <linux/bitops.h>
#include <linux/atomic.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include "kvm_internal.h"

/*
 * Internal slot flag, never visible to userspace: the slot is on its way out
 * (delete or move).  It stays in the snapshot so the MMU notifier still sees
 * its host range, but lookups by gfn skip it so no new mapping is built on it.
 */
#define SLOT_HIDDEN		(1U << 31)

#define SLOT_USER_FLAGS		(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)

static_assert(!(SLOT_HIDDEN & SLOT_USER_FLAGS));

static struct kvm_memslots *snapshot_alloc(unsigned int nr)
{
	struct kvm_memslots *s;

	s = kvzalloc(struct_size(s, sorted, nr), GFP_KERNEL_ACCOUNT);
	if (s)
		s->nr = nr;
	return s;
}

/* The current snapshot for a writer (slots_lock held). */
static struct kvm_memslots *slots_locked(struct kvm_vm *vm)
{
	return rcu_dereference_protected(vm->slots, lockdep_is_held(&vm->slots_lock));
}

static u64 slot_end(const struct kvm_memory_slot *s)
{
	return s->base_gfn + s->npages;
}

/* Index of the first slot whose end lies above gfn (nr if none). */
static unsigned int first_ending_above(const struct kvm_memslots *slots, u64 gfn)
{
	unsigned int lo = 0, hi = slots->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (slot_end(slots->sorted[mid]) <= gfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct kvm_memory_slot *kvm_gfn_to_memslot(struct kvm_memslots *slots, u64 gfn)
{
	struct kvm_memory_slot *s;
	unsigned int i;

	i = first_ending_above(slots, gfn);
	if (i >= slots->nr)
		return NULL;
	s = slots->sorted[i];
	if (gfn < s->base_gfn || (s->flags & SLOT_HIDDEN))
		return NULL;
	return s;
}

static struct kvm_memory_slot *slot_by_id(const struct kvm_memslots *slots, u16 as_id, u16 id)
{
	unsigned int i;

	for (i = 0; i < slots->nr; i++) {
		struct kvm_memory_slot *s = slots->sorted[i];

		if (s->id == id && s->as_id == as_id)
			return s;
	}
	return NULL;
}

/* Does [start, end) meet any slot other than self? */
static bool range_taken(const struct kvm_memslots *slots, u64 start, u64 end,
			const struct kvm_memory_slot *self)
{
	unsigned int i;

	for (i = first_ending_above(slots, start); i < slots->nr; i++) {
		const struct kvm_memory_slot *s = slots->sorted[i];

		if (s->base_gfn >= end)
			break;
		if (s != self)
			return true;
	}
	return false;
}

/*
 * Copy cur into dst leaving out drop (if any) and adding add (if any) at its
 * place in gfn order.  dst->nr must already be the resulting count.
 */
static void snapshot_fill(struct kvm_memslots *dst, const struct kvm_memslots *cur,
			  const struct kvm_memory_slot *drop, struct kvm_memory_slot *add)
{
	unsigned int i, j = 0;

	for (i = 0; i < cur->nr; i++) {
		struct kvm_memory_slot *s = cur->sorted[i];

		if (s == drop)
			continue;
		if (add && add->base_gfn < s->base_gfn) {
			dst->sorted[j++] = add;
			add = NULL;
		}
		dst->sorted[j++] = s;
	}
	if (add)
		dst->sorted[j++] = add;
	WARN_ON_ONCE(j != dst->nr);
	dst->generation = cur->generation + 1;
}

static void publish(struct kvm_vm *vm, struct kvm_memslots *snap)
{
	rcu_assign_pointer(vm->slots, snap);
	synchronize_srcu_expedited(&vm->slots_srcu);
}

/*
 * Dirty bitmaps.  The first half is the log itself, laid out exactly as the
 * userspace bitmap (bit n of byte b is page 8 * b + n, in 64-bit words); the
 * second half, of the same size, is scratch space for the dirty-log ioctls,
 * which own it while they hold slots_lock.
 */
static_assert(BITS_PER_LONG == 64);

static unsigned long dirty_bitmap_bytes(u64 npages)
{
	return ALIGN(npages, 64) / 8;
}

static unsigned long *dirty_scratch(const struct kvm_memory_slot *s)
{
	return s->dirty_bitmap + dirty_bitmap_bytes(s->npages) / sizeof(long);
}

/* A word of the log as a page mask: bit n is page (word index * 64 + n). */
static u64 dirty_word_pages(unsigned long w)
{
	return le64_to_cpu((__force __le64)w);
}

static unsigned long *dirty_bitmap_alloc(u64 npages, bool all_set)
{
	unsigned long bytes = dirty_bitmap_bytes(npages);
	unsigned long *bm;
	u64 i;

	bm = kvzalloc(2 * bytes, GFP_KERNEL_ACCOUNT);
	if (!bm || !all_set)
		return bm;
	memset(bm, 0xff, npages / 8);
	for (i = npages & ~7ULL; i < npages; i++)
		__set_bit_le(i, bm);
	return bm;
}

void kvm_mark_page_dirty(struct kvm_vm *vm, struct kvm_memory_slot *slot, u64 gfn)
{
	unsigned long *bm;

	if (!slot)
		return;
	bm = slot->dirty_bitmap;
	if (bm && !WARN_ON_ONCE(gfn - slot->base_gfn >= slot->npages))
		set_bit_le(gfn - slot->base_gfn, bm);
}

/*
 * Guest memory access, one page at a time so that every page is looked up in
 * the slots (a range may span slots, or run out of them).
 */
static int guest_copy(struct kvm_vm *vm, u64 gpa, void *kbuf, const void *kdata,
		      unsigned long len)
{
	struct kvm_memslots *slots;
	int idx, r = 0;

	idx = srcu_read_lock(&vm->slots_srcu);
	slots = kvm_memslots(vm);
	while (len) {
		u64 gfn = gpa >> PAGE_SHIFT;
		unsigned long off = gpa & ~PAGE_MASK;
		unsigned long n = min_t(unsigned long, len, PAGE_SIZE - off);
		struct kvm_memory_slot *slot = kvm_gfn_to_memslot(slots, gfn);
		void __user *hva;

		if (!slot) {
			r = -EFAULT;
			break;
		}
		hva = (void __user *)(kvm_slot_gfn_to_hva(slot, gfn) + off);
		if (kdata) {
			if ((slot->flags & KVM_MEM_READONLY) || copy_to_user(hva, kdata, n)) {
				r = -EFAULT;
				break;
			}
			kvm_mark_page_dirty(vm, slot, gfn);
			kdata += n;
		} else {
			if (copy_from_user(kbuf, hva, n)) {
				r = -EFAULT;
				break;
			}
			kbuf += n;
		}
		gpa += n;
		len -= n;
	}
	srcu_read_unlock(&vm->slots_srcu, idx);
	return r;
}

int kvm_read_guest(struct kvm_vm *vm, u64 gpa, void *data, unsigned long len)
{
	return guest_copy(vm, gpa, data, NULL, len);
}

int kvm_write_guest(struct kvm_vm *vm, u64 gpa, const void *data, unsigned long len)
{
	return guest_copy(vm, gpa, NULL, data, len);
}

int kvm_memslots_init(struct kvm_vm *vm)
{
	struct kvm_memslots *empty = snapshot_alloc(0);

	if (!empty)
		return -ENOMEM;
	RCU_INIT_POINTER(vm->slots, empty);
	return 0;
}

/* VM teardown: no reader is left, every slot and bitmap goes. */
void kvm_memslots_exit(struct kvm_vm *vm)
{
	struct kvm_memslots *slots = rcu_dereference_protected(vm->slots, true);
	unsigned int i;

	if (!slots)
		return;
	for (i = 0; i < slots->nr; i++) {
		kvfree(slots->sorted[i]->dirty_bitmap);
		kfree(slots->sorted[i]);
	}
	kvfree(slots);
	RCU_INIT_POINTER(vm->slots, NULL);
}

/*
 * One KVM_SET_USER_MEMORY_REGION call, worked out and allocated in full before
 * anything is published, so that an error leaves the VM untouched.
 */
enum slot_change { SLOT_CREATE, SLOT_DELETE, SLOT_MOVE, SLOT_FLAGS };

struct slot_update {
	enum slot_change change;
	u16 as_id, id;
	u64 base_gfn, npages;
	struct kvm_memory_slot *old;	/* the slot with this id now, NULL on create */
	struct kvm_memory_slot *new;	/* what replaces it, NULL on delete */
	struct kvm_memory_slot *hidden;	/* copy of old marked SLOT_HIDDEN (delete, move) */
	struct kvm_memslots *interim;	/* old replaced by hidden (delete, move) */
	struct kvm_memslots *final;
	bool fresh_bitmap;		/* new->dirty_bitmap was allocated here */
};

/* The checks that need no slots.  Same order and errno as Linux 6.1. */
static int region_check(const struct kvm_userspace_memory_region *r, struct slot_update *u)
{
	u16 as_id = r->slot >> 16, id = (u16)r->slot;

	if (id >= KVM_CORE_USER_MEM_SLOTS || as_id >= KVM_CORE_ADDRESS_SPACES)
		return -EINVAL;
	if (r->flags & ~SLOT_USER_FLAGS)
		return -EINVAL;
	if ((r->memory_size & ~PAGE_MASK) || r->memory_size != (unsigned long)r->memory_size)
		return -EINVAL;
	if (r->guest_phys_addr & ~PAGE_MASK)
		return -EINVAL;
	if ((r->userspace_addr & ~PAGE_MASK) ||
	    r->userspace_addr != untagged_addr(r->userspace_addr) ||
	    !access_ok((void __user *)(unsigned long)r->userspace_addr, r->memory_size))
		return -EINVAL;
	if (r->guest_phys_addr + r->memory_size < r->guest_phys_addr)
		return -EINVAL;
	if ((r->memory_size >> PAGE_SHIFT) > KVM_MEM_MAX_NR_PAGES)
		return -EINVAL;

	u->as_id = as_id;
	u->id = id;
	u->base_gfn = r->guest_phys_addr >> PAGE_SHIFT;
	u->npages = r->memory_size >> PAGE_SHIFT;
	return 0;
}

/* What the call asks for.  Returns 1 when there is nothing to do. */
static int region_classify(const struct kvm_memslots *cur,
			   const struct kvm_userspace_memory_region *r, struct slot_update *u)
{
	struct kvm_memory_slot *old = slot_by_id(cur, u->as_id, u->id);

	u->old = old;
	if (!u->npages) {
		if (!old)
			return -EINVAL;
		u->change = SLOT_DELETE;
		return 0;
	}
	if (!old) {
		u->change = SLOT_CREATE;
	} else {
		if (r->userspace_addr != old->userspace_addr || u->npages != old->npages ||
		    ((r->flags ^ old->flags) & KVM_MEM_READONLY))
			return -EINVAL;
		if (u->base_gfn != old->base_gfn)
			u->change = SLOT_MOVE;
		else if (r->flags != (old->flags & SLOT_USER_FLAGS))
			u->change = SLOT_FLAGS;
		else
			return 1;
	}
	if (u->change != SLOT_FLAGS &&
	    range_taken(cur, u->base_gfn, u->base_gfn + u->npages, old))
		return -EEXIST;
	return 0;
}

static void slot_update_free(struct slot_update *u)
{
	if (u->fresh_bitmap)
		kvfree(u->new->dirty_bitmap);
	kfree(u->new);
	kfree(u->hidden);
	kvfree(u->interim);
	kvfree(u->final);
}

static int region_prepare(struct kvm_vm *vm, const struct kvm_memslots *cur,
			  const struct kvm_userspace_memory_region *r, struct slot_update *u)
{
	struct kvm_memory_slot *old = u->old;
	unsigned int nr = cur->nr;

	if (u->change != SLOT_DELETE) {
		u->new = kzalloc(sizeof(*u->new), GFP_KERNEL_ACCOUNT);
		if (!u->new)
			goto nomem;
		u->new->base_gfn = u->base_gfn;
		u->new->npages = u->npages;
		u->new->userspace_addr = r->userspace_addr;
		u->new->flags = r->flags;
		u->new->id = u->id;
		u->new->as_id = u->as_id;
		if (r->flags & KVM_MEM_LOG_DIRTY_PAGES) {
			if (old && old->dirty_bitmap) {
				u->new->dirty_bitmap = old->dirty_bitmap;
			} else {
				bool all = vm->manual_dirty_log_protect & KVM_DIRTY_LOG_INITIALLY_SET;

				u->new->dirty_bitmap = dirty_bitmap_alloc(u->npages, all);
				if (!u->new->dirty_bitmap)
					goto nomem;
				u->fresh_bitmap = true;
			}
		}
	}

	if (u->change == SLOT_DELETE || u->change == SLOT_MOVE) {
		u->hidden = kmemdup(old, sizeof(*old), GFP_KERNEL_ACCOUNT);
		u->interim = snapshot_alloc(nr);
		if (!u->hidden || !u->interim)
			goto nomem;
		u->hidden->flags |= SLOT_HIDDEN;
	}

	if (u->change == SLOT_DELETE)
		nr--;
	else if (u->change == SLOT_CREATE)
		nr++;
	u->final = snapshot_alloc(nr);
	if (!u->final)
		goto nomem;
	return 0;

nomem:
	slot_update_free(u);
	return -ENOMEM;
}

/* Publish, drop stale mappings, free what only the old snapshots used.  Cannot fail. */
static void region_commit(struct kvm_vm *vm, struct kvm_memslots *cur, struct slot_update *u)
{
	struct kvm_memory_slot *old = u->old, *new = u->new;

	if (u->hidden) {
		/*
		 * Step 1: hide the slot.  Once no reader can see the old snapshot,
		 * no fault can map through the slot any more; the MMU notifier
		 * still finds it in the interim snapshot until its mappings are
		 * gone.
		 */
		snapshot_fill(u->interim, cur, old, u->hidden);
		publish(vm, u->interim);
		spin_lock(&vm->mmu_lock);
		kvm_arch_zap_gfn_range(vm, old->base_gfn, slot_end(old));
		spin_unlock(&vm->mmu_lock);
		snapshot_fill(u->final, u->interim, u->hidden, new);
	} else {
		snapshot_fill(u->final, cur, old, new);
	}
	publish(vm, u->final);

	/*
	 * Logging just turned on for a slot that stays where it was: make its
	 * writable mappings read-only so the next write to each page faults and
	 * is logged.  With KVM_DIRTY_LOG_INITIALLY_SET every page already counts
	 * as dirty and KVM_CLEAR_DIRTY_LOG write-protects them as it goes.  A
	 * created or moved slot has no mappings in its range yet.
	 */
	if (u->change == SLOT_FLAGS && u->fresh_bitmap &&
	    !(vm->manual_dirty_log_protect & KVM_DIRTY_LOG_INITIALLY_SET)) {
		spin_lock(&vm->mmu_lock);
		kvm_arch_write_protect_gfn_range(vm, new->base_gfn, slot_end(new));
		spin_unlock(&vm->mmu_lock);
	}

	if (old && old->dirty_bitmap && (!new || new->dirty_bitmap != old->dirty_bitmap))
		kvfree(old->dirty_bitmap);
	kfree(old);
	kfree(u->hidden);
	kvfree(u->interim);
	kvfree(cur);
}

int kvm_set_user_memory_region(struct kvm_vm *vm, const struct kvm_userspace_memory_region *r)
{
	struct slot_update u = {};
	struct kvm_memslots *cur;
	int ret;

	ret = region_check(r, &u);
	if (ret)
		return ret;

	mutex_lock(&vm->slots_lock);
	cur = slots_locked(vm);
	ret = region_classify(cur, r, &u);
	if (ret)
		goto out;
	ret = region_prepare(vm, cur, r, &u);
	if (ret)
		goto out;
	region_commit(vm, cur, &u);
out:
	mutex_unlock(&vm->slots_lock);
	return ret < 0 ? ret : 0;
}

/*
 * Write protection after pages leave the log, batched into runs of adjacent
 * pages so that each run costs one call (and one TLB flush) in the arch code.
 */
struct wp_run {
	struct kvm_vm *vm;
	u64 start, end;		/* pending run of gfns, empty when start == end */
};

static void wp_run_flush(struct wp_run *run)
{
	if (run->start == run->end)
		return;
	spin_lock(&run->vm->mmu_lock);
	kvm_arch_write_protect_gfn_range(run->vm, run->start, run->end);
	spin_unlock(&run->vm->mmu_lock);
	run->start = run->end;
}

/* Queue the pages of mask (bit n = page base + n) for write protection. */
static void wp_run_add(struct wp_run *run, u64 base, u64 mask)
{
	while (mask) {
		unsigned int first = __ffs64(mask);
		u64 rest = mask >> first;
		unsigned int len = ~rest ? __ffs64(~rest) : 64 - first;
		u64 s = base + first;

		if (run->start != run->end && run->end == s) {
			run->end += len;
		} else {
			wp_run_flush(run);
			run->start = s;
			run->end = s + len;
		}
		mask = first + len < 64 ? mask & (~0ULL << (first + len)) : 0;
	}
}

/* Slot of a dirty-log ioctl (slots_lock held): -EINVAL for a bad number, -ENOENT if none. */
static int dirty_log_slot(struct kvm_vm *vm, u32 slot, struct kvm_memory_slot **out)
{
	u16 as_id = slot >> 16, id = (u16)slot;
	struct kvm_memory_slot *s;

	if (as_id >= KVM_CORE_ADDRESS_SPACES || id >= KVM_CORE_USER_MEM_SLOTS)
		return -EINVAL;
	s = slot_by_id(slots_locked(vm), as_id, id);
	if (!s || !s->dirty_bitmap)
		return -ENOENT;
	*out = s;
	return 0;
}

/*
 * Without manual protection, take every set word of the log (atomically, since
 * vCPUs keep setting bits) into the scratch half, write-protect those pages,
 * and hand the taken words to userspace.
 */
static void dirty_log_take(struct kvm_vm *vm, struct kvm_memory_slot *s)
{
	unsigned long words = dirty_bitmap_bytes(s->npages) / sizeof(long);
	unsigned long *scratch = dirty_scratch(s), i;
	struct wp_run run = { .vm = vm };

	for (i = 0; i < words; i++) {
		unsigned long w = 0;

		if (READ_ONCE(s->dirty_bitmap[i]))
			w = xchg(&s->dirty_bitmap[i], 0);
		scratch[i] = w;
		if (w)
			wp_run_add(&run, s->base_gfn + i * 64, dirty_word_pages(w));
		if (!(i & 1023))
			cond_resched();
	}
	wp_run_flush(&run);
}

int kvm_get_dirty_log(struct kvm_vm *vm, struct kvm_dirty_log *log)
{
	struct kvm_memory_slot *s;
	const unsigned long *src;
	int r;

	mutex_lock(&vm->slots_lock);
	r = dirty_log_slot(vm, log->slot, &s);
	if (r)
		goto out;
	if (vm->manual_dirty_log_protect) {
		src = s->dirty_bitmap;
	} else {
		dirty_log_take(vm, s);
		src = dirty_scratch(s);
	}
	if (copy_to_user(log->dirty_bitmap, src, dirty_bitmap_bytes(s->npages)))
		r = -EFAULT;
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}

/*
 * Linux 6.1 accepts KVM_CLEAR_DIRTY_LOG whether or not manual protection was
 * enabled, and so do we (the ABI is Linux's).
 */
int kvm_clear_dirty_log(struct kvm_vm *vm, struct kvm_clear_dirty_log *log)
{
	struct wp_run run = { .vm = vm };
	struct kvm_memory_slot *s;
	unsigned long *scratch, i, words, first;
	int r;

	mutex_lock(&vm->slots_lock);
	r = -EINVAL;
	if (log->first_page & 63)
		goto out;
	r = dirty_log_slot(vm, log->slot, &s);
	if (r)
		goto out;
	r = -EINVAL;
	if (log->first_page > s->npages || log->num_pages > s->npages - log->first_page ||
	    (log->num_pages < s->npages - log->first_page && (log->num_pages & 63)))
		goto out;

	r = -EFAULT;
	scratch = dirty_scratch(s);
	if (copy_from_user(scratch, log->dirty_bitmap, dirty_bitmap_bytes(log->num_pages)))
		goto out;
	r = 0;

	words = DIV_ROUND_UP(log->num_pages, 64);
	first = log->first_page / 64;
	for (i = 0; i < words; i++) {
		atomic_long_t *word = (atomic_long_t *)&s->dirty_bitmap[first + i];
		unsigned long mask = scratch[i];

		if (!mask)
			continue;
		/* Only bits that were set are cleared and protected; userspace
		 * bits past the slot's end meet zeros and do nothing.
		 */
		mask &= atomic_long_fetch_andnot(mask, word);
		if (mask)
			wp_run_add(&run, s->base_gfn + (first + i) * 64, dirty_word_pages(mask));
		if (!(i & 1023))
			cond_resched();
	}
	wp_run_flush(&run);
out:
	mutex_unlock(&vm->slots_lock);
	return r;
}

int kvm_dirty_log_enable_manual(struct kvm_vm *vm, const struct kvm_enable_cap *cap)
{
	u64 allowed = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE;

	/* KVM_DIRTY_LOG_INITIALLY_SET only comes together with manual protection. */
	if (cap->args[0] & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE)
		allowed |= KVM_DIRTY_LOG_INITIALLY_SET;
	if (cap->flags || (cap->args[0] & ~allowed))
		return -EINVAL;

	mutex_lock(&vm->slots_lock);
	vm->manual_dirty_log_protect = cap->args[0];
	mutex_unlock(&vm->slots_lock);
	return 0;
}
