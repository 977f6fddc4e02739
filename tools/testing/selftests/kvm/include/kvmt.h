/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host side of the KVM selftest library: /dev/kvm, VMs, vCPUs, memory
 * slots, guest memory access, KVM_RUN with readable exit checks, and the
 * guest-to-host call channel.
 *
 * Guest memory map of a VM made by kt_vm_create():
 *   slot KT_SLOT_SYS    gpa [0, 4 MiB): page tables, GDT, IDT, TSS, vCPU stacks
 *                       (handed out by a page allocator, kt_vm_alloc_pages()).
 *   slot KT_SLOT_IMAGE  a copy of this program's loaded ELF segments at the
 *                       same addresses they have in the host (static, non-PIE
 *                       binary), so guest code is ordinary C in the test file.
 *   slots KT_SLOT_FREE and up: the test's own.
 * Page tables identity-map guest virtual [0, 4 GiB) onto guest physical with
 * 2 MiB pages: a guest pointer to an image global is the host's pointer to the
 * same global, and a gva below 4 GiB equals its gpa.  Addresses with no slot
 * behind them give KVM_EXIT_MMIO.
 */
#ifndef KT_KVMT_H
#define KT_KVMT_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "guest.h"
#include "ktest.h"

#define KT_SLOT_SYS	0
#define KT_SLOT_IMAGE	1
#define KT_SLOT_FREE	2

#define KT_SYS_SIZE	(4ull << 20)
#define KT_MAX_SLOTS	64
#define KT_MAX_VCPUS	8
#define KT_STACK_SIZE	(64ull << 10)
#define KT_PAGE_SIZE	4096ull

/* Options for kt_vm_add_slot(). */
#define KT_MEM_THP	(1u << 0)	/* 2 MiB-aligned backing, MADV_HUGEPAGE */

struct kt_slot {
	bool used;
	uint32_t flags;
	uint64_t gpa;
	uint64_t size;
	void *hva;
	void *map_base;		/* what to munmap: may sit below hva when aligned */
	size_t map_size;
};

struct kt_vcpu;

struct kt_vm {
	int fd;
	struct kt_slot slots[KT_MAX_SLOTS];
	struct kt_vcpu *vcpus[KT_MAX_VCPUS];
	bool long_mode;		/* system slot, image, tables built */
	uint64_t sys_next;	/* next free gpa in the system slot */
	uint64_t pml4;		/* gpa of the top-level page table */
	uint64_t gdt, idt, tss;
};

struct kt_vcpu {
	struct kt_vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	uint64_t stack_top;
};

/* /dev/kvm; skips the current case if it cannot be opened. */
int kt_kvm_fd(void);
/* KVM_CHECK_EXTENSION on /dev/kvm. */
int kt_check_cap(long cap);
/* KVM_GET_VCPU_MMAP_SIZE. */
size_t kt_vcpu_mmap_size(void);
/* KVM_GET_SUPPORTED_CPUID, cached; caller must not free. */
const struct kvm_cpuid2 *kt_supported_cpuid(void);
const struct kvm_cpuid_entry2 *kt_find_cpuid(const struct kvm_cpuid2 *c, uint32_t fn,
					       uint32_t idx);

/* A VM with no memory at all (KVM_CREATE_VM type 0). */
struct kt_vm *kt_vm_create_bare(void);
/* A VM ready for long-mode guests written as C functions in this program. */
struct kt_vm *kt_vm_create(void);
void kt_vm_free(struct kt_vm *vm);

/* Allocate anonymous memory and register it as a slot; returns the hva. */
void *kt_vm_add_slot(struct kt_vm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
		     uint32_t flags, unsigned int opts);
/* Raw KVM_SET_USER_MEMORY_REGION; returns the ioctl's result, errno set. */
int kt_vm_set_region(struct kt_vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
		     uint64_t size, void *hva);
void kt_vm_move_slot(struct kt_vm *vm, uint32_t slot, uint64_t new_gpa);
void kt_vm_delete_slot(struct kt_vm *vm, uint32_t slot);

/* Page allocator over the system slot (zeroed pages); returns the gpa. */
uint64_t kt_vm_alloc_pages(struct kt_vm *vm, uint64_t npages);

/* Guest address translation; assert on addresses with no memory. */
void *kt_gpa2hva(struct kt_vm *vm, uint64_t gpa);
uint64_t kt_gva2gpa(struct kt_vm *vm, uint64_t gva);
void *kt_gva2hva(struct kt_vm *vm, uint64_t gva);

/* Copy a global (or any object of this image) between host and guest. */
#define kt_sync_to_guest(vm, var)						\
	memcpy(kt_gva2hva(vm, (uint64_t)(uintptr_t)&(var)), (const void *)&(var), sizeof(var))
#define kt_sync_from_guest(vm, var)						\
	memcpy((void *)&(var), kt_gva2hva(vm, (uint64_t)(uintptr_t)&(var)), sizeof(var))

/* A vCPU with nothing set up besides the kvm_run mapping. */
struct kt_vcpu *kt_vcpu_add_bare(struct kt_vm *vm, int id);
/*
 * A long-mode vCPU (needs kt_vm_create()) that starts in guest_fn(arg0, arg1)
 * with the supported CPUID, SSE (and XSAVE state if offered) enabled.  When
 * guest_fn returns, the guest reports UCALL_DONE.
 */
struct kt_vcpu *kt_vcpu_add(struct kt_vm *vm, int id, void *guest_fn, uint64_t arg0,
			    uint64_t arg1);

/* KVM_RUN: returns the ioctl's result with errno preserved. */
int kt_vcpu_run(struct kt_vcpu *vcpu);
/* KVM_RUN that must succeed. */
void kt_vcpu_run_ok(struct kt_vcpu *vcpu);

const char *kt_exit_name(uint32_t reason);
/* Print everything useful about the current exit as diagnostics. */
void kt_dump_exit(struct kt_vcpu *vcpu);
void kt_assert_exit(struct kt_vcpu *vcpu, uint32_t reason, const char *file, int line);
#define KT_ASSERT_EXIT(vcpu, reason)	kt_assert_exit(vcpu, reason, __FILE__, __LINE__)

/* Assert the current exit is port I/O with the given direction, port and size. */
void kt_assert_io(struct kt_vcpu *vcpu, uint8_t dir, uint16_t port, uint8_t size,
		  const char *file, int line);
#define KT_ASSERT_IO(vcpu, dir, port, size) kt_assert_io(vcpu, dir, port, size, __FILE__, __LINE__)
/* Pointer to the first I/O element of the current KVM_EXIT_IO. */
static inline void *kt_io_data(struct kt_vcpu *vcpu)
{
	return (uint8_t *)vcpu->run + vcpu->run->io.data_offset;
}

/* State accessors that assert success. */
void kt_get_regs(struct kt_vcpu *vcpu, struct kvm_regs *r);
void kt_set_regs(struct kt_vcpu *vcpu, const struct kvm_regs *r);
void kt_get_sregs(struct kt_vcpu *vcpu, struct kvm_sregs *s);
void kt_set_sregs(struct kt_vcpu *vcpu, const struct kvm_sregs *s);
uint64_t kt_get_msr(struct kt_vcpu *vcpu, uint32_t index);
void kt_set_msr(struct kt_vcpu *vcpu, uint32_t index, uint64_t value);

/*
 * Guest calls.  kt_get_ucall() decodes the current exit if it is a ucall
 * (returns UCALL_NONE otherwise).  kt_run_ucall() runs until a ucall that is
 * not a PRINTF (those are printed as diagnostics), fails the case on ABORT or
 * on any non-ucall exit, and returns the ucall's type.
 */
int kt_get_ucall(struct kt_vcpu *vcpu, struct kt_ucall *uc);
int kt_run_ucall(struct kt_vcpu *vcpu, struct kt_ucall *uc, const char *file, int line);
#define KT_RUN_UCALL(vcpu, uc)	kt_run_ucall(vcpu, uc, __FILE__, __LINE__)
/* Run and require a GUEST_SYNC whose first argument is stage. */
void kt_run_expect_sync(struct kt_vcpu *vcpu, uint64_t stage, const char *file, int line);
#define KT_RUN_SYNC(vcpu, stage) kt_run_expect_sync(vcpu, stage, __FILE__, __LINE__)
/* Run and require GUEST_DONE. */
void kt_run_expect_done(struct kt_vcpu *vcpu, const char *file, int line);
#define KT_RUN_DONE(vcpu)	kt_run_expect_done(vcpu, __FILE__, __LINE__)

#endif
