/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Environment of the pure components, userspace side (host unit tests, fuzzers).
 * Mirrors arch/x86/kvm/pure/pure_env.h: same names, same meaning.
 */
#ifndef KVM_PURE_ENV_H
#define KVM_PURE_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define PURE_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define pure_likely(x)		__builtin_expect(!!(x), 1)
#define pure_unlikely(x)	__builtin_expect(!!(x), 0)

#endif /* KVM_PURE_ENV_H */
