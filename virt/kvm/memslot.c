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
#include "slot_tree.h"

/*
 * Internal slot flag, never visible to userspace: the slot is on its way out
 * (delete or move).  It stays in the snapshot so the MMU notifier still sees
 * its host range, but lookups by gfn skip it so no new mapping is built on it.
 */
#define SLOT_HIDDEN		(1U << 31)

#define SLOT_USER_FLAGS		(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)

static_assert(!(SLOT_HIDDEN & SLOT_USER_FLAGS));

/*
 * A snapshot is a small header naming the roots of three persistent trees of
 * the same slots (slot_tree.h): by base_gfn, for the readers; by (as_id, id),
 * for this file; by host address, for the MMU notifier.  An update builds new
 * trees that share all but O(log n) nodes with the current ones, so it costs
 * O(log n) time and memory whatever the number of slots.
 */
static struct kvm_memslots *snapshot_alloc(const struct kvm_memslots *from)
{
	struct kvm_memslots *s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);

	if (s && from)
		*s = *from;
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

static u32 slot_key(const struct kvm_memory_slot *s)
{
	return ((u32)s->as_id << 16) | s->id;
}

/* The slot that starts at or last before gfn, hidden or not; NULL if none. */
static struct kvm_memory_slot *slot_at_or_before(const struct kvm_memslots *slots, u64 gfn)
{
	struct kvm_slot_node *n = slot_tree_floor(slots->by_gfn, gfn);

	return n ? n->slot : NULL;
}

struct kvm_memory_slot *kvm_gfn_to_memslot(struct kvm_memslots *slots, u64 gfn)
{
	struct kvm_memory_slot *s = slot_at_or_before(slots, gfn);

	if (!s || gfn >= slot_end(s) || (s->flags & SLOT_HIDDEN))
		return NULL;
	return s;
}

static struct kvm_memory_slot *slot_by_id(const struct kvm_memslots *slots, u16 as_id, u16 id)
{
	struct slot_key k = { .key = ((u32)as_id << 16) | id };
	struct kvm_slot_node *n = slot_tree_find(slots->by_id, k);

	return n ? n->slot : NULL;
}

bool kvm_memslots_for_each_hva(struct kvm_memslots *slots, unsigned long start,
			       unsigned long end,
			       void (*fn)(struct kvm_memory_slot *slot, void *arg), void *arg)
{
	return slot_tree_walk_hva(slots->by_hva, start, end, fn, arg);
}

/*
 * Does [start, end) meet any slot other than self?  Slots do not overlap, so
 * the ones that meet the range are consecutive in gfn order and the last of
 * them starts below end; self may be that last one, then only the slot
 * before it can be another.
 */
static bool range_taken(const struct kvm_memslots *slots, u64 start, u64 end,
			const struct kvm_memory_slot *self)
{
	struct kvm_memory_slot *s = slot_at_or_before(slots, end - 1);

	if (s && s == self)
		s = s->base_gfn ? slot_at_or_before(slots, s->base_gfn - 1) : NULL;
	return s && slot_end(s) > start;
}

/*
 * What an update leaves behind for SRCU readers that may still be looking at
 * it.  Kept on vm->slots_garbage (newest first) and freed after the next
 * grace period the writer waits for anyway, or after one of its own once too
 * much has piled up: synchronize_srcu_expedited() is what makes slot updates
 * slow, and mixing it with call_srcu() callbacks makes it slower still.
 */
struct kvm_slot_garbage {
	struct kvm_slot_garbage *next;
	size_t total;			/* bytes held by this entry and all after it */
	struct kvm_memslots *snap;	/* snapshot headers no longer published */
	struct kvm_memslots *snap2;
	struct kvm_slot_node *nodes;	/* tree nodes, chained by dead_next */
	struct kvm_memory_slot *slot, *hidden;
	unsigned long *bitmap;
};

#define SLOT_GARBAGE_MAX_BYTES	(1UL << 20)

/* Free everything queued so far: no reader can still see any of it. */
static void slot_garbage_free_all(struct kvm_vm *vm)
{
	struct kvm_slot_garbage *g = vm->slots_garbage, *next;

	for (; g; g = next) {
		next = g->next;
		kvfree(g->bitmap);
		kfree(g->slot);
		kfree(g->hidden);
		slot_nodes_free(g->nodes);
		kfree(g->snap);
		kfree(g->snap2);
		kfree(g);
	}
	vm->slots_garbage = NULL;
}

/* Wait for every reader of an unpublished snapshot, then free what they used. */
static void slots_wait_readers(struct kvm_vm *vm)
{
	synchronize_srcu_expedited(&vm->slots_srcu);
	slot_garbage_free_all(vm);
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
	struct kvm_memslots *empty = snapshot_alloc(NULL);

	if (!empty)
		return -ENOMEM;
	RCU_INIT_POINTER(vm->slots, empty);
	return 0;
}

static void slot_free(struct kvm_memory_slot *slot)
{
	kvfree(slot->dirty_bitmap);
	kfree(slot);
}

/* VM teardown: no reader is left, every slot and bitmap goes. */
void kvm_memslots_exit(struct kvm_vm *vm)
{
	struct kvm_memslots *slots = rcu_dereference_protected(vm->slots, true);

	slot_garbage_free_all(vm);
	if (!slots)
		return;
	slot_tree_free(slots->by_gfn, slot_free);
	slot_tree_free(slots->by_id, NULL);
	slot_tree_free(slots->by_hva, NULL);
	kfree(slots);
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
	struct slot_edit interim_edit;	/* builds interim from the current snapshot */
	struct slot_edit final_edit;	/* builds final from interim, or from the current one */
	struct kvm_slot_garbage *garbage;
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
	slot_edit_abort(&u->final_edit);
	slot_edit_abort(&u->interim_edit);
	if (u->fresh_bitmap)
		kvfree(u->new->dirty_bitmap);
	kfree(u->new);
	kfree(u->hidden);
	kfree(u->interim);
	kfree(u->final);
	kfree(u->garbage);
}

/* The keys of a slot in each tree of a snapshot. */
static struct slot_key gfn_key(const struct kvm_memory_slot *s)
{
	return (struct slot_key){ .key = s->base_gfn };
}

static struct slot_key id_key(const struct kvm_memory_slot *s)
{
	return (struct slot_key){ .key = slot_key(s) };
}

static struct slot_key hva_key(const struct kvm_memory_slot *s)
{
	return (struct slot_key){ .key = s->userspace_addr, .key2 = slot_key(s) };
}

/* In one tree: in (if any) instead of out (if any). */
static int tree_swap(struct slot_edit *e, struct kvm_slot_node **root,
		     struct slot_key (*key)(const struct kvm_memory_slot *),
		     struct kvm_memory_slot *out, struct kvm_memory_slot *in)
{
	int r;

	if (out && in && key(out).key == key(in).key && key(out).key2 == key(in).key2)
		return slot_tree_replace(e, root, key(in), in);
	if (out) {
		r = slot_tree_remove(e, root, key(out));
		if (r)
			return r;
	}
	return in ? slot_tree_insert(e, root, key(in), in) : 0;
}

/*
 * Make dst (a copy of the snapshot it is built from) hold in instead of out;
 * either may be NULL.  When both are given they have the same number and host
 * address, so only the tree by gfn may see a move.
 */
static int snapshot_swap(struct slot_edit *e, struct kvm_memslots *dst,
			 struct kvm_memory_slot *out, struct kvm_memory_slot *in)
{
	int r;

	r = tree_swap(e, &dst->by_id, id_key, out, in);
	if (!r)
		r = tree_swap(e, &dst->by_hva, hva_key, out, in);
	if (!r)
		r = tree_swap(e, &dst->by_gfn, gfn_key, out, in);
	if (r)
		return r;
	dst->nr = dst->nr + !!in - !!out;
	dst->generation++;
	return 0;
}

static int region_prepare(struct kvm_vm *vm, struct kvm_memslots *cur,
			  const struct kvm_userspace_memory_region *r, struct slot_update *u)
{
	struct kvm_memory_slot *old = u->old;
	struct kvm_memslots *base = cur;
	int ret = -ENOMEM;

	if (u->change != SLOT_DELETE) {
		u->new = kzalloc(sizeof(*u->new), GFP_KERNEL_ACCOUNT);
		if (!u->new)
			goto fail;
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
				u64 manual = vm->manual_dirty_log_protect;

				u->new->dirty_bitmap = dirty_bitmap_alloc(u->npages,
						manual & KVM_DIRTY_LOG_INITIALLY_SET);
				if (!u->new->dirty_bitmap)
					goto fail;
				u->fresh_bitmap = true;
			}
		}
	}

	u->garbage = kzalloc(sizeof(*u->garbage), GFP_KERNEL_ACCOUNT);
	if (!u->garbage)
		goto fail;

	if (u->change == SLOT_DELETE || u->change == SLOT_MOVE) {
		u->hidden = kmemdup(old, sizeof(*old), GFP_KERNEL_ACCOUNT);
		u->interim = snapshot_alloc(cur);
		if (!u->hidden || !u->interim)
			goto fail;
		u->hidden->flags |= SLOT_HIDDEN;
		ret = snapshot_swap(&u->interim_edit, u->interim, old, u->hidden);
		if (ret)
			goto fail;
		/* The final trees are built on the interim ones, never changing them. */
		slot_edit_seal(&u->interim_edit);
		base = u->interim;
		old = u->hidden;
	}

	ret = -ENOMEM;
	u->final = snapshot_alloc(base);
	if (!u->final)
		goto fail;
	ret = snapshot_swap(&u->final_edit, u->final, old, u->new);
	if (ret)
		goto fail;
	slot_edit_seal(&u->final_edit);
	return 0;

fail:
	slot_update_free(u);
	return ret;
}

/*
 * Publish, drop stale mappings, queue what only old snapshots use on
 * vm->slots_garbage.  Cannot fail.  The ioctl waits for readers only where
 * that is needed (or when the garbage grows too big):
 *  - deleting or moving a slot: before zapping its range, so that no fault can
 *    still be building a mapping through it (after the ioctl the VMM may unmap
 *    the memory, or put another slot at the old address);
 *  - turning logging on in place: before write-protecting (or returning, with
 *    KVM_DIRTY_LOG_INITIALLY_SET), so that no fault still sees the slot
 *    without its bitmap and maps a page writable behind the log's back.
 * A reader still on an older snapshot after the ioctl returns sees the VM as
 * it was an instant before (a gfn that just got a slot may still look like
 * MMIO to a fault already under way), and what it uses is freed after it is done.
 */
static void region_commit(struct kvm_vm *vm, struct kvm_memslots *cur, struct slot_update *u)
{
	struct kvm_memory_slot *old = u->old, *new = u->new;
	struct kvm_slot_garbage *g = u->garbage;
	bool logging_on;

	if (u->hidden) {
		/*
		 * Hide the slot first.  Once no reader can see the old snapshot,
		 * no fault can map through the slot any more; the MMU notifier
		 * still finds it in the interim snapshot until its mappings are
		 * gone.
		 */
		rcu_assign_pointer(vm->slots, u->interim);
		slots_wait_readers(vm);
		spin_lock(&vm->mmu_lock);
		kvm_arch_zap_gfn_range(vm, old->base_gfn, slot_end(old));
		spin_unlock(&vm->mmu_lock);
	}
	rcu_assign_pointer(vm->slots, u->final);

	/*
	 * Logging just turned on for a slot that stays where it was: make its
	 * writable mappings read-only so the next write to each page faults and
	 * is logged.  With KVM_DIRTY_LOG_INITIALLY_SET every page already counts
	 * as dirty and KVM_CLEAR_DIRTY_LOG write-protects them as it goes.  A
	 * created or moved slot has no mappings in its range yet.
	 */
	logging_on = u->change == SLOT_FLAGS && u->fresh_bitmap;
	if (logging_on) {
		/* Also with INITIALLY_SET: a later KVM_CLEAR_DIRTY_LOG must not
		 * race with a fault that still sees the slot without a bitmap.
		 */
		slots_wait_readers(vm);
	}
	if (logging_on && !(vm->manual_dirty_log_protect & KVM_DIRTY_LOG_INITIALLY_SET)) {
		spin_lock(&vm->mmu_lock);
		kvm_arch_write_protect_gfn_range(vm, new->base_gfn, slot_end(new));
		spin_unlock(&vm->mmu_lock);
	}

	/*
	 * Logging just turned off: drop the slot's 4 KiB mappings so that faults
	 * map large pages again where the architecture can.  A fault still on the
	 * old snapshot may map 4 KiB after this; that is only slower.
	 */
	if (u->change == SLOT_FLAGS && old->dirty_bitmap && !new->dirty_bitmap) {
		spin_lock(&vm->mmu_lock);
		kvm_arch_zap_gfn_range(vm, new->base_gfn, slot_end(new));
		spin_unlock(&vm->mmu_lock);
	}

	if (old && old->dirty_bitmap && (!new || new->dirty_bitmap != old->dirty_bitmap))
		g->bitmap = old->dirty_bitmap;
	g->slot = old;
	g->hidden = u->hidden;
	g->snap = cur;
	g->snap2 = u->interim;
	g->nodes = u->final_edit.replaced;
	if (u->interim_edit.replaced) {
		struct kvm_slot_node *tail = u->interim_edit.replaced;

		while (tail->dead_next)
			tail = tail->dead_next;
		tail->dead_next = g->nodes;
		g->nodes = u->interim_edit.replaced;
	}
	g->total = sizeof(*g) + 2 * sizeof(*old) + 2 * sizeof(*cur) +
		   (u->interim_edit.nr_replaced + u->final_edit.nr_replaced) *
		   sizeof(struct kvm_slot_node) +
		   (g->bitmap ? 2 * dirty_bitmap_bytes(old->npages) : 0);
	g->next = vm->slots_garbage;
	if (g->next)
		g->total += g->next->total;
	vm->slots_garbage = g;
	if (g->total > SLOT_GARBAGE_MAX_BYTES)
		slots_wait_readers(vm);
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
	bool flush;		/* some mapping lost its write permission */
};

static void wp_run_flush(struct wp_run *run)
{
	if (run->start == run->end)
		return;
	spin_lock(&run->vm->mmu_lock);
	if (kvm_arch_write_protect_gfn_range_noflush(run->vm, run->start, run->end))
		run->flush = true;
	spin_unlock(&run->vm->mmu_lock);
	run->start = run->end;
}

/*
 * The last run, then one TLB flush for all of them: no vCPU writes through a
 * stale translation once the log goes back to userspace.
 */
static void wp_run_finish(struct wp_run *run)
{
	wp_run_flush(run);
	if (!run->flush)
		return;
	spin_lock(&run->vm->mmu_lock);
	kvm_arch_flush_remote_tlbs(run->vm);
	spin_unlock(&run->vm->mmu_lock);
	run->flush = false;
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
	wp_run_finish(&run);
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
	wp_run_finish(&run);
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
