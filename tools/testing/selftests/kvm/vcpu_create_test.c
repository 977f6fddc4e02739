// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU creation and the vCPU fd: ids (duplicates, the KVM_CAP_MAX_VCPU_ID
 * limit), the KVM_CAP_NR_VCPUS/MAX_VCPUS answers, mapping struct kvm_run,
 * and the rule that only the process that created the VM may use it.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvmt.h"

static void test_vcpu_ids(void)
{
	struct kt_vm *vm = kt_vm_create_bare();
	int max_id = kt_check_cap(KVM_CAP_MAX_VCPU_ID);
	int nr = kt_check_cap(KVM_CAP_NR_VCPUS), max = kt_check_cap(KVM_CAP_MAX_VCPUS);
	int a, b;

	kt_diag("NR_VCPUS %d MAX_VCPUS %d MAX_VCPU_ID %d", nr, max, max_id);
	KT_ASSERT(nr >= 1 && max >= nr, "NR_VCPUS %d MAX_VCPUS %d", nr, max);
	/* Without KVM_CAP_MAX_VCPU_ID, the limit is MAX_VCPUS. */
	if (max_id <= 0)
		max_id = max;
	KT_ASSERT(max_id >= max, "MAX_VCPU_ID %d < MAX_VCPUS %d", max_id, max);

	a = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
	KT_ASSERT(a >= 0, "vCPU 0");
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_CREATE_VCPU, 0), EEXIST);
	b = ioctl(vm->fd, KVM_CREATE_VCPU, max_id - 1);
	KT_ASSERT(b >= 0, "vCPU id %d (the highest allowed)", max_id - 1);
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_CREATE_VCPU, max_id), EINVAL);
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_CREATE_VCPU, -1), EINVAL);
	close(a);
	close(b);
	/* Closing a vCPU fd does not free its id while the VM lives. */
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_CREATE_VCPU, 0), EEXIST);
	kt_vm_free(vm);
}

static void test_run_mapping(void)
{
	struct kt_vm *vm = kt_vm_create_bare();
	struct kt_vcpu *v = kt_vcpu_add_bare(vm, 0);
	size_t sz = kt_vcpu_mmap_size();
	void *p;

	/* A second mapping shows the same kvm_run. */
	p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	KT_ASSERT(p != MAP_FAILED, "second mmap");
	v->run->immediate_exit = 1;
	KT_ASSERT(((struct kvm_run *)p)->immediate_exit == 1, "mappings differ");
	v->run->immediate_exit = 0;
	munmap(p, sz);
	/* Mapping only the first page works too. */
	p = mmap(NULL, getpagesize(), PROT_READ, MAP_SHARED, v->fd, 0);
	KT_ASSERT(p != MAP_FAILED, "one-page mmap");
	munmap(p, getpagesize());
	kt_vm_free(vm);
}

static void test_other_process(void)
{
	struct kt_vm *vm = kt_vm_create_bare();
	struct kt_vcpu *v = kt_vcpu_add_bare(vm, 0);
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	KT_ASSERT(pid >= 0, "fork");
	if (pid == 0) {
		struct kvm_regs r;
		int ok = 1;

		/* A VM belongs to the mm that created it: other processes get EIO. */
		errno = 0;
		if (ioctl(v->fd, KVM_RUN, 0) != -1 || errno != EIO) {
			kt_diag("child KVM_RUN: errno %d, want EIO", errno);
			ok = 0;
		}
		errno = 0;
		if (ioctl(v->fd, KVM_GET_REGS, &r) != -1 || errno != EIO) {
			kt_diag("child KVM_GET_REGS: errno %d, want EIO", errno);
			ok = 0;
		}
		errno = 0;
		if (ioctl(vm->fd, KVM_CREATE_VCPU, 1) != -1 || errno != EIO) {
			kt_diag("child KVM_CREATE_VCPU: errno %d, want EIO", errno);
			ok = 0;
		}
		fflush(stdout);
		_exit(ok ? 0 : 1);
	}
	KT_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	KT_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child saw the wrong errors");
	/* The parent still can. */
	KT_ASSERT(ioctl(v->fd, KVM_GET_REGS, &(struct kvm_regs){ 0 }) == 0, "parent GET_REGS");
	kt_vm_free(vm);
}

static const struct ktest_case cases[] = {
	{ "vcpu_ids", test_vcpu_ids },
	{ "run_mapping", test_run_mapping },
	{ "other_process", test_other_process },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
