// SPDX-License-Identifier: GPL-2.0-only
/*
 * Glue between the vCPU and the pure instruction emulator (emulate/) and guest
 * page-table walker (walk/): the emulator's ops table implemented on a vCPU,
 * and the MMIO / string I/O exits that go through it.
 *
 * Runs in the vCPU thread with vcpu->mutex held.  Guest memory is reached in
 * short slots_srcu sections of its own (eg_guest_read(), eg_guest_write()),
 * never under vm->mmu_lock.
 *
 * Known limits: paging-structure A/D updates and LOCK'd read-modify-writes on
 * guest RAM are done as read-compare-write, not atomically against other vCPUs;
 * PAE PDPTEs are read from memory at each walk (as the CPU does under nested
 * paging) rather than cached at CR3 load.
 */
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/kvm_memslot.h>
#include <linux/kvm_iobus.h>
#include <asm/unaligned.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>
#include <asm/fpu/xcr.h>
#include "x86.h"
#include "emulate/emulate.h"
#include "walk/walk.h"

/* Offset of the upper YMM halves (XSAVE component 2) in both XSAVE formats. */
#define XSAVE_YMM_OFFSET	576

static struct kvm_x86_vcpu *emu_vcpu(struct emu_ctxt *ctxt)
{
	return ctxt->priv;
}

static u64 eg_get_gpr(struct emu_ctxt *ctxt, unsigned int reg)
{
	return emu_vcpu(ctxt)->gpr[reg & 15];
}

static void eg_get_gprs(struct emu_ctxt *ctxt, u64 *gpr)
{
	static_assert((int)EMU_NR_GPRS == (int)KVM_NR_GPRS);
	memcpy(gpr, emu_vcpu(ctxt)->gpr, sizeof(emu_vcpu(ctxt)->gpr));
}

static void eg_set_gpr(struct emu_ctxt *ctxt, unsigned int reg, u64 val)
{
	emu_vcpu(ctxt)->gpr[reg & 15] = val;
}

static u64 eg_get_rip(struct emu_ctxt *ctxt)
{
	return emu_vcpu(ctxt)->rip;
}

static void eg_set_rip(struct emu_ctxt *ctxt, u64 rip)
{
	emu_vcpu(ctxt)->rip = rip;
}

static u64 eg_get_rflags(struct emu_ctxt *ctxt)
{
	return emu_vcpu(ctxt)->rflags;
}

static void eg_set_rflags(struct emu_ctxt *ctxt, u64 rflags)
{
	emu_vcpu(ctxt)->rflags = rflags | X86_EFLAGS_FIXED;
}

/* enum emu_sreg order (ES CS SS DS FS GS TR LDTR) equals enum kvm_x86_seg. */
static void eg_get_seg(struct emu_ctxt *ctxt, unsigned int seg, struct emu_seg *out)
{
	struct kvm_segment s;

	kvm_x86_ops->get_segment(emu_vcpu(ctxt), &s, seg);
	out->base = s.base;
	out->limit = s.limit;
	out->selector = s.selector;
	out->type = s.type;
	out->s = s.s;
	out->dpl = s.dpl;
	out->present = s.present;
	out->db = s.db;
	out->l = s.l;
	out->g = s.g;
	out->unusable = s.unusable;
}

static void eg_set_seg(struct emu_ctxt *ctxt, unsigned int seg, const struct emu_seg *in)
{
	struct kvm_segment s = {
		.base = in->base, .limit = in->limit, .selector = in->selector,
		.type = in->type, .s = in->s, .dpl = in->dpl, .present = in->present,
		.db = in->db, .l = in->l, .g = in->g, .unusable = in->unusable,
	};

	kvm_x86_ops->set_segment(emu_vcpu(ctxt), &s, seg);
}

static void eg_get_gdtr(struct emu_ctxt *ctxt, u64 *base, u32 *limit)
{
	struct kvm_dtable gdt, idt;

	kvm_x86_ops->get_dtables(emu_vcpu(ctxt), &gdt, &idt);
	*base = gdt.base;
	*limit = gdt.limit;
}

static u64 eg_get_cr(struct emu_ctxt *ctxt, unsigned int nr)
{
	return kvm_x86_ops->get_cr(emu_vcpu(ctxt), nr);
}

static u64 eg_get_efer(struct emu_ctxt *ctxt)
{
	return kvm_x86_ops->get_efer(emu_vcpu(ctxt));
}

static unsigned int eg_get_cpl(struct emu_ctxt *ctxt)
{
	struct kvm_segment ss;

	if (!(eg_get_cr(ctxt, 0) & X86_CR0_PE))
		return 0;
	if (emu_vcpu(ctxt)->rflags & X86_EFLAGS_VM)
		return 3;
	kvm_x86_ops->get_segment(emu_vcpu(ctxt), &ss, KVM_SEG_SS);
	return ss.dpl;
}

/* The slot that backs gfn, NULL for none (MMIO); slots_srcu held. */
static struct kvm_memory_slot *eg_slot(struct kvm_x86_vcpu *v, u64 gfn)
{
	return kvm_gfn_to_memslot(kvm_memslots(v->vcpu->vm), gfn);
}

/*
 * Guest RAM for the emulator and the walker, in one slots_srcu section with
 * one slot lookup; the range must not cross a page.  0, or -EFAULT where no
 * slot (or, writing, only a read-only one) backs gpa or the host address
 * cannot be accessed.
 */
static int eg_guest_read(struct kvm_x86_vcpu *v, u64 gpa, void *buf, unsigned int len)
{
	struct kvm_vm *vm = v->vcpu->vm;
	struct kvm_memory_slot *slot;
	void __user *hva;
	int idx, r = -EFAULT;

	idx = srcu_read_lock(&vm->slots_srcu);
	slot = eg_slot(v, gpa >> PAGE_SHIFT);
	if (slot) {
		hva = (void __user *)(kvm_slot_gfn_to_hva(slot, gpa >> PAGE_SHIFT) +
				      offset_in_page(gpa));
		switch (len) {
		case 4:
			r = get_user(*(u32 *)buf, (u32 __user *)hva);
			break;
		case 8:
			r = get_user(*(u64 *)buf, (u64 __user *)hva);
			break;
		default:
			/* A kernel buffer of the emulator: no hardened-usercopy check needed. */
			if (access_ok(hva, len) && !__copy_from_user(buf, hva, len))
				r = 0;
			break;
		}
	}
	srcu_read_unlock(&vm->slots_srcu, idx);
	return r;
}

static int eg_guest_write(struct kvm_x86_vcpu *v, u64 gpa, const void *buf, unsigned int len)
{
	struct kvm_vm *vm = v->vcpu->vm;
	struct kvm_memory_slot *slot;
	u64 gfn = gpa >> PAGE_SHIFT;
	void __user *hva;
	int idx, r = -EFAULT;

	idx = srcu_read_lock(&vm->slots_srcu);
	slot = eg_slot(v, gfn);
	if (slot && !(slot->flags & KVM_MEM_READONLY)) {
		hva = (void __user *)(kvm_slot_gfn_to_hva(slot, gfn) + offset_in_page(gpa));
		if (access_ok(hva, len) && !__copy_to_user(hva, buf, len)) {
			kvm_mark_page_dirty(vm, slot, gfn);
			r = 0;
		}
	}
	srcu_read_unlock(&vm->slots_srcu, idx);
	return r;
}

static int eg_read_pte(void *priv, u64 gpa, u64 *val, unsigned int size)
{
	*val = 0;
	return eg_guest_read(priv, gpa, val, size);
}

static int eg_cmpxchg_pte(void *priv, u64 gpa, u64 old, u64 new, unsigned int size)
{
	struct kvm_x86_vcpu *v = priv;
	u64 cur = 0;
	int r;

	r = eg_guest_read(v, gpa, &cur, size);
	if (r)
		return r;
	if (cur != old)
		return 1;
	return eg_guest_write(v, gpa, &new, size);
}

static const struct walk_ops eg_walk_ops = {
	.read_pte = eg_read_pte,
	.cmpxchg_pte = eg_cmpxchg_pte,
};

/*
 * PAE paging under nested paging: the CPU reads the PDPTEs from memory as part
 * of its walks and does not fault on bits 2:1 and 8:5 there (the emulated CPU
 * of our test VM even sets bit 5, "accessed"); reserved PDPTE bits are a MOV
 * to CR3 matter (#GP), not a #PF.  Hand the walker the PDPTEs as loaded now,
 * without those bits, so it never refuses a walk the CPU itself just made.
 */
#define EG_PDPTE_IGNORED	(GENMASK_ULL(2, 1) | GENMASK_ULL(8, 5))

static void eg_load_pdptes(struct kvm_x86_vcpu *v, struct walk_cfg *cfg, u64 *pdptes)
{
	unsigned int i;

	if (!(cfg->cr0 & X86_CR0_PG) || !(cfg->cr4 & X86_CR4_PAE) || (cfg->efer & EFER_LMA))
		return;
	for (i = 0; i < 4; i++) {
		pdptes[i] = 0;
		if (kvm_read_guest(v->vcpu->vm, (cfg->cr3 & GENMASK_ULL(31, 5)) + i * 8,
				   &pdptes[i], 8))
			return;		/* outside memory: let the walker report it */
		pdptes[i] &= ~EG_PDPTE_IGNORED;
	}
	cfg->pdptrs = pdptes;
}

/* The guest's paging configuration; set_ad for accesses the guest makes itself. */
static void eg_walk_cfg(struct kvm_x86_vcpu *v, struct walk_cfg *cfg, bool set_ad)
{
	/* Every field set one by one: no memset on this path (each MMIO exit walks). */
	cfg->pkru = 0;
	cfg->pdptrs = NULL;
	cfg->cr0 = kvm_x86_ops->get_cr(v, 0);
	cfg->cr3 = kvm_x86_ops->get_cr(v, 3);
	cfg->cr4 = kvm_x86_ops->get_cr(v, 4);
	cfg->efer = kvm_x86_ops->get_efer(v);
	cfg->maxphyaddr = boot_cpu_data.x86_phys_bits;
	cfg->gbpages = true;
	cfg->eflags_ac = !!(v->rflags & X86_EFLAGS_AC);
	cfg->set_ad = set_ad;
}

static int eg_translate(struct emu_ctxt *ctxt, u64 linear, unsigned int access, u64 *gpa,
			struct emu_fault *fault)
{
	struct kvm_x86_vcpu *v = emu_vcpu(ctxt);
	struct walk_cfg cfg;
	struct walk_result res;
	u64 pdptes[4];
	int r;

	eg_walk_cfg(v, &cfg, true);
	eg_load_pdptes(v, &cfg, pdptes);

	if (!(cfg.cr0 & X86_CR0_PG)) {
		*gpa = linear;
		return 0;
	}
	r = walk_translate(&eg_walk_ops, v, &cfg, linear, access, &res);
	if (r == WALK_OK) {
		*gpa = res.gpa;
		return 0;
	}
	fault->vector = EMU_EXC_PF;
	fault->has_error = true;
	fault->error = r == WALK_FAULT ? res.error : 0;
	fault->cr2 = linear;
	return -1;
}

/* RAM when a writable (for writes) memory slot backs gpa, else MMIO. */
static bool eg_is_ram(struct kvm_x86_vcpu *v, u64 gpa, bool write)
{
	struct kvm_vm *vm = v->vcpu->vm;
	struct kvm_memory_slot *slot;
	bool ram;
	int idx;

	idx = srcu_read_lock(&vm->slots_srcu);
	slot = eg_slot(v, gpa >> PAGE_SHIFT);
	ram = slot && !(write && (slot->flags & KVM_MEM_READONLY));
	srcu_read_unlock(&vm->slots_srcu, idx);
	return ram;
}

static int eg_read_phys(struct emu_ctxt *ctxt, u64 gpa, void *buf, unsigned int len)
{
	return eg_guest_read(emu_vcpu(ctxt), gpa, buf, len) ? EMU_MEM_MMIO : EMU_MEM_OK;
}

static int eg_write_phys(struct emu_ctxt *ctxt, u64 gpa, const void *buf, unsigned int len)
{
	return eg_guest_write(emu_vcpu(ctxt), gpa, buf, len) ? EMU_MEM_MMIO : EMU_MEM_OK;
}

static int eg_cmpxchg_phys(struct emu_ctxt *ctxt, u64 gpa, const void *old, const void *new,
			   unsigned int len)
{
	struct kvm_x86_vcpu *v = emu_vcpu(ctxt);
	u8 cur[8];

	if (len > sizeof(cur) || !eg_is_ram(v, gpa, true))
		return EMU_MEM_MMIO;
	if (eg_guest_read(v, gpa, cur, len))
		return EMU_MEM_MMIO;
	if (memcmp(cur, old, len))
		return EMU_MEM_CHANGED;
	if (eg_guest_write(v, gpa, new, len))
		return EMU_MEM_MMIO;
	return EMU_MEM_OK;
}

/* Device accesses: an in-kernel device on the bus, else userspace. */
static int eg_mmio_read(struct emu_ctxt *ctxt, u64 gpa, void *buf, unsigned int len)
{
	if (!kvm_io_bus_read(emu_vcpu(ctxt)->vcpu, KVM_MMIO_BUS, gpa, len, buf))
		return EMU_MEM_OK;
	return EMU_MEM_USER;
}

static int eg_mmio_write(struct emu_ctxt *ctxt, u64 gpa, const void *buf, unsigned int len)
{
	if (!kvm_io_bus_write(emu_vcpu(ctxt)->vcpu, KVM_MMIO_BUS, gpa, len, buf))
		return EMU_MEM_OK;
	return EMU_MEM_USER;
}

static int eg_pio_in(struct emu_ctxt *ctxt, u16 port, void *buf, unsigned int len)
{
	if (!kvm_io_bus_read(emu_vcpu(ctxt)->vcpu, KVM_PIO_BUS, port, len, buf))
		return EMU_MEM_OK;
	return EMU_MEM_USER;
}

static int eg_pio_out(struct emu_ctxt *ctxt, u16 port, const void *buf, unsigned int len)
{
	if (!kvm_io_bus_write(emu_vcpu(ctxt)->vcpu, KVM_PIO_BUS, port, len, buf))
		return EMU_MEM_OK;
	return EMU_MEM_USER;
}

/*
 * Vector registers.  While KVM_RUN runs, the guest's FPU state is the task's;
 * kernel_fpu_begin() writes the live registers back to it, so the memory image is
 * current until kernel_fpu_end(), and the next guest entry reloads it.
 */
static void eg_get_vec(struct emu_ctxt *ctxt, unsigned int idx, void *buf, unsigned int len)
{
	union fpregs_state *regs = &emu_vcpu(ctxt)->guest_fpu.fpstate->regs;

	kernel_fpu_begin();
	memcpy(buf, &regs->fxsave.xmm_space[idx * 4], 16);
	if (len == 32) {
		if (regs->xsave.header.xfeatures & XFEATURE_MASK_YMM)
			memcpy(buf + 16, (u8 *)regs + XSAVE_YMM_OFFSET + idx * 16, 16);
		else
			memset(buf + 16, 0, 16);
	}
	kernel_fpu_end();
}

static void eg_set_vec(struct emu_ctxt *ctxt, unsigned int idx, const void *buf,
		       unsigned int len, bool zero_upper)
{
	struct kvm_x86_vcpu *v = emu_vcpu(ctxt);
	union fpregs_state *regs = &v->guest_fpu.fpstate->regs;
	bool ymm = boot_cpu_has(X86_FEATURE_AVX) &&
		   (v->guest_fpu.fpstate->xfeatures & XFEATURE_MASK_YMM);
	u8 *hi = (u8 *)regs + XSAVE_YMM_OFFSET + idx * 16;

	kernel_fpu_begin();
	memcpy(&regs->fxsave.xmm_space[idx * 4], buf, 16);
	if (boot_cpu_has(X86_FEATURE_XSAVE))
		regs->xsave.header.xfeatures |= XFEATURE_MASK_SSE;
	if (ymm && (len == 32 || zero_upper)) {
		if (!(regs->xsave.header.xfeatures & XFEATURE_MASK_YMM)) {
			memset((u8 *)regs + XSAVE_YMM_OFFSET, 0, 16 * 16);
			regs->xsave.header.xfeatures |= XFEATURE_MASK_YMM;
		}
		if (len == 32)
			memcpy(hi, buf + 16, 16);
		else
			memset(hi, 0, 16);
	}
	kernel_fpu_end();
}

static void eg_inject(struct emu_ctxt *ctxt, const struct emu_fault *f)
{
	bool pf = f->vector == EMU_EXC_PF;

	kvmx86_queue_exception(emu_vcpu(ctxt), f->vector, f->has_error, f->error, pf,
			       pf ? f->cr2 : 0);
}

static const struct emu_ops kvm_emu_ops = {
	.get_gpr = eg_get_gpr,
	.get_gprs = eg_get_gprs,
	.set_gpr = eg_set_gpr,
	.get_rip = eg_get_rip,
	.set_rip = eg_set_rip,
	.get_rflags = eg_get_rflags,
	.set_rflags = eg_set_rflags,
	.get_seg = eg_get_seg,
	.set_seg = eg_set_seg,
	.get_gdtr = eg_get_gdtr,
	.get_cr = eg_get_cr,
	.get_efer = eg_get_efer,
	.get_cpl = eg_get_cpl,
	.translate = eg_translate,
	.read_phys = eg_read_phys,
	.write_phys = eg_write_phys,
	.cmpxchg_phys = eg_cmpxchg_phys,
	.mmio_read = eg_mmio_read,
	.mmio_write = eg_mmio_write,
	.pio_in = eg_pio_in,
	.pio_out = eg_pio_out,
	.get_vec = eg_get_vec,
	.set_vec = eg_set_vec,
	.inject_exception = eg_inject,
};

int kvmx86_emu_init(struct kvm_x86_vcpu *v)
{
	v->emu = kzalloc(sizeof(*v->emu), GFP_KERNEL_ACCOUNT);
	if (!v->emu)
		return -ENOMEM;
	v->emu->ops = &kvm_emu_ops;
	v->emu->priv = v;
	return 0;
}

void kvmx86_emu_free(struct kvm_x86_vcpu *v)
{
	kfree(v->emu);
	v->emu = NULL;
}

/*
 * After an emulated instruction: a shadow it ran under (STI, MOV SS) ends, and one
 * of its own begins if it loaded SS (SDM MOV: interrupts are inhibited until after
 * the next instruction), unless it ran in one itself: a shadow does not follow a
 * shadow (as Linux).
 */
static void kvmx86_emu_shadow(struct kvm_x86_vcpu *v, bool mov_ss)
{
	u32 shadow = mov_ss ? KVM_X86_SHADOW_INT_MOV_SS : 0;

	if (shadow && kvm_x86_ops->get_interrupt_shadow(v))
		shadow = 0;
	kvm_x86_ops->set_interrupt_shadow(v, shadow);
}

/* Turn an emulator status into what the run loop does next. */
static int kvmx86_emu_result(struct kvm_x86_vcpu *v, enum emu_status st)
{
	struct emu_ctxt *ctxt = v->emu;
	struct kvm_run *run = v->vcpu->run;
	struct emu_exit *ex = &ctxt->exit;

	switch (st) {
	case EMU_DONE:
		kvmx86_emu_shadow(v, ctxt->mov_ss);
		kvmx86_insn_done(v);
		fallthrough;
	case EMU_FAULT:
		v->emu_pending = false;
		return KVM_EXIT_ACTION_RESUME;
	case EMU_EXIT_USER:
		v->emu_pending = true;
		if (ex->pio) {
			void *data = page_address(v->vcpu->pio_page);

			if (ex->write)
				memcpy(data, ex->data, ex->len);
			run->exit_reason = KVM_EXIT_IO;
			run->io.direction = ex->write ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
			run->io.size = ex->len;
			run->io.port = ex->addr;
			run->io.count = ex->count ? ex->count : 1;
			run->io.data_offset = KVM_PIO_PAGE_OFFSET * PAGE_SIZE;
		} else {
			kvm_vcpu_stat_inc(v->vcpu, mmio_exits);
			run->exit_reason = KVM_EXIT_MMIO;
			run->mmio.phys_addr = ex->addr;
			run->mmio.len = ex->len;
			run->mmio.is_write = ex->write;
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
			if (ex->write)
				memcpy(run->mmio.data, ex->data, ex->len);
		}
		return KVM_EXIT_ACTION_USER;
	case EMU_UNHANDLED:
	default: {
		/*
		 * struct kvm_run's emulation_failure layout: flags, then the size
		 * byte and 15 instruction bytes; then free-form data (the guest RIP).
		 */
		u64 data[4] = { KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES, 0, 0, v->rip };
		u8 *bytes = (u8 *)&data[1];
		unsigned int n = min_t(unsigned int, ctxt->insn.len, 15);

		kvm_vcpu_stat_inc(v->vcpu, insn_emulation_fail);
		v->emu_pending = false;
		if (!n)
			n = min_t(unsigned int, 15, sizeof(ctxt->insn.bytes));
		bytes[0] = n;
		memcpy(&bytes[1], ctxt->insn.bytes, n);
		return kvmx86_exit_internal(v, KVM_INTERNAL_ERROR_EMULATION, data, 4);
	}
	}
}

/*
 * Emulate the instruction at CS:RIP (an MMIO access, string I/O).  bytes/len:
 * what the hardware's decode assist fetched, if anything.
 */
int kvmx86_emulate(struct kvm_x86_vcpu *v, const u8 *bytes, unsigned int len)
{
	kvm_vcpu_stat_inc(v->vcpu, insn_emulation);
	v->mmio_mov.read = false;
	v->emu->fault_gpa_valid = false;
	return kvmx86_emu_result(v, emu_run(v->emu, bytes, len));
}
EXPORT_SYMBOL_GPL(kvmx86_emulate);

/*
 * The MMIO fast path.  Nearly every device access of a 64-bit guest (LAPIC
 * EOI, ICR and timer writes, virtio and other register accesses) is one MOV
 * between a general register, or an immediate, and memory.  Such a MOV is
 * recognised here from its bytes and carried out without the general
 * emulator (its state load, decoder tables and write queue).  Only the plain
 * forms qualify:
 *   [REX] 89 /r    store r32/r64      [REX] 8b /r    load r32/r64
 *   [REX] c7 /0 id store imm32 (sign-extended with REX.W)
 * in 64-bit mode, no legacy prefix, a memory operand whose effective address
 * has the faulting address's offset in the page and does not cross the page,
 * and a fault on that access itself, of the same direction.  The processor
 * already made the access up to the nested fault, so its guest-level checks
 * (segment, alignment, page permissions) have passed.  Anything else returns
 * -EAGAIN and goes through the general emulator, which also reports faults.
 */
struct eg_mov {
	bool store;
	bool imm;
	u8 reg;			/* register operand (store source / load target) */
	u8 size;
	u8 len;
	u64 ea;
	u64 val;		/* the immediate */
};

/* Decode bytes[0..n) at rip as one of the MOVs above; false if it is not one. */
static bool eg_decode_mov(const struct kvm_x86_vcpu *v, const u8 *b, unsigned int n, u64 rip,
			  struct eg_mov *m)
{
	unsigned int i = 0, mod, rm;
	u8 rex = 0, op, modrm, sib;
	bool rip_rel = false, disp32 = false;
	s64 disp = 0;
	u64 ea = 0;

	if (n && (b[0] & 0xf0) == 0x40)
		rex = b[i++];
	if (i + 2 > n)
		return false;
	op = b[i++];
	modrm = b[i++];
	mod = modrm >> 6;
	rm = modrm & 7;
	if (mod == 3)
		return false;
	if (op == 0x89 || op == 0x8b) {
		m->store = op == 0x89;
		m->imm = false;
	} else if (op == 0xc7 && !((modrm >> 3) & 7)) {
		m->store = true;
		m->imm = true;
	} else {
		return false;
	}
	m->reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);
	m->size = (rex & 8) ? 8 : 4;

	if (rm == 4) {
		unsigned int index;

		if (i >= n)
			return false;
		sib = b[i++];
		index = ((sib >> 3) & 7) | ((rex & 2) << 2);
		if (index != 4)		/* 4 without REX.X: no index */
			ea += v->gpr[index] << (sib >> 6);
		if ((sib & 7) == 5 && mod == 0)
			disp32 = true;	/* no base register */
		else
			ea += v->gpr[(sib & 7) | ((rex & 1) << 3)];
	} else if (rm == 5 && mod == 0) {
		rip_rel = true;
		disp32 = true;
	} else {
		ea += v->gpr[rm | ((rex & 1) << 3)];
	}
	if (mod == 1) {
		if (i + 1 > n)
			return false;
		disp = (s8)b[i];
		i += 1;
	} else if (mod == 2 || disp32) {
		if (i + 4 > n)
			return false;
		disp = (s32)get_unaligned_le32(&b[i]);
		i += 4;
	}
	if (m->imm) {
		if (i + 4 > n)
			return false;
		m->val = (u64)(s64)(s32)get_unaligned_le32(&b[i]);
		i += 4;
	}
	m->len = i;
	m->ea = ea + disp + (rip_rel ? rip + i : 0);
	return true;
}

/* The instruction is over: RIP past it, no interrupt shadow, a single step trap. */
static void eg_mov_done(struct kvm_x86_vcpu *v, unsigned int len)
{
	v->rip += len;
	kvm_x86_ops->set_interrupt_shadow(v, 0);
	kvmx86_insn_done(v);
}

static void eg_mov_load(struct kvm_x86_vcpu *v, unsigned int reg, unsigned int size, u64 val)
{
	/* A 32-bit load clears the upper half of the register. */
	v->gpr[reg] = size == 8 ? val : (u32)val;
}

static int eg_fast_mmio(struct kvm_x86_vcpu *v, u64 gpa, bool write, const u8 *bytes,
			unsigned int len)
{
	struct kvm_run *run = v->vcpu->run;
	struct kvm_segment cs;
	struct emu_fault fault;
	struct eg_mov m;
	u8 buf[15];
	u64 fetch_gpa, val;
	unsigned int n, access = EMU_ACC_FETCH;

	if (!(kvm_x86_ops->get_efer(v) & EFER_LMA))
		return -EAGAIN;
	kvm_x86_ops->get_segment(v, &cs, KVM_SEG_CS);
	if (!cs.l)
		return -EAGAIN;
	if (!len) {
		/* 64-bit mode: CS has base 0, RIP is the linear address. */
		n = min_t(unsigned int, sizeof(buf), PAGE_SIZE - offset_in_page(v->rip));
		if (eg_get_cpl(v->emu) == 3)
			access |= EMU_ACC_USER;
		if (eg_translate(v->emu, v->rip, access, &fetch_gpa, &fault) ||
		    eg_guest_read(v, fetch_gpa, buf, n))
			return -EAGAIN;
		bytes = buf;
		len = n;
	}
	if (!eg_decode_mov(v, bytes, len, v->rip, &m) || m.store != write ||
	    offset_in_page(m.ea) != offset_in_page(gpa) ||
	    offset_in_page(gpa) + m.size > PAGE_SIZE)
		return -EAGAIN;

	kvm_vcpu_stat_inc(v->vcpu, insn_emulation);
	if (m.store) {
		bool in_kernel;

		val = m.imm ? m.val : v->gpr[m.reg];
		in_kernel = !kvm_io_bus_write(v->vcpu, KVM_MMIO_BUS, gpa, m.size, &val);
		eg_mov_done(v, m.len);
		if (in_kernel)
			return KVM_EXIT_ACTION_RESUME;
		/* The store is complete for the guest; userspace carries it out. */
		kvm_vcpu_stat_inc(v->vcpu, mmio_exits);
		run->exit_reason = KVM_EXIT_MMIO;
		run->mmio.phys_addr = gpa;
		run->mmio.len = m.size;
		run->mmio.is_write = 1;
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
		memcpy(run->mmio.data, &val, m.size);
		return KVM_EXIT_ACTION_USER;
	}
	val = 0;
	if (!kvm_io_bus_read(v->vcpu, KVM_MMIO_BUS, gpa, m.size, &val)) {
		eg_mov_load(v, m.reg, m.size, val);
		eg_mov_done(v, m.len);
		return KVM_EXIT_ACTION_RESUME;
	}
	/* RIP stays on the load until userspace has answered (kvmx86_emu_complete()). */
	kvm_vcpu_stat_inc(v->vcpu, mmio_exits);
	v->emu_pending = true;
	v->mmio_mov.read = true;
	v->mmio_mov.reg = m.reg;
	v->mmio_mov.size = m.size;
	v->mmio_mov.len = m.len;
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = m.size;
	run->mmio.is_write = 0;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	return KVM_EXIT_ACTION_USER;
}

/*
 * The same after a nested page fault on gpa that no writable slot backs.
 * final: the fault was on the final translation of the guest's access (not on
 * one of its page-table entries), write: that access was a write.  The
 * emulator then takes gpa for the instruction's memory operand instead of
 * walking the guest's page tables once more (emulate.h, fault_gpa).
 */
int kvmx86_emulate_npf(struct kvm_x86_vcpu *v, u64 gpa, bool final, bool write, const u8 *bytes,
		       unsigned int len)
{
	struct emu_ctxt *ctxt = v->emu;
	int r;

	v->mmio_mov.read = false;
	if (final) {
		r = eg_fast_mmio(v, gpa, write, bytes, len);
		if (r != -EAGAIN)
			return r;
	}
	kvm_vcpu_stat_inc(v->vcpu, insn_emulation);
	ctxt->fault_gpa = gpa;
	ctxt->fault_gpa_valid = final;
	ctxt->fault_gpa_write = write;
	return kvmx86_emu_result(v, emu_run(ctxt, bytes, len));
}
EXPORT_SYMBOL_GPL(kvmx86_emulate_npf);

/* KVM_RUN after an emulator exit: hand back read data, continue the instruction. */
int kvmx86_emu_complete(struct kvm_x86_vcpu *v)
{
	struct emu_ctxt *ctxt = v->emu;
	struct kvm_run *run = v->vcpu->run;

	if (v->mmio_mov.read) {
		u64 val = 0;

		memcpy(&val, run->mmio.data, v->mmio_mov.size);
		eg_mov_load(v, v->mmio_mov.reg, v->mmio_mov.size, val);
		eg_mov_done(v, v->mmio_mov.len);
		v->mmio_mov.read = false;
		v->emu_pending = false;
		return KVM_EXIT_ACTION_RESUME;
	}
	if (!ctxt->exit.write) {
		if (ctxt->exit.pio)
			emu_complete_read(ctxt, page_address(v->vcpu->pio_page),
					  ctxt->exit.len * (ctxt->exit.count ? ctxt->exit.count : 1));
		else
			emu_complete_read(ctxt, run->mmio.data, ctxt->exit.len);
	}
	return kvmx86_emu_result(v, emu_resume(ctxt));
}

/*
 * KVM_TRANSLATE: the guest's own page tables, without accessed/dirty updates.
 * As Linux, writeable is always 1 and usermode always 0.
 */
long kvmx86_translate(struct kvm_x86_vcpu *v, struct kvm_translation *tr)
{
	struct walk_cfg cfg;
	struct walk_result res;
	u64 la = tr->linear_address;
	u64 pdptes[4];

	eg_walk_cfg(v, &cfg, false);
	eg_load_pdptes(v, &cfg, pdptes);

	tr->valid = 1;
	tr->writeable = 1;
	tr->usermode = 0;
	if (!(cfg.cr0 & X86_CR0_PG)) {
		tr->physical_address = la;
		return 0;
	}
	if (walk_translate(&eg_walk_ops, v, &cfg, la, 0, &res) == WALK_OK) {
		tr->physical_address = res.gpa;
	} else {
		tr->physical_address = ~0ULL;
		tr->valid = 0;
	}
	return 0;
}
