// SPDX-License-Identifier: GPL-2.0-only
/*
 * Building a VM for long-mode guests written in C: the system slot with page
 * tables, GDT, TSS and IDT, a copy of this program's loaded image at its own
 * addresses, and vCPUs started in a given function.
 */
#include <elf.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>

#include "kvmt.h"
#include "x86.h"

/* GDT layout used by every long-mode VM. */
#define GDT_SEL_CODE64	0x08
#define GDT_SEL_DATA	0x10
#define GDT_SEL_TSS	0x18
#define GDT_ENTRIES	5	/* null, code, data, TSS (two slots) */

/* Entry stubs in lib/guest.c: 256 of them, 16 bytes apart. */
extern char guest_exc_stubs[];
extern char guest_start_returned[];

/* Copy every PT_LOAD segment of this program into a new slot at the same addresses. */
static void map_image(struct kt_vm *vm)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
	unsigned long n = getauxval(AT_PHNUM), i;
	uint64_t lo = UINT64_MAX, hi = 0;
	uint8_t *mem;

	KT_ASSERT(ph && n, "no program headers in the auxiliary vector");
	for (i = 0; i < n; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_vaddr < lo)
			lo = ph[i].p_vaddr;
		if (ph[i].p_vaddr + ph[i].p_memsz > hi)
			hi = ph[i].p_vaddr + ph[i].p_memsz;
	}
	lo &= ~(KT_PAGE_SIZE - 1);
	hi = (hi + KT_PAGE_SIZE - 1) & ~(KT_PAGE_SIZE - 1);
	KT_ASSERT(lo >= KT_SYS_SIZE && hi <= (4ull << 30),
		  "image at [0x%lx, 0x%lx) does not fit the guest layout (static non-PIE?)",
		  lo, hi);
	mem = kt_vm_add_slot(vm, KT_SLOT_IMAGE, lo, hi - lo, 0, 0);
	for (i = 0; i < n; i++) {
		uint64_t start, end;

		if (ph[i].p_type != PT_LOAD)
			continue;
		start = ph[i].p_vaddr & ~(KT_PAGE_SIZE - 1);
		end = (ph[i].p_vaddr + ph[i].p_memsz + KT_PAGE_SIZE - 1) & ~(KT_PAGE_SIZE - 1);
		memcpy(mem + (start - lo), (void *)(uintptr_t)start, end - start);
	}
}

/* Identity map [0, 4 GiB) with 2 MiB pages: PML4 -> one PDPT -> four PDs. */
static void build_page_tables(struct kt_vm *vm)
{
	uint64_t pdpt = kt_vm_alloc_pages(vm, 1), pd = kt_vm_alloc_pages(vm, 4);
	uint64_t *pml4_h, *pdpt_h, *pd_h;
	int i;

	vm->pml4 = kt_vm_alloc_pages(vm, 1);
	pml4_h = kt_gpa2hva(vm, vm->pml4);
	pdpt_h = kt_gpa2hva(vm, pdpt);
	pd_h = kt_gpa2hva(vm, pd);
	pml4_h[0] = pdpt | PTE_P | PTE_W;
	for (i = 0; i < 4; i++)
		pdpt_h[i] = (pd + i * KT_PAGE_SIZE) | PTE_P | PTE_W;
	for (i = 0; i < 4 * 512; i++)
		pd_h[i] = (uint64_t)i * PAGE_SIZE_2M | PTE_P | PTE_W | PTE_PS;
}

static void set_desc(struct x86_desc *d, uint32_t base, uint32_t limit, uint8_t type, int s,
		     int l, int db, int g)
{
	memset(d, 0, sizeof(*d));
	d->limit0 = limit & 0xffff;
	d->limit1 = (limit >> 16) & 0xf;
	d->base0 = base & 0xffff;
	d->base1 = (base >> 16) & 0xff;
	d->base2 = base >> 24;
	d->type = type;
	d->s = s;
	d->p = 1;
	d->l = l;
	d->db = db;
	d->g = g;
}

static void build_descriptor_tables(struct kt_vm *vm)
{
	struct x86_desc *gdt;
	struct x86_desc64 *tss_desc;
	struct x86_idt_gate64 *idt;
	int i;

	vm->gdt = kt_vm_alloc_pages(vm, 1);
	vm->idt = kt_vm_alloc_pages(vm, 1);
	vm->tss = kt_vm_alloc_pages(vm, 1);
	gdt = kt_gpa2hva(vm, vm->gdt);
	set_desc(&gdt[GDT_SEL_CODE64 / 8], 0, 0xfffff, SEG_TYPE_CODE_XR_A, 1, 1, 0, 1);
	set_desc(&gdt[GDT_SEL_DATA / 8], 0, 0xfffff, SEG_TYPE_DATA_RW_A, 1, 0, 1, 1);
	tss_desc = (struct x86_desc64 *)&gdt[GDT_SEL_TSS / 8];
	set_desc(&tss_desc->lo, (uint32_t)vm->tss, sizeof(struct x86_tss64) - 1,
		 SEG_TYPE_TSS64_BUSY, 0, 0, 0, 0);
	tss_desc->base3 = vm->tss >> 32;

	idt = kt_gpa2hva(vm, vm->idt);
	for (i = 0; i < 256; i++) {
		uint64_t off = (uint64_t)(uintptr_t)guest_exc_stubs + 16 * i;

		idt[i].off0 = off & 0xffff;
		idt[i].off1 = (off >> 16) & 0xffff;
		idt[i].off2 = off >> 32;
		idt[i].selector = GDT_SEL_CODE64;
		idt[i].type = GATE_TYPE_INT64;
		idt[i].p = 1;
	}
}

struct kt_vm *kt_vm_create(void)
{
	struct kt_vm *vm = kt_vm_create_bare();

	kt_vm_add_slot(vm, KT_SLOT_SYS, 0, KT_SYS_SIZE, 0, 0);
	vm->sys_next = KT_PAGE_SIZE;	/* leave page 0 alone: null pointers */
	map_image(vm);
	build_page_tables(vm);
	build_descriptor_tables(vm);
	vm->long_mode = true;
	return vm;
}

static void seg_flat(struct kvm_segment *s, uint16_t sel, uint8_t type, int l, int db)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->l = l;
	s->db = db;
	s->g = 1;
}

/* Enable XSAVE for the guest with x87/SSE/AVX state when KVM offers it. */
static bool setup_xsave(struct kt_vcpu *v)
{
	const struct kvm_cpuid2 *c = kt_supported_cpuid();
	const struct kvm_cpuid_entry2 *e1 = kt_find_cpuid(c, 1, 0), *ed = kt_find_cpuid(c, 0xd, 0);
	struct kvm_xcrs xcrs;

	if (!e1 || !(e1->ecx & CPUID_1_ECX_XSAVE) || !ed || !kt_check_cap(KVM_CAP_XCRS))
		return false;
	memset(&xcrs, 0, sizeof(xcrs));
	xcrs.nr_xcrs = 1;
	xcrs.xcrs[0].xcr = 0;
	xcrs.xcrs[0].value = ed->eax & (XFEATURE_X87 | XFEATURE_SSE | XFEATURE_AVX);
	/* The caller sets CR4.OSXSAVE first: XCR0 can only be written with it on. */
	return ioctl(v->fd, KVM_SET_XCRS, &xcrs) == 0;
}

struct kt_vcpu *kt_vcpu_add(struct kt_vm *vm, int id, void *guest_fn, uint64_t arg0,
			    uint64_t arg1)
{
	const struct kvm_cpuid2 *cpuid = kt_supported_cpuid();
	const struct kvm_cpuid_entry2 *e1 = kt_find_cpuid(cpuid, 1, 0);
	struct kt_vcpu *v;
	struct kvm_sregs s;
	struct kvm_regs r;
	uint64_t stack;

	KT_ASSERT(vm->long_mode, "kt_vcpu_add needs a VM from kt_vm_create()");
	v = kt_vcpu_add_bare(vm, id);
	KT_ASSERT_OK(ioctl(v->fd, KVM_SET_CPUID2, cpuid));

	kt_get_sregs(v, &s);
	seg_flat(&s.cs, GDT_SEL_CODE64, SEG_TYPE_CODE_XR_A, 1, 0);
	seg_flat(&s.ds, GDT_SEL_DATA, SEG_TYPE_DATA_RW_A, 0, 1);
	s.es = s.ds;
	s.fs = s.ds;
	s.gs = s.ds;
	s.ss = s.ds;
	memset(&s.tr, 0, sizeof(s.tr));
	s.tr.base = vm->tss;
	s.tr.limit = sizeof(struct x86_tss64) - 1;
	s.tr.selector = GDT_SEL_TSS;
	s.tr.type = SEG_TYPE_TSS64_BUSY;
	s.tr.present = 1;
	memset(&s.ldt, 0, sizeof(s.ldt));
	s.ldt.type = SEG_TYPE_LDT;
	s.ldt.present = 1;
	s.ldt.unusable = 1;
	s.gdt.base = vm->gdt;
	s.gdt.limit = GDT_ENTRIES * 8 - 1;
	s.idt.base = vm->idt;
	s.idt.limit = 256 * sizeof(struct x86_idt_gate64) - 1;
	s.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
	s.cr3 = vm->pml4;
	s.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	if (e1 && (e1->ecx & CPUID_1_ECX_XSAVE))
		s.cr4 |= X86_CR4_OSXSAVE;
	s.efer = EFER_LME | EFER_LMA;
	kt_set_sregs(v, &s);
	if ((s.cr4 & X86_CR4_OSXSAVE) && !setup_xsave(v)) {
		s.cr4 &= ~X86_CR4_OSXSAVE;
		kt_set_sregs(v, &s);
	}

	stack = kt_vm_alloc_pages(vm, KT_STACK_SIZE / KT_PAGE_SIZE);
	v->stack_top = stack + KT_STACK_SIZE;
	/* A return address so that returning from guest_fn reports UCALL_DONE. */
	*(uint64_t *)kt_gpa2hva(vm, v->stack_top - 8) = (uint64_t)(uintptr_t)guest_start_returned;
	memset(&r, 0, sizeof(r));
	r.rip = (uint64_t)(uintptr_t)guest_fn;
	r.rsp = v->stack_top - 8;
	r.rdi = arg0;
	r.rsi = arg1;
	r.rflags = X86_RFLAGS_FIXED;
	kt_set_regs(v, &r);
	return v;
}
