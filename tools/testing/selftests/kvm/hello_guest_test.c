// SPDX-License-Identifier: GPL-2.0-only
/*
 * Long-mode guest code written in C in this file: the ucall channel (SYNC with
 * values, PRINTF, DONE, ABORT with file and line), globals synchronised both
 * ways, start arguments, exception reporting and handlers, SSE, CPUID, and two
 * vCPUs in one VM.
 */
#include <sys/ioctl.h>

#include "kvmt.h"
#include "x86.h"

static uint64_t shared_value;
static volatile uint64_t assert_line;

static void guest_hello(void)
{
	GUEST_SYNC(1, 0xdeadbeefcafeull, 3);
	GUEST_PRINTF("hello from the guest %d %s 0x%lx", 42, "str", 0xabcull);
	GUEST_SYNC(2);
	GUEST_DONE();
}

static void test_hello(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_hello, 0, 0);
	struct kt_ucall uc;

	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "first ucall not SYNC");
	KT_ASSERT(uc.nargs == 3 && uc.args[0] == 1 && uc.args[1] == 0xdeadbeefcafeull &&
		  uc.args[2] == 3, "SYNC args %lu: %lu 0x%lx %lu", uc.nargs, uc.args[0],
		  uc.args[1], uc.args[2]);
	kt_vcpu_run_ok(v);
	KT_ASSERT(kt_get_ucall(v, &uc) == UCALL_PRINTF, "expected PRINTF");
	KT_ASSERT(!strcmp(uc.text, "hello from the guest 42 str 0xabc"), "text '%s'", uc.text);
	KT_RUN_SYNC(v, 2);
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

static void guest_globals(void)
{
	GUEST_ASSERT_EQ(shared_value, 1234);
	shared_value = shared_value * 3 + 1;
	GUEST_SYNC(1);
	/* The host changed it again. */
	GUEST_ASSERT_EQ(shared_value, 77);
	shared_value = 0x5555;
	GUEST_DONE();
}

static void test_sync_globals(void)
{
	struct kt_vm *vm;
	struct kt_vcpu *v;

	shared_value = 1234;
	vm = kt_vm_create();	/* the image copy takes the current value */
	v = kt_vcpu_add(vm, 0, guest_globals, 0, 0);
	KT_RUN_SYNC(v, 1);
	/* The guest writes its own copy; the host's is unchanged until synced. */
	KT_ASSERT(shared_value == 1234, "host copy changed to %lu", shared_value);
	kt_sync_from_guest(vm, shared_value);
	KT_ASSERT(shared_value == 3703, "guest wrote %lu, want 3703", shared_value);
	shared_value = 77;
	kt_sync_to_guest(vm, shared_value);
	KT_RUN_DONE(v);
	kt_sync_from_guest(vm, shared_value);
	KT_ASSERT(shared_value == 0x5555, "final value 0x%lx", shared_value);
	kt_vm_free(vm);
}

static void guest_args(uint64_t a, uint64_t b)
{
	GUEST_SYNC(a + b, a, b);
}

static void test_start_args_and_return(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_args, 0x1111, 0x2222000000ull);
	struct kt_ucall uc;

	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "not SYNC");
	KT_ASSERT(uc.args[1] == 0x1111 && uc.args[2] == 0x2222000000ull &&
		  uc.args[0] == 0x2222001111ull, "args 0x%lx 0x%lx 0x%lx", uc.args[0],
		  uc.args[1], uc.args[2]);
	/* Returning from the start function reports DONE. */
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

static void guest_failing_assert(uint64_t x)
{
	assert_line = __LINE__ + 1;
	GUEST_ASSERT_EQ(x + 1, 7);
	GUEST_DONE();
}

static void test_guest_assert(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_failing_assert, 41, 0);
	struct kt_ucall uc;
	const char *file;

	kt_vcpu_run_ok(v);
	KT_ASSERT(kt_get_ucall(v, &uc) == UCALL_ABORT, "expected ABORT, got %lu", uc.type);
	kt_sync_from_guest(vm, assert_line);
	file = kt_gva2hva(vm, uc.file);
	KT_ASSERT(strstr(file, "hello_guest_test.c"), "file '%s'", file);
	KT_ASSERT(uc.line == assert_line && assert_line != 0, "line %lu, want %lu", uc.line,
		  assert_line);
	KT_ASSERT(uc.args[0] == 42 && uc.args[1] == 7, "values %lu %lu", uc.args[0], uc.args[1]);
	KT_ASSERT(!strcmp(kt_gva2hva(vm, uc.expr), "x + 1 == 7"), "expr '%s'",
		  (char *)kt_gva2hva(vm, uc.expr));
	kt_diag("guest assertion seen: %s:%lu: %s", file, uc.line, uc.text);
	kt_vm_free(vm);
}

static volatile uint64_t ud_count;

static void guest_ud_handler(struct guest_exc_frame *f)
{
	ud_count++;
	f->rip += 2;	/* skip the two-byte ud2 */
}

static void guest_exceptions(void)
{
	guest_set_exc_handler(X86_VEC_UD, guest_ud_handler);
	__asm__ volatile("ud2");
	__asm__ volatile("ud2");
	GUEST_SYNC(ud_count);
	guest_set_exc_handler(X86_VEC_UD, 0);
	__asm__ volatile("ud2");
	GUEST_DONE();
}

static void test_exceptions(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_exceptions, 0, 0);
	struct kt_ucall uc;

	KT_RUN_SYNC(v, 2);
	/* With the handler removed, #UD is reported as an unexpected exception. */
	kt_vcpu_run_ok(v);
	KT_ASSERT(kt_get_ucall(v, &uc) == UCALL_ABORT, "expected ABORT, got %lu", uc.type);
	KT_ASSERT(uc.args[0] == X86_VEC_UD, "vector %lu", uc.args[0]);
	kt_diag("reported: %s", uc.text);
	kt_vm_free(vm);
}

typedef uint32_t v4u32 __attribute__((vector_size(16)));

static void guest_sse_cpuid(void)
{
	volatile v4u32 a = { 1, 2, 3, 4 }, b = { 10, 20, 30, 40 };
	v4u32 c;
	uint32_t eax, ebx, ecx, edx;
	uint64_t cr4;

	c = a * b + a;
	GUEST_ASSERT(c[0] == 11 && c[1] == 42 && c[2] == 93 && c[3] == 164);
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	GUEST_ASSERT(cr4 & X86_CR4_OSFXSR);
	guest_cpuid(0, 0, &eax, &ebx, &ecx, &edx);
	GUEST_SYNC(eax, ebx, ecx, edx);
}

static void test_sse_cpuid(void)
{
	const struct kvm_cpuid_entry2 *e0 = kt_find_cpuid(kt_supported_cpuid(), 0, 0);
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_sse_cpuid, 0, 0);
	struct kt_ucall uc;

	KT_ASSERT(e0, "no CPUID leaf 0 in KVM_GET_SUPPORTED_CPUID");
	KT_ASSERT(KT_RUN_UCALL(v, &uc) == UCALL_SYNC, "not SYNC");
	KT_ASSERT(uc.args[1] == e0->ebx && uc.args[2] == e0->ecx && uc.args[3] == e0->edx,
		  "guest vendor %lx %lx %lx, supported %x %x %x", uc.args[1], uc.args[2],
		  uc.args[3], e0->ebx, e0->ecx, e0->edx);
	KT_ASSERT(uc.args[0] == e0->eax, "max leaf 0x%lx vs 0x%x", uc.args[0], e0->eax);
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

static void guest_vcpu_n(uint64_t id)
{
	int i;

	for (i = 0; i < 3; i++)
		GUEST_SYNC(id * 100 + i);
}

static void test_two_vcpus(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *a = kt_vcpu_add(vm, 0, guest_vcpu_n, 1, 0);
	struct kt_vcpu *b = kt_vcpu_add(vm, 1, guest_vcpu_n, 2, 0);
	int i;

	for (i = 0; i < 3; i++) {
		KT_RUN_SYNC(b, 200 + i);
		KT_RUN_SYNC(a, 100 + i);
	}
	KT_RUN_DONE(a);
	KT_RUN_DONE(b);
	kt_vm_free(vm);
}

static const struct ktest_case cases[] = {
	{ "hello", test_hello },
	{ "sync_globals", test_sync_globals },
	{ "start_args_and_return", test_start_args_and_return },
	{ "guest_assert", test_guest_assert },
	{ "exceptions", test_exceptions },
	{ "sse_cpuid", test_sse_cpuid },
	{ "two_vcpus", test_two_vcpus },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
