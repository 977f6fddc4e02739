// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/kvm, VMs, vCPUs, memory slots and guest address translation.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvmt.h"
#include "x86.h"

static int kvm_fd = -1;

int kt_kvm_fd(void)
{
	if (kvm_fd >= 0)
		return kvm_fd;
	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0) {
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			KT_SKIP("/dev/kvm not available (%s)", strerror(errno));
		KT_ASSERT(0, "open /dev/kvm failed");
	}
	return kvm_fd;
}

int kt_check_cap(long cap)
{
	int r = ioctl(kt_kvm_fd(), KVM_CHECK_EXTENSION, cap);

	KT_ASSERT(r >= 0, "KVM_CHECK_EXTENSION(%ld) returned %d", cap, r);
	return r;
}

size_t kt_vcpu_mmap_size(void)
{
	int r = ioctl(kt_kvm_fd(), KVM_GET_VCPU_MMAP_SIZE, 0);

	KT_ASSERT(r > 0, "KVM_GET_VCPU_MMAP_SIZE returned %d", r);
	return r;
}

const struct kvm_cpuid2 *kt_supported_cpuid(void)
{
	static struct kvm_cpuid2 *cached;
	int nent = 256;

	if (cached)
		return cached;
	for (;;) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));

		KT_ASSERT(c, "out of memory");
		c->nent = nent;
		if (ioctl(kt_kvm_fd(), KVM_GET_SUPPORTED_CPUID, c) == 0) {
			cached = c;
			return c;
		}
		KT_ASSERT(errno == E2BIG && nent < 4096, "KVM_GET_SUPPORTED_CPUID failed");
		free(c);
		nent *= 2;
	}
}

const struct kvm_cpuid_entry2 *kt_find_cpuid(const struct kvm_cpuid2 *c, uint32_t fn,
					       uint32_t idx)
{
	uint32_t i;

	for (i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function != fn)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != idx)
			continue;
		return e;
	}
	return NULL;
}

struct kt_vm *kt_vm_create_bare(void)
{
	struct kt_vm *vm = calloc(1, sizeof(*vm));

	KT_ASSERT(vm, "out of memory");
	vm->fd = ioctl(kt_kvm_fd(), KVM_CREATE_VM, 0);
	KT_ASSERT(vm->fd >= 0, "KVM_CREATE_VM failed");
	return vm;
}

void kt_vm_free(struct kt_vm *vm)
{
	int i;

	for (i = 0; i < KT_MAX_VCPUS; i++) {
		struct kt_vcpu *v = vm->vcpus[i];

		if (!v)
			continue;
		munmap(v->run, v->run_size);
		close(v->fd);
		free(v);
	}
	close(vm->fd);
	for (i = 0; i < KT_MAX_SLOTS; i++)
		if (vm->slots[i].used && vm->slots[i].map_base)
			munmap(vm->slots[i].map_base, vm->slots[i].map_size);
	free(vm);
}

int kt_vm_set_region(struct kt_vm *vm, uint32_t slot, uint32_t flags, uint64_t gpa,
		     uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r);
}

void *kt_vm_add_slot(struct kt_vm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
		     uint32_t flags, unsigned int opts)
{
	struct kt_slot *s;
	size_t map_size = size;
	uint8_t *base, *hva;

	KT_ASSERT(slot < KT_MAX_SLOTS && !vm->slots[slot].used, "slot %u unusable", slot);
	if (opts & KT_MEM_THP)
		map_size += PAGE_SIZE_2M;
	base = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	KT_ASSERT(base != MAP_FAILED, "mmap of %zu bytes failed", map_size);
	hva = base;
	if (opts & KT_MEM_THP) {
		hva = (uint8_t *)(((uintptr_t)base + PAGE_SIZE_2M - 1) & ~(PAGE_SIZE_2M - 1));
		madvise(hva, size, MADV_HUGEPAGE);
	}
	KT_ASSERT(kt_vm_set_region(vm, slot, flags, gpa, size, hva) == 0,
		  "KVM_SET_USER_MEMORY_REGION slot %u gpa 0x%lx size 0x%lx", slot, gpa, size);
	s = &vm->slots[slot];
	s->used = true;
	s->flags = flags;
	s->gpa = gpa;
	s->size = size;
	s->hva = hva;
	s->map_base = base;
	s->map_size = map_size;
	return hva;
}

void kt_vm_move_slot(struct kt_vm *vm, uint32_t slot, uint64_t new_gpa)
{
	struct kt_slot *s = &vm->slots[slot];

	KT_ASSERT(slot < KT_MAX_SLOTS && s->used, "slot %u not in use", slot);
	KT_ASSERT(kt_vm_set_region(vm, slot, s->flags, new_gpa, s->size, s->hva) == 0,
		  "moving slot %u to 0x%lx", slot, new_gpa);
	s->gpa = new_gpa;
}

void kt_vm_delete_slot(struct kt_vm *vm, uint32_t slot)
{
	struct kt_slot *s = &vm->slots[slot];

	KT_ASSERT(slot < KT_MAX_SLOTS && s->used, "slot %u not in use", slot);
	KT_ASSERT(kt_vm_set_region(vm, slot, 0, s->gpa, 0, NULL) == 0, "deleting slot %u", slot);
	munmap(s->map_base, s->map_size);
	memset(s, 0, sizeof(*s));
}

uint64_t kt_vm_alloc_pages(struct kt_vm *vm, uint64_t npages)
{
	uint64_t gpa = vm->sys_next;

	KT_ASSERT(vm->slots[KT_SLOT_SYS].used, "VM has no system slot");
	KT_ASSERT(gpa + npages * KT_PAGE_SIZE <= KT_SYS_SIZE, "system slot full");
	vm->sys_next += npages * KT_PAGE_SIZE;
	memset(kt_gpa2hva(vm, gpa), 0, npages * KT_PAGE_SIZE);
	return gpa;
}

void *kt_gpa2hva(struct kt_vm *vm, uint64_t gpa)
{
	int i;

	for (i = 0; i < KT_MAX_SLOTS; i++) {
		struct kt_slot *s = &vm->slots[i];

		if (s->used && gpa >= s->gpa && gpa - s->gpa < s->size)
			return (uint8_t *)s->hva + (gpa - s->gpa);
	}
	KT_ASSERT(0, "no memory slot holds gpa 0x%lx", gpa);
	return NULL;
}

uint64_t kt_gva2gpa(struct kt_vm *vm, uint64_t gva)
{
	uint64_t table = vm->pml4, e = 0;
	int level;

	KT_ASSERT(vm->long_mode, "VM has no page tables");
	for (level = 4; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		uint64_t *t = kt_gpa2hva(vm, table);

		e = t[(gva >> shift) & 511];
		KT_ASSERT(e & PTE_P, "gva 0x%lx not mapped at level %d", gva, level);
		if (level <= 3 && (e & PTE_PS)) {
			uint64_t mask = (1ull << shift) - 1;

			return ((e & PTE_ADDR_MASK) & ~mask) | (gva & mask);
		}
		table = e & PTE_ADDR_MASK;
	}
	return table | (gva & 0xfff);
}

void *kt_gva2hva(struct kt_vm *vm, uint64_t gva)
{
	return kt_gpa2hva(vm, kt_gva2gpa(vm, gva));
}

struct kt_vcpu *kt_vcpu_add_bare(struct kt_vm *vm, int id)
{
	struct kt_vcpu *v = calloc(1, sizeof(*v));

	KT_ASSERT(v && id >= 0 && id < KT_MAX_VCPUS && !vm->vcpus[id], "bad vCPU id %d", id);
	v->vm = vm;
	v->id = id;
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	KT_ASSERT(v->fd >= 0, "KVM_CREATE_VCPU %d failed", id);
	v->run_size = kt_vcpu_mmap_size();
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	KT_ASSERT(v->run != MAP_FAILED, "mmap of the vCPU failed");
	vm->vcpus[id] = v;
	return v;
}

int kt_vcpu_run(struct kt_vcpu *vcpu)
{
	return ioctl(vcpu->fd, KVM_RUN, 0);
}

void kt_vcpu_run_ok(struct kt_vcpu *vcpu)
{
	int r = kt_vcpu_run(vcpu);

	if (r) {
		int e = errno;

		kt_dump_exit(vcpu);
		errno = e;
	}
	KT_ASSERT(r == 0, "KVM_RUN returned %d", r);
}

void kt_get_regs(struct kt_vcpu *vcpu, struct kvm_regs *r)
{
	KT_ASSERT_OK(ioctl(vcpu->fd, KVM_GET_REGS, r));
}

void kt_set_regs(struct kt_vcpu *vcpu, const struct kvm_regs *r)
{
	KT_ASSERT_OK(ioctl(vcpu->fd, KVM_SET_REGS, r));
}

void kt_get_sregs(struct kt_vcpu *vcpu, struct kvm_sregs *s)
{
	KT_ASSERT_OK(ioctl(vcpu->fd, KVM_GET_SREGS, s));
}

void kt_set_sregs(struct kt_vcpu *vcpu, const struct kvm_sregs *s)
{
	KT_ASSERT_OK(ioctl(vcpu->fd, KVM_SET_SREGS, s));
}

uint64_t kt_get_msr(struct kt_vcpu *vcpu, uint32_t index)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = index };
	int r = ioctl(vcpu->fd, KVM_GET_MSRS, &m);

	KT_ASSERT(r == 1, "KVM_GET_MSRS 0x%x returned %d", index, r);
	return m.e.data;
}

void kt_set_msr(struct kt_vcpu *vcpu, uint32_t index, uint64_t value)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = { .h.nmsrs = 1, .e.index = index, .e.data = value };
	int r = ioctl(vcpu->fd, KVM_SET_MSRS, &m);

	KT_ASSERT(r == 1, "KVM_SET_MSRS 0x%x returned %d", index, r);
}
