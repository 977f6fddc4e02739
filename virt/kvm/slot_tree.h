/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Persistent (copy-on-write) search trees of memory slots, for memslot.c.
 *
 * A tree is a treap keyed by a u64 (unique within the tree), balanced by a
 * random priority per node.  Published trees are never modified: an edit
 * copies the nodes on the paths it changes (O(log n) of them, expected) and
 * shares every other node with the tree it started from, so a reader under
 * SRCU keeps a consistent tree for as long as it looks.  Nodes the edit copied
 * or removed are handed back on a list, to be freed once no reader can see
 * the old tree any more.
 *
 * An edit may be abandoned before its result is published (an allocation
 * failed, or a later step of the same ioctl did): slot_edit_abort() frees what
 * it allocated and the trees it started from are untouched.
 */
#ifndef KVM_SLOT_TREE_H
#define KVM_SLOT_TREE_H

#include <linux/types.h>

struct kvm_memory_slot;

struct kvm_slot_node {
	struct kvm_slot_node *left, *right;	/* smaller keys, larger keys */
	struct kvm_memory_slot *slot;
	u64 key;
	u32 prio;				/* max-heap order */
	bool fresh;				/* private to the edit that made it */
	struct kvm_slot_node *alloc_next;	/* slot_edit.allocated */
	struct kvm_slot_node *dead_next;	/* slot_edit.replaced, then the garbage queue */
};

/* One batch of edits whose results are published together (or not at all). */
struct slot_edit {
	struct kvm_slot_node *allocated;	/* every node made here */
	struct kvm_slot_node *replaced;		/* old nodes no longer in the new trees */
	unsigned long nr_replaced;
};

/* Edits: 0 or -ENOMEM (then the edit as a whole must be aborted). */
int slot_tree_insert(struct slot_edit *e, struct kvm_slot_node **root, u64 key,
		     struct kvm_memory_slot *slot);
int slot_tree_remove(struct slot_edit *e, struct kvm_slot_node **root, u64 key);
int slot_tree_replace(struct slot_edit *e, struct kvm_slot_node **root, u64 key,
		      struct kvm_memory_slot *slot);

/* Make the edit's nodes ordinary (call before a second edit builds on them). */
void slot_edit_seal(struct slot_edit *e);
/* Free what the edit allocated; its trees must never have been published. */
void slot_edit_abort(struct slot_edit *e);
/* Free a list of replaced nodes (chained by dead_next). */
void slot_nodes_free(struct kvm_slot_node *list);
/* Free every node of a tree nobody can see any more, calling fn (if not
 * NULL) on each node's slot first.
 */
void slot_tree_free(struct kvm_slot_node *root, void (*fn)(struct kvm_memory_slot *slot));

/* Lookups; read-only, need only that the tree stays alive (SRCU). */
struct kvm_slot_node *slot_tree_find(struct kvm_slot_node *root, u64 key);
/* Node with the largest key <= key, or NULL. */
struct kvm_slot_node *slot_tree_floor(struct kvm_slot_node *root, u64 key);

/*
 * Call fn on every slot in key order, without allocating.  Returns false,
 * having visited only some slots, if the tree is deeper than the walk's stack
 * (SLOT_TREE_WALK_DEPTH; a treap of 32764 random-priority nodes is about 45
 * deep, and more than 64 is vanishingly unlikely): the caller then falls back
 * on something that needs no walk.
 */
#define SLOT_TREE_WALK_DEPTH	64
bool slot_tree_walk(struct kvm_slot_node *root,
		    void (*fn)(struct kvm_memory_slot *slot, void *arg), void *arg);

#endif /* KVM_SLOT_TREE_H */
