#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# Write the seed corpus of the fuzz targets (corpus/fuzz_emulate, corpus/fuzz_walk).
# The input layouts are described at the top of fuzz_emulate.c and fuzz_walk.c.
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# (mode bits, instruction hex) -- mode bits: see fuzz_emulate.c hdr[0]
INSNS = [
    (0, "48 89 03"), (0, "8b 03"), (0, "f3 a4"), (0, "f3 48 ab"), (0, "f3 a6"),
    (0, "f2 ae"), (0, "ac"), (0, "f3 6c"), (0, "f3 6f"), (0, "e4 60"), (0, "ef"),
    (0, "83 03 01"), (0, "f0 0f b1 0b"), (0, "87 03"), (0, "48 0f ab 03"),
    (0, "0f ba 2b 05"), (0, "0f 94 03"), (0, "ff 33"), (0, "8f 04 24"),
    (0, "66 0f 6f 03"), (0, "f3 0f 7f 03"), (0, "c5 fe 6f 03"), (0, "66 48 0f 7e 03"),
    (0, "f3 0f 7e 03"), (0, "66 0f d6 03"), (0, "0f c3 03"), (0, "48 63 03"),
    (0, "0f b7 03"), (0, "48 0f be 03"), (0, "f7 1b"), (0, "fe 03"), (0, "a1 00 10 00 00 00 00 00 00"),
    (0, "62 f1 fe 48 6f 00"), (0, "8f e9 78 01 c0"), (1, "8b 44 8b 08"),
    (1, "66 a5"), (2, "8b 00"), (3, "8e c0"), (3, "8c 1f"), (3, "f3 a5"),
    (4, "8b 03"), (4 | 16, "48 89 03"), (16 | 32, "8b 03"), (8, "f3 6e"), (32, "e4 70"),
]


def emulate_seed(mode, insn):
    hdr = bytearray(160)
    b = bytes.fromhex(insn.replace(" ", ""))
    hdr[0] = mode
    hdr[4] = 8                      # REP budget
    hdr[5] = 14                     # MAXPHYADDR 46
    hdr[16:16 + len(b)] = b
    hdr[31] = len(b)
    hdr[22] = 0xff                  # all GPRs small: addresses fall into RAM
    regs = [0x1234, 4, 0x2000, 0x1000, 0x8000, 0x3000, 0x4000, 0x5000] + [0x100 * i for i in range(8)]
    for i, r in enumerate(regs):
        struct.pack_into("<Q", hdr, 32 + 8 * i, r)
    ram = bytearray(0x100)
    for i in range(len(ram)):
        ram[i] = (i * 37) & 0xff
    if mode & 16:
        # 4-level tables at 0x6000: identity map of the first 2 MiB with one 2 MiB page
        struct.pack_into("<Q", hdr, 14, 0x6000)
        ram = bytearray(0x9000)
        struct.pack_into("<Q", ram, 0x6000, 0x7000 | 7)
        struct.pack_into("<Q", ram, 0x7000, 0x8000 | 7)
        struct.pack_into("<Q", ram, 0x8000, 0x0 | 0x87)
    return bytes(hdr) + bytes(ram)


def walk_seed(kind):
    hdr = bytearray(64)
    mem = bytearray(0x4000)
    hdr[3] = 46
    if kind == "4l":
        hdr[2] = 16 | 32            # LMA, NXE
        hdr[1] = 0x2                # PAE
        struct.pack_into("<Q", hdr, 8, 0x1000)
        struct.pack_into("<Q", mem, 0x1000, 0x2000 | 7)
        struct.pack_into("<Q", mem, 0x2000, 0x3000 | 7)
        struct.pack_into("<Q", mem, 0x3000, 0x200000 | 0x87)
        struct.pack_into("<Q", hdr, 56, 0x12345)
        hdr[5] = 4 | 1
    elif kind == "pae":
        hdr[1] = 0x2
        struct.pack_into("<Q", hdr, 8, 0x1000)
        struct.pack_into("<Q", mem, 0x1000, 0x2000 | 1)
        struct.pack_into("<Q", mem, 0x2000, 0x3000 | 7)
        struct.pack_into("<Q", mem, 0x3000, 0x5000 | 7)
        struct.pack_into("<Q", hdr, 56, 0x345)
    else:
        hdr[1] = 0x1                # PSE
        struct.pack_into("<Q", hdr, 8, 0x1000)
        struct.pack_into("<I", mem, 0x1000, 0x2000 | 7)
        struct.pack_into("<I", mem, 0x1004, 0x400000 | 0x87 | (1 << 13))
        struct.pack_into("<I", mem, 0x2000, 0x7000 | 7)
        struct.pack_into("<Q", hdr, 56, 0x400123)
    return bytes(hdr) + bytes(mem)


def main():
    d = os.path.join(HERE, "corpus", "fuzz_emulate")
    os.makedirs(d, exist_ok=True)
    for i, (mode, insn) in enumerate(INSNS):
        with open(os.path.join(d, "seed-%02d" % i), "wb") as f:
            f.write(emulate_seed(mode, insn))
    d = os.path.join(HERE, "corpus", "fuzz_walk")
    os.makedirs(d, exist_ok=True)
    for kind in ("4l", "pae", "32"):
        with open(os.path.join(d, "seed-" + kind), "wb") as f:
            f.write(walk_seed(kind))


if __name__ == "__main__":
    main()
