// SPDX-License-Identifier: GPL-2.0-only
/*
 * Raw payload VMs in real mode, 16/32-bit protected mode, PAE paging and long
 * mode.  Segment state is loaded through KVM_SET_SREGS (hidden parts
 * included), so the payload starts directly in its mode; the GDT in memory
 * matches so that payloads may reload segments or switch modes themselves.
 */
#include <sys/ioctl.h>

#include "payload.h"
#include "x86.h"

static void raw_desc(uint8_t *gdt, uint16_t sel, uint32_t limit, uint8_t type, int l, int db,
		     int g)
{
	struct x86_desc *d = (struct x86_desc *)(gdt + sel);

	memset(d, 0, sizeof(*d));
	d->limit0 = limit & 0xffff;
	d->limit1 = (limit >> 16) & 0xf;
	d->type = type;
	d->s = 1;
	d->p = 1;
	d->l = l;
	d->db = db;
	d->g = g;
}

static void raw_tables(uint8_t *mem)
{
	uint64_t *pdpt_pae = (uint64_t *)(mem + KT_RAW_PDPT_PAE);
	uint64_t *pd = (uint64_t *)(mem + KT_RAW_PD);
	uint64_t *pml4 = (uint64_t *)(mem + KT_RAW_PML4);
	uint64_t *pdpt_lm = (uint64_t *)(mem + KT_RAW_PDPT_LM);
	uint8_t *gdt = mem + KT_RAW_GDT;
	int i;

	raw_desc(gdt, KT_RAW_SEL_CODE32, 0xfffff, SEG_TYPE_CODE_XR_A, 0, 1, 1);
	raw_desc(gdt, KT_RAW_SEL_DATA32, 0xfffff, SEG_TYPE_DATA_RW_A, 0, 1, 1);
	raw_desc(gdt, KT_RAW_SEL_CODE16, 0xffff, SEG_TYPE_CODE_XR_A, 0, 0, 0);
	raw_desc(gdt, KT_RAW_SEL_DATA16, 0xffff, SEG_TYPE_DATA_RW_A, 0, 0, 0);
	raw_desc(gdt, KT_RAW_SEL_CODE64, 0xfffff, SEG_TYPE_CODE_XR_A, 1, 0, 1);

	/* PAE PDPTEs: only P and the address (APM 5.4.1: bits 1, 2, 5-8 reserved). */
	pdpt_pae[0] = KT_RAW_PD | PTE_P;
	for (i = 0; i < 512; i++)
		pd[i] = (uint64_t)i * PAGE_SIZE_2M | PTE_P | PTE_W | PTE_PS;
	pml4[0] = KT_RAW_PDPT_LM | PTE_P | PTE_W;
	pdpt_lm[0] = KT_RAW_PD | PTE_P | PTE_W;
}

static void raw_seg(struct kvm_segment *s, uint16_t sel, uint32_t limit, uint8_t type,
		    int l, int db, int g)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = limit;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->l = l;
	s->db = db;
	s->g = g;
}

static void raw_sregs(struct kvm_sregs *s, enum kt_cpu_mode mode)
{
	if (mode == KT_MODE_REAL) {
		/* Reset state already has flat 64 KiB data segments; point CS at 0. */
		s->cs.selector = 0;
		s->cs.base = 0;
		return;
	}
	s->gdt.base = KT_RAW_GDT;
	s->gdt.limit = KT_RAW_GDT_LIMIT;
	s->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE;
	if (mode == KT_MODE_PROT16) {
		raw_seg(&s->cs, KT_RAW_SEL_CODE16, 0xffff, SEG_TYPE_CODE_XR_A, 0, 0, 0);
		raw_seg(&s->ds, KT_RAW_SEL_DATA16, 0xffff, SEG_TYPE_DATA_RW_A, 0, 0, 0);
	} else {
		raw_seg(&s->cs, KT_RAW_SEL_CODE32, 0xffffffff, SEG_TYPE_CODE_XR_A, 0, 1, 1);
		raw_seg(&s->ds, KT_RAW_SEL_DATA32, 0xffffffff, SEG_TYPE_DATA_RW_A, 0, 1, 1);
	}
	s->es = s->ds;
	s->fs = s->ds;
	s->gs = s->ds;
	s->ss = s->ds;
	memset(&s->tr, 0, sizeof(s->tr));
	s->tr.limit = 0xffff;
	s->tr.type = SEG_TYPE_TSS64_BUSY;	/* busy 32-bit TSS: the same type value */
	s->tr.present = 1;
	memset(&s->ldt, 0, sizeof(s->ldt));
	s->ldt.type = SEG_TYPE_LDT;
	s->ldt.present = 1;
	s->ldt.unusable = 1;
	if (mode == KT_MODE_PAE || mode == KT_MODE_LONG) {
		s->cr4 = X86_CR4_PAE;
		s->cr0 |= X86_CR0_PG;
		s->cr3 = mode == KT_MODE_PAE ? KT_RAW_PDPT_PAE : KT_RAW_PML4;
	}
	if (mode == KT_MODE_LONG) {
		s->efer = EFER_LME | EFER_LMA;
		raw_seg(&s->cs, KT_RAW_SEL_CODE64, 0xffffffff, SEG_TYPE_CODE_XR_A, 1, 0, 1);
	}
}

void kt_raw_create(struct kt_raw_vm *r, enum kt_cpu_mode mode, const void *code, size_t len)
{
	kt_raw_create_opts(r, mode, code, len, KT_RAW_MEM_SIZE, 0);
}

void kt_raw_create_opts(struct kt_raw_vm *r, enum kt_cpu_mode mode, const void *code, size_t len,
			uint64_t mem_size, unsigned int opts)
{
	struct kvm_sregs s;
	struct kvm_regs regs;

	KT_ASSERT(len <= KT_RAW_GDT - KT_RAW_CODE, "payload of %zu bytes too big", len);
	KT_ASSERT(mem_size >= KT_RAW_DATA + KT_PAGE_SIZE && !(mem_size & (KT_PAGE_SIZE - 1)),
		  "raw VM memory of 0x%lx bytes", mem_size);
	r->vm = kt_vm_create_bare();
	if (opts & KT_RAW_IRQCHIP)
		KT_ASSERT_OK(ioctl(r->vm->fd, KVM_CREATE_IRQCHIP, 0));
	r->mem = kt_vm_add_slot(r->vm, 0, 0, mem_size, 0, 0);
	memcpy(r->mem + KT_RAW_CODE, code, len);
	raw_tables(r->mem);
	r->vcpu = kt_vcpu_add_bare(r->vm, 0);
	KT_ASSERT_OK(ioctl(r->vcpu->fd, KVM_SET_CPUID2, kt_supported_cpuid()));

	kt_get_sregs(r->vcpu, &s);
	raw_sregs(&s, mode);
	kt_set_sregs(r->vcpu, &s);

	memset(&regs, 0, sizeof(regs));
	regs.rip = KT_RAW_CODE;
	regs.rsp = KT_RAW_STACK;
	regs.rflags = X86_RFLAGS_FIXED;
	kt_set_regs(r->vcpu, &regs);
}

void kt_raw_free(struct kt_raw_vm *r)
{
	kt_vm_free(r->vm);
	memset(r, 0, sizeof(*r));
}

const char *kt_mode_name(enum kt_cpu_mode mode)
{
	static const char *const names[] = {
		[KT_MODE_REAL] = "real",
		[KT_MODE_PROT16] = "prot16",
		[KT_MODE_PROT32] = "prot32",
		[KT_MODE_PAE] = "pae",
		[KT_MODE_LONG] = "long",
	};

	return mode <= KT_MODE_LONG ? names[mode] : "?";
}

void kt_raw_expect(struct kt_raw_vm *r, const char *name, const struct kt_raw_out *outs,
		   size_t n)
{
	struct kt_vcpu *v = r->vcpu;
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t got = 0;

		kt_vcpu_run_ok(v);
		if (v->run->exit_reason != KVM_EXIT_IO || v->run->io.direction != KVM_EXIT_IO_OUT ||
		    v->run->io.port != outs[i].port || v->run->io.size != outs[i].size ||
		    v->run->io.count != 1) {
			kt_dump_exit(v);
			KT_ASSERT(0, "payload %s step %zu: expected out port 0x%x size %u", name,
				  i, outs[i].port, outs[i].size);
		}
		memcpy(&got, kt_io_data(v), outs[i].size);
		KT_ASSERT(got == outs[i].value, "payload %s step %zu (port 0x%x): 0x%x, want 0x%x",
			  name, i, outs[i].port, got, outs[i].value);
	}
	kt_vcpu_run_ok(v);
	if (v->run->exit_reason != KVM_EXIT_HLT)
		kt_dump_exit(v);
	KT_ASSERT(v->run->exit_reason == KVM_EXIT_HLT, "payload %s: no hlt at the end (exit %s)",
		  name, kt_exit_name(v->run->exit_reason));
}
