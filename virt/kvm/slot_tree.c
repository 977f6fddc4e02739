// SPDX-License-Identifier: GPL-2.0-only
/*
 * Persistent treaps of memory slots; see slot_tree.h for the contract.
 *
 * Locking: none here.  Edits run under the caller's vm->slots_lock; lookups
 * and walks under vm->slots_srcu (or slots_lock).  A published node is never
 * written again except its dead_next link, which no reader looks at.
 *
 * Every edit is built from two primitives working on the copies of the nodes
 * they pass through: split (one tree into keys below / at or above a key) and
 * merge (two trees, all keys of the first below those of the second, into one,
 * the higher priority on top).  A node already copied by this edit ("fresh")
 * is changed in place, so a path is copied at most once per edit.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/random.h>
#include <linux/bug.h>
#include <linux/kvm_memslot.h>
#include "slot_tree.h"

/* Is the node's key below k? */
static bool key_below(const struct kvm_slot_node *n, struct slot_key k)
{
	return n->key < k.key || (n->key == k.key && n->key2 < k.key2);
}

static bool key_equal(const struct kvm_slot_node *n, struct slot_key k)
{
	return n->key == k.key && n->key2 == k.key2;
}

static unsigned long slot_hva_end(const struct kvm_memory_slot *s)
{
	return s->userspace_addr + (s->npages << PAGE_SHIFT);
}

/*
 * Recompute max_end on the nodes this edit made, children first.  Only they
 * can be stale: an older node's subtree is unchanged.  Recursion as deep as
 * the tree (some 45 levels for 32764 random-priority slots).
 */
static void fix_max_end(struct kvm_slot_node *n)
{
	if (!n || !n->fresh)
		return;
	fix_max_end(n->left);
	fix_max_end(n->right);
	n->max_end = slot_hva_end(n->slot);
	if (n->left)
		n->max_end = max(n->max_end, n->left->max_end);
	if (n->right)
		n->max_end = max(n->max_end, n->right->max_end);
}

/* n itself if the edit made it, else a fresh copy of it that replaces it. */
static struct kvm_slot_node *own(struct slot_edit *e, struct kvm_slot_node *n)
{
	struct kvm_slot_node *c;

	if (n->fresh)
		return n;
	c = kmalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return NULL;
	*c = *n;
	c->fresh = true;
	c->alloc_next = e->allocated;
	e->allocated = c;
	n->dead_next = e->replaced;
	e->replaced = n;
	e->nr_replaced++;
	return c;
}

/* *lo = the keys of t below key, *hi = the others. */
static int split(struct slot_edit *e, struct kvm_slot_node *t, struct slot_key key,
		 struct kvm_slot_node **lo, struct kvm_slot_node **hi)
{
	while (t) {
		t = own(e, t);
		if (!t)
			return -ENOMEM;
		if (key_below(t, key)) {
			*lo = t;
			lo = &t->right;
			t = t->right;
		} else {
			*hi = t;
			hi = &t->left;
			t = t->left;
		}
	}
	*lo = NULL;
	*hi = NULL;
	return 0;
}

/* *out = a and b together; every key of a is below every key of b. */
static int merge(struct slot_edit *e, struct kvm_slot_node *a, struct kvm_slot_node *b,
		 struct kvm_slot_node **out)
{
	while (a && b) {
		if (a->prio >= b->prio) {
			a = own(e, a);
			if (!a)
				return -ENOMEM;
			*out = a;
			out = &a->right;
			a = a->right;
		} else {
			b = own(e, b);
			if (!b)
				return -ENOMEM;
			*out = b;
			out = &b->left;
			b = b->left;
		}
	}
	*out = a ? a : b;
	return 0;
}

int slot_tree_insert(struct slot_edit *e, struct kvm_slot_node **root, struct slot_key key,
		     struct kvm_memory_slot *slot)
{
	struct kvm_slot_node *n, *lo, *hi, *mid;
	int r;

	if (WARN_ON_ONCE(slot_tree_find(*root, key)))
		return -EEXIST;
	n = kzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
	if (!n)
		return -ENOMEM;
	n->key = key.key;
	n->key2 = key.key2;
	n->slot = slot;
	n->prio = get_random_u32();
	n->fresh = true;
	n->alloc_next = e->allocated;
	e->allocated = n;

	r = split(e, *root, key, &lo, &hi);
	if (!r)
		r = merge(e, lo, n, &mid);
	if (!r)
		r = merge(e, mid, hi, root);
	if (!r)
		fix_max_end(*root);
	return r;
}

int slot_tree_remove(struct slot_edit *e, struct kvm_slot_node **root, struct slot_key key)
{
	struct kvm_slot_node **link = root, *t;
	int r;

	while ((t = *link)) {
		if (key_equal(t, key)) {
			/* Gone from the new tree; freed after the old one. */
			t->dead_next = e->replaced;
			e->replaced = t;
			e->nr_replaced++;
			r = merge(e, t->left, t->right, link);
			if (!r)
				fix_max_end(*root);
			return r;
		}
		t = own(e, t);
		if (!t)
			return -ENOMEM;
		*link = t;
		link = key_below(t, key) ? &t->right : &t->left;
	}
	WARN_ON_ONCE(1);
	return -ENOENT;
}

int slot_tree_replace(struct slot_edit *e, struct kvm_slot_node **root, struct slot_key key,
		      struct kvm_memory_slot *slot)
{
	struct kvm_slot_node **link = root, *t;

	while (*link) {
		t = own(e, *link);
		if (!t)
			return -ENOMEM;
		*link = t;
		if (key_equal(t, key)) {
			t->slot = slot;
			fix_max_end(*root);
			return 0;
		}
		link = key_below(t, key) ? &t->right : &t->left;
	}
	WARN_ON_ONCE(1);
	return -ENOENT;
}

void slot_edit_seal(struct slot_edit *e)
{
	struct kvm_slot_node *n;

	for (n = e->allocated; n; n = n->alloc_next)
		n->fresh = false;
}

void slot_edit_abort(struct slot_edit *e)
{
	struct kvm_slot_node *n, *next;

	for (n = e->allocated; n; n = next) {
		next = n->alloc_next;
		kfree(n);
	}
	e->allocated = NULL;
	e->replaced = NULL;
	e->nr_replaced = 0;
}

void slot_nodes_free(struct kvm_slot_node *list)
{
	struct kvm_slot_node *next;

	for (; list; list = next) {
		next = list->dead_next;
		kfree(list);
	}
}

/*
 * Rotate left children up until the root has none, then free the root and go
 * on with its right subtree: linear time, no stack.
 */
void slot_tree_free(struct kvm_slot_node *root, void (*fn)(struct kvm_memory_slot *slot))
{
	struct kvm_slot_node *l, *next;

	while (root) {
		l = root->left;
		if (l) {
			root->left = l->right;
			l->right = root;
			root = l;
			continue;
		}
		next = root->right;
		if (fn)
			fn(root->slot);
		kfree(root);
		root = next;
	}
}

struct kvm_slot_node *slot_tree_find(struct kvm_slot_node *t, struct slot_key key)
{
	while (t && !key_equal(t, key))
		t = key_below(t, key) ? t->right : t->left;
	return t;
}

struct kvm_slot_node *slot_tree_floor(struct kvm_slot_node *t, u64 key)
{
	struct kvm_slot_node *best = NULL;

	while (t) {
		if (t->key <= key) {
			best = t;
			t = t->right;
		} else {
			t = t->left;
		}
	}
	return best;
}

bool slot_tree_walk_hva(struct kvm_slot_node *t, unsigned long start, unsigned long end,
			void (*fn)(struct kvm_memory_slot *slot, void *arg), void *arg)
{
	struct kvm_slot_node *stack[SLOT_TREE_WALK_DEPTH];
	int depth = 0;

	for (;;) {
		/* Nothing in t's subtree ends above start: skip it whole. */
		if (t && t->max_end > start) {
			/* Slots in the right subtree start at or after this one. */
			if (t->key < end) {
				if (slot_hva_end(t->slot) > start)
					fn(t->slot, arg);
				if (t->right) {
					if (depth == SLOT_TREE_WALK_DEPTH)
						return false;
					stack[depth++] = t->right;
				}
			}
			t = t->left;
			continue;
		}
		if (!depth)
			return true;
		t = stack[--depth];
	}
}
