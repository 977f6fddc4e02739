// SPDX-License-Identifier: GPL-2.0-only
/*
 * Binary statistics: KVM_GET_STATS_FD on a VM or a vCPU gives a read-only
 * file laid out as <linux/kvm.h> describes:
 *
 *	struct kvm_stats_header
 *	id string			(STATS_NAME_SIZE bytes, NUL padded)
 *	num_desc descriptors		(struct kvm_stats_desc + STATS_NAME_SIZE name bytes)
 *	data block			(one u64 per statistic, in descriptor order)
 *
 * Everything before the data block is fixed for the file's life and built
 * when it is opened; the data block is read from the live counters at each
 * read().  Reads may start anywhere (pread) and return 0 past the end.
 *
 * Locking: none.  The file holds a VM reference, which keeps the VM and its
 * vCPUs alive; counters are read with READ_ONCE while their writers go on
 * (see struct kvm_vm_stat / kvm_vcpu_stat in <linux/kvm_core.h>).
 */
#include <linux/kernel.h>
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "kvm_internal.h"

/* Bytes given to each name and to the id string; Linux uses the same. */
#define STATS_NAME_SIZE		48

struct stat_def {
	const char *name;
	u32 flags;		/* KVM_STATS_TYPE_* | KVM_STATS_UNIT_* | KVM_STATS_BASE_* */
	size_t offset;		/* of the u64 in struct kvm_vm_stat / kvm_vcpu_stat */
};

#define PLAIN		(KVM_STATS_UNIT_NONE | KVM_STATS_BASE_POW10)
#define COUNTER		(KVM_STATS_TYPE_CUMULATIVE | PLAIN)
#define GAUGE		(KVM_STATS_TYPE_INSTANT | PLAIN)

#define VM_STAT(field, kind)	{ #field, kind, offsetof(struct kvm_vm_stat, field) }
#define VCPU_STAT(field, kind)	{ #field, kind, offsetof(struct kvm_vcpu_stat, field) }

static const struct stat_def vm_stats[] = {
	VM_STAT(remote_tlb_flush, COUNTER),
	VM_STAT(remote_tlb_flush_requests, COUNTER),
	VM_STAT(pages_4k, GAUGE),
	VM_STAT(pages_2m, GAUGE),
	VM_STAT(pages_1g, GAUGE),
};

static const struct stat_def vcpu_stats[] = {
	VCPU_STAT(exits, COUNTER),
	VCPU_STAT(io_exits, COUNTER),
	VCPU_STAT(mmio_exits, COUNTER),
	VCPU_STAT(signal_exits, COUNTER),
	VCPU_STAT(halt_exits, COUNTER),
	VCPU_STAT(irq_exits, COUNTER),
	VCPU_STAT(irq_window_exits, COUNTER),
	VCPU_STAT(nmi_window_exits, COUNTER),
	VCPU_STAT(insn_emulation, COUNTER),
	VCPU_STAT(insn_emulation_fail, COUNTER),
	VCPU_STAT(pf_taken, COUNTER),
	VCPU_STAT(pf_fixed, COUNTER),
};

static_assert(sizeof(struct kvm_stats_header) == 24);
static_assert(sizeof(struct kvm_stats_desc) == 16);

struct stats_file {
	struct kvm_vm *vm;			/* a reference, put on release */
	const void *counters;			/* &vm->stat or &vcpu->stat */
	const struct stat_def *defs;
	unsigned int nr;
	size_t fixed_size;			/* header, id and descriptors */
	u8 fixed[];
};

static ssize_t stats_read(struct file *file, char __user *buf, size_t len, loff_t *ppos)
{
	struct stats_file *sf = file->private_data;
	size_t total = sf->fixed_size + sf->nr * sizeof(u64);
	loff_t pos = *ppos;
	size_t done = 0, n;

	if (pos < 0)
		return -EINVAL;
	if (pos >= total)
		return 0;
	len = min_t(size_t, len, total - pos);

	if (pos < sf->fixed_size) {
		n = min_t(size_t, len, sf->fixed_size - pos);
		if (copy_to_user(buf, sf->fixed + pos, n))
			return -EFAULT;
		done = n;
		pos += n;
	}
	/* The data block, one whole value at a time, each read once. */
	while (done < len) {
		size_t at = pos - sf->fixed_size, i = at / sizeof(u64), skip = at % sizeof(u64);
		u64 v = READ_ONCE(*(const u64 *)(sf->counters + sf->defs[i].offset));

		n = min_t(size_t, len - done, sizeof(u64) - skip);
		if (copy_to_user(buf + done, (u8 *)&v + skip, n))
			return done ? done : -EFAULT;
		done += n;
		pos += n;
	}
	*ppos = pos;
	return done;
}

static int stats_release(struct inode *inode, struct file *file)
{
	struct stats_file *sf = file->private_data;

	kvm_vm_put(sf->vm);
	kfree(sf);
	return 0;
}

static const struct file_operations kvm_stats_fops = {
	.owner		= THIS_MODULE,
	.read		= stats_read,
	.release	= stats_release,
	.llseek		= noop_llseek,
};

/* Build the fixed part: header, id string, descriptors with their names. */
static void stats_fill_fixed(struct stats_file *sf, const char *id)
{
	struct kvm_stats_header *h = (struct kvm_stats_header *)sf->fixed;
	size_t desc_bytes = sizeof(struct kvm_stats_desc) + STATS_NAME_SIZE;
	unsigned int i;

	h->flags = 0;
	h->name_size = STATS_NAME_SIZE;
	h->num_desc = sf->nr;
	h->id_offset = sizeof(*h);
	h->desc_offset = h->id_offset + STATS_NAME_SIZE;
	h->data_offset = h->desc_offset + sf->nr * desc_bytes;
	strscpy(sf->fixed + h->id_offset, id, STATS_NAME_SIZE);
	for (i = 0; i < sf->nr; i++) {
		struct kvm_stats_desc *d = (void *)sf->fixed + h->desc_offset + i * desc_bytes;

		d->flags = sf->defs[i].flags;
		d->exponent = 0;
		d->size = 1;
		d->offset = i * sizeof(u64);
		d->bucket_size = 0;
		strscpy(d->name, sf->defs[i].name, STATS_NAME_SIZE);
	}
}

static int stats_open(struct kvm_vm *vm, const void *counters, const struct stat_def *defs,
		      unsigned int nr, const char *id, const char *file_name)
{
	size_t fixed = sizeof(struct kvm_stats_header) + STATS_NAME_SIZE +
		       nr * (sizeof(struct kvm_stats_desc) + STATS_NAME_SIZE);
	struct stats_file *sf;
	struct file *file;
	int fd, r;

	sf = kzalloc(struct_size(sf, fixed, fixed), GFP_KERNEL_ACCOUNT);
	if (!sf)
		return -ENOMEM;
	sf->vm = vm;
	sf->counters = counters;
	sf->defs = defs;
	sf->nr = nr;
	sf->fixed_size = fixed;
	stats_fill_fixed(sf, id);

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto err_free;
	}
	file = anon_inode_getfile(file_name, &kvm_stats_fops, sf, O_RDONLY);
	if (IS_ERR(file)) {
		r = PTR_ERR(file);
		goto err_fd;
	}
	file->f_mode |= FMODE_PREAD;
	kvm_vm_get(vm);
	fd_install(fd, file);
	return fd;

err_fd:
	put_unused_fd(fd);
err_free:
	kfree(sf);
	return r;
}

int kvm_vm_stats_fd(struct kvm_vm *vm)
{
	char id[STATS_NAME_SIZE];

	snprintf(id, sizeof(id), "kvm-%d", vm->creator_pid);
	return stats_open(vm, &vm->stat, vm_stats, ARRAY_SIZE(vm_stats), id, "kvm-vm-stats");
}

int kvm_vcpu_stats_fd(struct kvm_vcpu *vcpu)
{
	char id[STATS_NAME_SIZE];

	snprintf(id, sizeof(id), "kvm-%d/vcpu-%u", vcpu->creator_pid, vcpu->vcpu_id);
	return stats_open(vcpu->vm, &vcpu->stat, vcpu_stats, ARRAY_SIZE(vcpu_stats), id,
			  "kvm-vcpu-stats");
}
