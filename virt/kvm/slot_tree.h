/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Persistent (copy-on-write) search trees of memory slots, for memslot.c.
 *
 * A tree is a treap keyed by (u64, u32) pairs (unique within the tree),
 * balanced by a random priority per node.  Every node also knows the highest
 * host address end (userspace_addr + size) of the slots in its subtree, which
 * makes a tree keyed by host address an interval tree.  Published trees are never modified: an edit
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

struct slot_key {
	u64 key;
	u32 key2;				/* breaks ties of key */
};

struct kvm_slot_node {
	struct kvm_slot_node *left, *right;	/* smaller keys, larger keys */
	struct kvm_memory_slot *slot;
	u64 key;
	u32 key2;
	u32 prio;				/* max-heap order */
	unsigned long max_end;			/* highest slot hva end in this subtree */
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
int slot_tree_insert(struct slot_edit *e, struct kvm_slot_node **root, struct slot_key key,
		     struct kvm_memory_slot *slot);
int slot_tree_remove(struct slot_edit *e, struct kvm_slot_node **root, struct slot_key key);
int slot_tree_replace(struct slot_edit *e, struct kvm_slot_node **root, struct slot_key key,
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
struct kvm_slot_node *slot_tree_find(struct kvm_slot_node *root, struct slot_key key);
/* Node with the largest key <= key (key2 not looked at), or NULL. */
struct kvm_slot_node *slot_tree_floor(struct kvm_slot_node *root, u64 key);

/* The depth of stack a walk has; a treap of 32764 random-priority nodes is
 * about 45 deep, and more than 64 is vanishingly unlikely.
 */
#define SLOT_TREE_WALK_DEPTH	64

/*
 * In a tree keyed by (userspace_addr, anything): call fn on every slot whose
 * host range meets [start, end), visiting only subtrees that can hold one.
 * Returns false, having visited only some, if the walk's stack runs out.
 */
bool slot_tree_walk_hva(struct kvm_slot_node *root, unsigned long start, unsigned long end,
			void (*fn)(struct kvm_memory_slot *slot, void *arg), void *arg);

#endif /* KVM_SLOT_TREE_H */
