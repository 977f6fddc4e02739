// SPDX-License-Identifier: GPL-2.0-only
/*
 * The module behind /dev/kvm must be pinned while a VM exists: delete_module()
 * of it fails with EWOULDBLOCK (Linux's "in use" answer) and /dev/kvm and the
 * VM keep working.  Unloading after the last close is checked by the harness.
 *
 * The vendor module is kvm_amd or kvm_intel, whichever is loaded;
 * KVM_TEST_MODULE overrides the choice.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kvmt.h"

static bool module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

static const char *vendor_module(void)
{
	const char *m = getenv("KVM_TEST_MODULE");

	if (m && *m)
		return m;
	return module_loaded("kvm_intel") && !module_loaded("kvm_amd") ? "kvm_intel" : "kvm_amd";
}

static void test_unload_while_vm_open(void)
{
	const char *mod = vendor_module();
	int vm, r;

	kt_kvm_fd();
	if (!module_loaded(mod))
		KT_SKIP("module %s is not loaded (built-in or another vendor)", mod);
	vm = ioctl(kt_kvm_fd(), KVM_CREATE_VM, 0);
	KT_ASSERT(vm >= 0, "KVM_CREATE_VM");

	errno = 0;
	r = syscall(SYS_delete_module, mod, O_NONBLOCK);
	KT_ASSERT(r == -1 && errno == EWOULDBLOCK,
		  "delete_module(%s, O_NONBLOCK) returned %d errno %d, want EWOULDBLOCK", mod, r,
		  errno);
	errno = 0;
	r = syscall(SYS_delete_module, mod, 0);
	KT_ASSERT(r == -1 && errno == EWOULDBLOCK,
		  "delete_module(%s, 0) returned %d errno %d, want EWOULDBLOCK", mod, r, errno);
	KT_ASSERT(module_loaded(mod), "module %s vanished", mod);

	/* Everything still answers; a new VM can still be made. */
	KT_ASSERT(ioctl(kt_kvm_fd(), KVM_GET_API_VERSION, 0) == 12, "/dev/kvm after attempt");
	r = ioctl(kt_kvm_fd(), KVM_CREATE_VM, 0);
	KT_ASSERT(r >= 0, "KVM_CREATE_VM after the attempt");
	KT_ASSERT(close(r) == 0 && close(vm) == 0, "closing the VMs");
}

static void test_unload_while_dev_open(void)
{
	const char *mod = vendor_module();
	int r;

	kt_kvm_fd();
	if (!module_loaded(mod))
		KT_SKIP("module %s is not loaded (built-in or another vendor)", mod);
	/* An open /dev/kvm alone pins the module too. */
	errno = 0;
	r = syscall(SYS_delete_module, mod, O_NONBLOCK);
	KT_ASSERT(r == -1 && errno == EWOULDBLOCK,
		  "delete_module(%s) with /dev/kvm open returned %d errno %d", mod, r, errno);
	KT_ASSERT(ioctl(kt_kvm_fd(), KVM_GET_API_VERSION, 0) == 12, "/dev/kvm after attempt");
}

static void test_unload_core_refused(void)
{
	int r;

	kt_kvm_fd();
	if (!module_loaded("kvm") || !module_loaded(vendor_module()))
		KT_SKIP("kvm or %s not loaded as a module", vendor_module());
	/* kvm.ko is used by the vendor module: refused even with no VM at all. */
	errno = 0;
	r = syscall(SYS_delete_module, "kvm", O_NONBLOCK);
	KT_ASSERT(r == -1 && errno == EWOULDBLOCK,
		  "delete_module(kvm) returned %d errno %d, want EWOULDBLOCK", r, errno);
}

static const struct ktest_case cases[] = {
	{ "unload_while_vm_open", test_unload_while_vm_open },
	{ "unload_while_dev_open", test_unload_while_dev_open },
	{ "unload_core_refused", test_unload_core_refused },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
