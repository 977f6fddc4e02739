/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The generic core's objects: the VM and the vCPU, and the services the core
 * offers to architecture code.  Architecture hooks live in <linux/kvm_arch.h>.
 *
 * Object lifetimes
 *   A VM is reference counted (vm->refs).  The VM file holds one reference and
 *   each vCPU file holds one, so the files can be closed in any order, also
 *   while another thread is still inside an ioctl on one of them (the ioctl runs
 *   on a file that holds its own reference).  The last put destroys the vCPUs,
 *   then the VM.  Each VM also holds a reference on the backend module, so the
 *   backend cannot be unloaded while a VM exists.
 *
 * Lock order, outermost first (the whole picture: Documentation/virt/kvm/locking.rst)
 *   kvm_backend_lock      (dev.c)     backend registration, /dev/kvm open
 *   vm->lock                          vCPU creation, VM-wide configuration
 *   vcpu->mutex                       every ioctl on one vCPU, KVM_RUN included
 *   vm->slots_lock                    memory slot updates (writers)
 *   vm->mmu_lock (spinlock)           nested page tables, MMU notifier state
 */
#ifndef KVM_CORE_H
#define KVM_CORE_H

#include <linux/types.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/refcount.h>
#include <linux/xarray.h>
#include <linux/signal.h>
#include <linux/wait.h>
#include <linux/mmu_notifier.h>
#include <linux/kvm.h>

struct module;
struct kvm_vm;
struct kvm_vcpu;
struct kvm_memslots;
struct kvm_vm_io;

/* Limits advertised through KVM_CHECK_EXTENSION; the same as Linux 6.1 on x86. */
#define KVM_CORE_MAX_VCPUS		1024
#define KVM_CORE_MAX_VCPU_IDS		(4 * KVM_CORE_MAX_VCPUS)
#define KVM_CORE_USER_MEM_SLOTS		32764
#define KVM_CORE_ADDRESS_SPACES		1

/*
 * Statistics read through KVM_GET_STATS_FD (virt/kvm/stats.c, which also
 * lists each one's name and type).  Plain u64s with the names Linux gives
 * them.  vCPU counters are bumped only by the vCPU's own thread (in KVM_RUN,
 * vcpu->mutex held) with kvm_vcpu_stat_inc(); VM counters under the lock
 * named beside them.  Readers take no lock: a value may be a moment old.
 * A new statistic is a field here plus a line in stats.c's table.
 */
struct kvm_vm_stat {
	u64 remote_tlb_flush_requests;	/* mmu_lock: TLB flushes of every vCPU asked for */
	u64 remote_tlb_flush;		/* mmu_lock: ... that had to interrupt a CPU */
	u64 pages_4k;			/* mmu_lock: 4 KiB leaves in the nested table */
	u64 pages_2m;			/* mmu_lock: 2 MiB leaves */
	u64 pages_1g;			/* mmu_lock: 1 GiB leaves (never made yet) */
};

struct kvm_vcpu_stat {
	u64 exits;			/* every hardware exit from the guest */
	u64 io_exits;			/* port I/O intercepts */
	u64 mmio_exits;			/* KVM_EXIT_MMIO exits to userspace */
	u64 signal_exits;		/* KVM_RUN ended with KVM_EXIT_INTR */
	u64 halt_exits;			/* HLT intercepts */
	u64 irq_exits;			/* exits for a host interrupt */
	u64 irq_window_exits;		/* the guest opened an interrupt window */
	u64 nmi_window_exits;		/* the guest reached the IRET that unmasks NMIs */
	u64 insn_emulation;		/* instructions handed to the emulator */
	u64 insn_emulation_fail;	/* ... that it could not emulate */
	u64 pf_taken;			/* nested page faults */
	u64 pf_fixed;			/* ... that mapped a page */
};

#define kvm_vcpu_stat_inc(vcpu, field)	WRITE_ONCE((vcpu)->stat.field, (vcpu)->stat.field + 1)

/* Size of the vCPU mmap area: struct kvm_run page, the PIO data page, the
 * coalesced MMIO ring page.
 */
#define KVM_RUN_PAGE_OFFSET		0
#define KVM_PIO_PAGE_OFFSET		1
#define KVM_VCPU_MMAP_PAGES		3	/* the ring: KVM_COALESCED_MMIO_PAGE_OFFSET */

struct kvm_vm {
	refcount_t refs;
	struct module *backend_owner;	/* module reference held for the VM's life */
	struct mm_struct *mm;		/* creator's mm (mmgrab), for the MMU notifier */

	struct mutex lock;		/* outer lock for VM-wide changes */
	struct xarray vcpus;		/* index -> vcpu; entries added under lock */
	unsigned int nr_vcpus;		/* guarded by lock; read with READ_ONCE */

	struct mutex slots_lock;	/* serialises memory slot writers */
	struct kvm_memslots __rcu *slots; /* readers: SRCU (slots_srcu) */
	struct srcu_struct slots_srcu;
	u64 manual_dirty_log_protect;	/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 flags; slots_lock */
	struct kvm_slot_garbage *slots_garbage;	/* memslot.c: old snapshots; slots_lock */

	spinlock_t mmu_lock;		/* nested page tables, invalidation state */
	unsigned long mmu_invalidate_seq;	/* bumped at each invalidation end; mmu_lock */
	long mmu_invalidate_in_progress;	/* >0 inside invalidate_range_start/end; mmu_lock */
	unsigned long mmu_invalidate_start;	/* union of ranges being invalidated; mmu_lock */
	unsigned long mmu_invalidate_end;
	struct mmu_notifier mmu_notifier;

	bool dead;			/* a host invariant broke: every ioctl fails with EIO */

	struct kvm_vm_io *io;		/* in-kernel I/O buses, ioeventfd, coalesced MMIO:
					 * virt/kvm/io_internal.h; set for the VM's life */

	pid_t creator_pid;		/* thread that made the VM: the stats fd's id */
	struct kvm_vm_stat stat;	/* see struct kvm_vm_stat for the locks */

	void *arch;			/* architecture state, owned by kvm_arch_vm_init() */
};

struct kvm_vcpu {
	struct kvm_vm *vm;
	u32 vcpu_id;			/* the id userspace chose (the APIC id on x86) */
	u32 index;			/* creation order, 0..nr_vcpus-1 */

	struct mutex mutex;		/* held across every ioctl on this vCPU */
	struct kvm_run *run;		/* shared with userspace through mmap */
	struct page *run_page;
	struct page *pio_page;		/* KVM_PIO_PAGE_OFFSET: data of KVM_EXIT_IO */

	struct pid __rcu *pid;		/* thread of the last KVM_RUN */
	int cpu;			/* host CPU while in the run loop, else -1 */
	int mode;			/* KVM_VCPU_OUTSIDE/IN_GUEST; see vcpu.c */
	wait_queue_head_t wq;		/* a halted vCPU sleeps here */
	unsigned long requests;		/* KVM_REQ_* bits, set from any context */

	bool sigmask_active;		/* KVM_SET_SIGNAL_MASK; vcpu->mutex */
	sigset_t sigmask;

	pid_t creator_pid;		/* thread that made the vCPU: the stats fd's id */
	struct kvm_vcpu_stat stat;	/* written by the vCPU's thread only */

	void *arch;			/* architecture state, owned by kvm_arch_vcpu_create() */
};

/* vcpu->mode */
enum {
	KVM_VCPU_OUTSIDE_GUEST = 0,
	KVM_VCPU_IN_GUEST = 1,
	KVM_VCPU_EXITING = 2,
};

/* Requests to a vCPU: set with kvm_vcpu_request(), consumed by the run loop. */
#define KVM_REQ_TLB_FLUSH		0
#define KVM_REQ_VM_DEAD			1
#define KVM_REQ_TRIPLE_FAULT		2	/* end KVM_RUN with KVM_EXIT_SHUTDOWN */
#define KVM_REQ_EVENT			3	/* x86: an interrupt, NMI or exception to look at */

static inline void kvm_vcpu_request(struct kvm_vcpu *vcpu, unsigned int req)
{
	set_bit(req, &vcpu->requests);
}

static inline bool kvm_vcpu_test_and_clear_request(struct kvm_vcpu *vcpu, unsigned int req)
{
	if (!test_bit(req, &vcpu->requests))
		return false;
	return test_and_clear_bit(req, &vcpu->requests);
}

/* vm.c */
void kvm_vm_get(struct kvm_vm *vm);
void kvm_vm_put(struct kvm_vm *vm);
void kvm_vm_mark_dead(struct kvm_vm *vm, const char *why);
long kvm_dev_create_vm(unsigned long type, struct module *backend_owner);

/* vcpu.c */
int kvm_vm_create_vcpu(struct kvm_vm *vm, unsigned long id);
void kvm_vcpu_destroy(struct kvm_vcpu *vcpu);
void kvm_vcpu_kick(struct kvm_vcpu *vcpu);
void kvm_vm_request_all(struct kvm_vm *vm, unsigned int req);

/* dev.c */
int kvm_core_check_extension(struct kvm_vm *vm, long cap);
int kvm_core_enable(struct module *backend_owner);
void kvm_core_disable(struct module *backend_owner);

#endif /* KVM_CORE_H */
