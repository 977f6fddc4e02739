// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guests in every x86 CPU mode doing port I/O: a table of tiny payloads
 * (real mode, 16-bit and 32-bit protected mode, PAE paging, long mode, and a
 * real-to-protected mode switch done by the guest), each with the OUTs it
 * must produce before its final hlt.  The payloads are assembled here and
 * copied to gpa 0x1000 (see payload.h for the layout); they use only relative
 * jumps and absolute data addresses in the payload layout.
 */
#include "payload.h"
#include "x86.h"

#define PAYLOAD_BEGIN(name, bits)						\
	".pushsection .rodata.kt_payloads, \"a\"\n"				\
	".globl " #name "_start, " #name "_end\n"				\
	".code" #bits "\n" #name "_start:\n"
#define PAYLOAD_END(name)							\
	#name "_end:\n"								\
	".code64\n"								\
	".popsection\n"

__asm__(PAYLOAD_BEGIN(p_real, 16)
	"mov $0x1234, %ax\n"
	"add $0x1111, %ax\n"
	"out %ax, $0x10\n"
	"movw $0xbeef, 0x9000\n"
	"movw 0x9000, %bx\n"
	"mov %bx, %ax\n"
	"out %ax, $0x11\n"
	"mov %cr0, %eax\n"
	"and $1, %eax\n"
	"out %eax, $0x12\n"
	"pushw $0x4242\n"
	"pop %cx\n"
	"mov %cx, %ax\n"
	"out %al, $0x13\n"
	"mov %sp, %ax\n"
	"out %ax, $0x14\n"
	"hlt\n"
	PAYLOAD_END(p_real));

__asm__(PAYLOAD_BEGIN(p_prot16, 16)
	"mov $0x7fff, %ax\n"
	"inc %ax\n"
	"out %ax, $0x20\n"
	"mov %cr0, %eax\n"
	"and $1, %eax\n"
	"out %eax, $0x21\n"
	"mov %cs, %ax\n"
	"out %ax, $0x22\n"
	"movl $0x11223344, 0x9000\n"
	"mov 0x9002, %ax\n"
	"out %ax, $0x23\n"
	"hlt\n"
	PAYLOAD_END(p_prot16));

__asm__(PAYLOAD_BEGIN(p_prot32, 32)
	"mov $0x10000000, %eax\n"
	"add %eax, %eax\n"
	"out %eax, $0x30\n"
	"mov %cs, %ax\n"
	"out %ax, $0x31\n"
	"mov %cr0, %eax\n"
	"out %eax, $0x32\n"
	"movl $0xcafebabe, 0x9000\n"
	"mov 0x9000, %ebx\n"
	"mov %ebx, %eax\n"
	"out %eax, $0x33\n"
	"mov %esp, %eax\n"
	"out %eax, $0x34\n"
	"hlt\n"
	PAYLOAD_END(p_prot32));

__asm__(PAYLOAD_BEGIN(p_pae, 32)
	"mov %cr4, %eax\n"
	"out %eax, $0x40\n"
	"mov %cr0, %eax\n"
	"shr $31, %eax\n"
	"out %eax, $0x41\n"
	"mov %cr3, %eax\n"
	"out %eax, $0x42\n"
	"movl $0x600dd00d, 0x9000\n"
	"mov 0x9000, %eax\n"
	"out %eax, $0x43\n"
	"hlt\n"
	PAYLOAD_END(p_pae));

__asm__(PAYLOAD_BEGIN(p_long, 64)
	"movabs $0x123456789, %rax\n"
	"shr $4, %rax\n"
	"out %eax, $0x50\n"
	"mov $0xc0000080, %ecx\n"
	"rdmsr\n"
	"out %eax, $0x51\n"
	"mov %cs, %ax\n"
	"out %ax, $0x52\n"
	"movabs $0x1122334455667788, %rax\n"
	"mov %rax, 0x9000\n"
	"mov 0x9004, %eax\n"
	"out %eax, $0x53\n"
	"push $0x77\n"
	"pop %rax\n"
	"out %al, $0x54\n"
	"hlt\n"
	PAYLOAD_END(p_long));

/* Real mode loads the GDT, sets CR0.PE and far-jumps into 32-bit code. */
__asm__(PAYLOAD_BEGIN(p_switch, 16)
	"cli\n"
	"lgdtl (0x1000 + p_switch_gdtr - p_switch_start)\n"
	"mov %cr0, %eax\n"
	"or $1, %eax\n"
	"mov %eax, %cr0\n"
	"ljmpl $0x08, $(0x1000 + p_switch_pm - p_switch_start)\n"
	".code32\n"
	"p_switch_pm:\n"
	"mov $0x10, %ax\n"
	"mov %ax, %ds\n"
	"mov %ax, %ss\n"
	"mov %cs, %ax\n"
	"out %ax, $0x60\n"
	"mov %cr0, %eax\n"
	"and $1, %eax\n"
	"out %eax, $0x61\n"
	"mov %ss, %ax\n"
	"out %ax, $0x62\n"
	"hlt\n"
	"p_switch_gdtr:\n"
	".word 47\n"
	".long 0x2000\n"
	PAYLOAD_END(p_switch));

#define DECLARE_PAYLOAD(n) extern const uint8_t n##_start[], n##_end[]
DECLARE_PAYLOAD(p_real);
DECLARE_PAYLOAD(p_prot16);
DECLARE_PAYLOAD(p_prot32);
DECLARE_PAYLOAD(p_pae);
DECLARE_PAYLOAD(p_long);
DECLARE_PAYLOAD(p_switch);

#define MAX_OUTS 8

struct mode_case {
	const char *name;
	enum kt_cpu_mode mode;
	const uint8_t *start, *end;
	struct kt_raw_out outs[MAX_OUTS];
	size_t nouts;
	bool paging;		/* check accessed/dirty bits in the 2 MiB PDE */
};

static const struct mode_case mode_cases[] = {
	{ "real", KT_MODE_REAL, p_real_start, p_real_end,
	  { { 0x10, 2, 0x2345 }, { 0x11, 2, 0xbeef }, { 0x12, 4, 0 }, { 0x13, 1, 0x42 },
	    { 0x14, 2, 0x8000 } }, 5, false },
	{ "prot16", KT_MODE_PROT16, p_prot16_start, p_prot16_end,
	  { { 0x20, 2, 0x8000 }, { 0x21, 4, 1 }, { 0x22, 2, KT_RAW_SEL_CODE16 },
	    { 0x23, 2, 0x1122 } }, 4, false },
	{ "prot32", KT_MODE_PROT32, p_prot32_start, p_prot32_end,
	  { { 0x30, 4, 0x20000000 }, { 0x31, 2, KT_RAW_SEL_CODE32 },
	    { 0x32, 4, X86_CR0_PE | X86_CR0_ET | X86_CR0_NE }, { 0x33, 4, 0xcafebabe },
	    { 0x34, 4, KT_RAW_STACK } }, 5, false },
	{ "pae", KT_MODE_PAE, p_pae_start, p_pae_end,
	  { { 0x40, 4, X86_CR4_PAE }, { 0x41, 4, 1 }, { 0x42, 4, KT_RAW_PDPT_PAE },
	    { 0x43, 4, 0x600dd00d } }, 4, true },
	{ "long", KT_MODE_LONG, p_long_start, p_long_end,
	  { { 0x50, 4, 0x12345678 }, { 0x51, 4, EFER_LME | EFER_LMA },
	    { 0x52, 2, KT_RAW_SEL_CODE64 }, { 0x53, 4, 0x11223344 }, { 0x54, 1, 0x77 } },
	  5, true },
	{ "real_to_prot32_switch", KT_MODE_REAL, p_switch_start, p_switch_end,
	  { { 0x60, 2, KT_RAW_SEL_CODE32 }, { 0x61, 4, 1 }, { 0x62, 2, KT_RAW_SEL_DATA32 } },
	  3, false },
};

static void run_mode_case(const struct mode_case *c)
{
	struct kt_raw_vm r;
	struct kvm_sregs s;
	uint64_t pde;

	kt_raw_create(&r, c->mode, c->start, c->end - c->start);
	kt_raw_expect(&r, c->name, c->outs, c->nouts);
	if (c->paging) {
		/* The guest's own walks set A, and its store to 0x9000 set D. */
		pde = *(uint64_t *)(r.mem + KT_RAW_PD);
		KT_ASSERT((pde & (PTE_A | PTE_D)) == (PTE_A | PTE_D), "PDE 0x%lx lacks A/D", pde);
	}
	kt_get_sregs(r.vcpu, &s);
	if (c->mode == KT_MODE_LONG)
		KT_ASSERT(s.efer & EFER_LMA, "EFER 0x%llx after run", (unsigned long long)s.efer);
	kt_raw_free(&r);
}

#define MODE_FN(idx)								\
	static void test_mode_##idx(void) { run_mode_case(&mode_cases[idx]); }
MODE_FN(0)
MODE_FN(1)
MODE_FN(2)
MODE_FN(3)
MODE_FN(4)
MODE_FN(5)

static const struct ktest_case cases[] = {
	{ "real_mode", test_mode_0 },
	{ "prot16", test_mode_1 },
	{ "prot32", test_mode_2 },
	{ "pae_paging", test_mode_3 },
	{ "long_mode", test_mode_4 },
	{ "real_to_prot32_switch", test_mode_5 },
};

_Static_assert(KTEST_NCASES(cases) == KTEST_NCASES(mode_cases), "one case per payload");

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
