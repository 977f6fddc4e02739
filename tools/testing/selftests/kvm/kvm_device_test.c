// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/kvm system ioctls: API version, vCPU mmap size, VM creation and
 * teardown, errors for unknown ioctls and VM types, and KVM_CHECK_EXTENSION.
 * Everything here needs only the system ioctls (plus the VM fd's unknown-ioctl
 * answer) and must pass on our first modules.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmt.h"

/* An ioctl number no KVM version defines: KVMIO type, function 0xfe. */
#define KVM_BOGUS_IOCTL		_IO(KVMIO, 0xfe)
/* Capability numbers far beyond any KVM defines. */
#define CAP_UNKNOWN_A		0x7fff0001
#define CAP_UNKNOWN_B		100000

static void test_api_version(void)
{
	int v = ioctl(kt_kvm_fd(), KVM_GET_API_VERSION, 0);

	KT_ASSERT(v == KVM_API_VERSION, "KVM_GET_API_VERSION returned %d, want 12", v);
	KT_ASSERT(KVM_API_VERSION == 12, "uapi header says API %d", KVM_API_VERSION);
	/* Stable across calls. */
	KT_ASSERT(ioctl(kt_kvm_fd(), KVM_GET_API_VERSION, 0) == v, "API version changed");
}

static void test_vcpu_mmap_size(void)
{
	long page = sysconf(_SC_PAGESIZE);
	int sz = ioctl(kt_kvm_fd(), KVM_GET_VCPU_MMAP_SIZE, 0);

	KT_ASSERT(sz >= page, "vCPU mmap size %d smaller than a page", sz);
	KT_ASSERT(sz % page == 0, "vCPU mmap size %d not a multiple of %ld", sz, page);
	KT_ASSERT((size_t)sz >= sizeof(struct kvm_run), "vCPU mmap size %d < kvm_run (%zu)",
		  sz, sizeof(struct kvm_run));
}

static void test_create_vm(void)
{
	int fd = ioctl(kt_kvm_fd(), KVM_CREATE_VM, 0);

	KT_ASSERT(fd >= 0, "KVM_CREATE_VM(0) failed");
	KT_ASSERT(close(fd) == 0, "closing the VM fd failed");
}

static void test_create_vm_bad_type(void)
{
	/* Type bits no x86 KVM accepts (x86 knows 0 and 1, the protected VM type). */
	KT_ASSERT_ERRNO(ioctl(kt_kvm_fd(), KVM_CREATE_VM, 0x80), EINVAL);
	KT_ASSERT_ERRNO(ioctl(kt_kvm_fd(), KVM_CREATE_VM, 0xffffffffUL), EINVAL);
	/* /dev/kvm still works after the failures. */
	KT_ASSERT(ioctl(kt_kvm_fd(), KVM_GET_API_VERSION, 0) == 12, "API version after error");
}

static void test_many_vms(void)
{
	int i, fds[8], j;

	for (i = 0; i < 200; i++) {
		int fd = ioctl(kt_kvm_fd(), KVM_CREATE_VM, 0);

		KT_ASSERT(fd >= 0, "KVM_CREATE_VM failed on iteration %d", i);
		KT_ASSERT(close(fd) == 0, "close failed on iteration %d", i);
	}
	/* Several alive at once, closed in creation order. */
	for (j = 0; j < 10; j++) {
		for (i = 0; i < 8; i++) {
			fds[i] = ioctl(kt_kvm_fd(), KVM_CREATE_VM, 0);
			KT_ASSERT(fds[i] >= 0, "KVM_CREATE_VM %d/%d failed", j, i);
		}
		for (i = 0; i < 8; i++)
			KT_ASSERT(close(fds[i]) == 0, "close %d/%d failed", j, i);
	}
}

static void test_vm_fd_outlives_dev_fd(void)
{
	int dev = open("/dev/kvm", O_RDWR), vm;

	KT_ASSERT(dev >= 0, "open /dev/kvm");
	vm = ioctl(dev, KVM_CREATE_VM, 0);
	KT_ASSERT(vm >= 0, "KVM_CREATE_VM");
	KT_ASSERT(close(dev) == 0, "close /dev/kvm");
	/* Still a VM fd (an unknown VM ioctl, not EBADF), and closes cleanly. */
	KT_ASSERT_ERRNO(ioctl(vm, KVM_BOGUS_IOCTL, 0), ENOTTY);
	KT_ASSERT(close(vm) == 0, "close VM fd");
}

static void test_unknown_ioctls(void)
{
	int vm = ioctl(kt_kvm_fd(), KVM_CREATE_VM, 0);

	KT_ASSERT(vm >= 0, "KVM_CREATE_VM");
	/*
	 * Linux answers an unknown ioctl on /dev/kvm with EINVAL but on a VM fd
	 * with ENOTTY (the x86 VM ioctl fallback); observed on Debian's 6.1.
	 */
	KT_ASSERT_ERRNO(ioctl(kt_kvm_fd(), KVM_BOGUS_IOCTL, 0), EINVAL);
	KT_ASSERT_ERRNO(ioctl(kt_kvm_fd(), _IO(0x42, 0x01), 0), EINVAL);
	KT_ASSERT_ERRNO(ioctl(vm, KVM_BOGUS_IOCTL, 0), ENOTTY);
	KT_ASSERT_ERRNO(ioctl(vm, _IO(0x42, 0x01), 0), ENOTTY);
	/* A vCPU ioctl on the device fd is not a device ioctl. */
	KT_ASSERT_ERRNO(ioctl(kt_kvm_fd(), KVM_RUN, 0), EINVAL);
	KT_ASSERT(close(vm) == 0, "close VM fd");
}

static void test_check_extension(void)
{
	static const long caps[] = {
		KVM_CAP_USER_MEMORY, KVM_CAP_NR_MEMSLOTS, KVM_CAP_NR_VCPUS, KVM_CAP_MAX_VCPUS,
		KVM_CAP_EXT_CPUID, KVM_CAP_IMMEDIATE_EXIT, KVM_CAP_SET_TSS_ADDR,
	};
	int first[sizeof(caps) / sizeof(caps[0])];
	size_t i;

	KT_ASSERT(ioctl(kt_kvm_fd(), KVM_CHECK_EXTENSION, CAP_UNKNOWN_A) == 0, "unknown cap A");
	KT_ASSERT(ioctl(kt_kvm_fd(), KVM_CHECK_EXTENSION, CAP_UNKNOWN_B) == 0, "unknown cap B");
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		first[i] = ioctl(kt_kvm_fd(), KVM_CHECK_EXTENSION, caps[i]);
		KT_ASSERT(first[i] >= 0, "cap %ld returned %d", caps[i], first[i]);
	}
	/* Every KVM since 2.6.x has user memory slots. */
	KT_ASSERT(first[0] > 0, "KVM_CAP_USER_MEMORY not reported");
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		int again = ioctl(kt_kvm_fd(), KVM_CHECK_EXTENSION, caps[i]);

		KT_ASSERT(again == first[i], "cap %ld: %d then %d", caps[i], first[i], again);
	}
}

static const struct ktest_case cases[] = {
	{ "api_version", test_api_version },
	{ "vcpu_mmap_size", test_vcpu_mmap_size },
	{ "create_vm", test_create_vm },
	{ "create_vm_bad_type", test_create_vm_bad_type },
	{ "many_vms", test_many_vms },
	{ "vm_fd_outlives_dev_fd", test_vm_fd_outlives_dev_fd },
	{ "unknown_ioctls", test_unknown_ioctls },
	{ "check_extension", test_check_extension },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
