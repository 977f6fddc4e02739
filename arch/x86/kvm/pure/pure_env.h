/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Environment of the pure components, kernel side.
 *
 * The pure components (instruction emulator, guest page-table walker, interrupt
 * controller and timer models, CPUID/MSR policy) include "pure_env.h" and nothing
 * else from the outside world.  There are two files of that name: this one, found
 * first on the include path when building kvm.ko, and tests/unit/env/pure_env.h,
 * found first when building host unit tests and fuzz targets.  Both provide the
 * same names with the same meaning; nothing else may differ between them.
 */
#ifndef KVM_PURE_ENV_H
#define KVM_PURE_ENV_H

#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/kernel.h>

#define PURE_ARRAY_SIZE(a)	ARRAY_SIZE(a)
#define pure_likely(x)		likely(x)
#define pure_unlikely(x)	unlikely(x)

#endif /* KVM_PURE_ENV_H */
