#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""
Compare our KVM UAPI headers with the system's, exhaustively and mechanically.

For each header set (system, ours) the script:
  1. resolves the four KVM headers through the set's include path and checks
     that they come from where they should;
  2. runs the preprocessor once with -dD, which prints every #define at the place
     it happens, so each macro is attributed to the header that defines it
     (macros of <linux/types.h> and friends are ignored automatically; include
     guards are recognised and left out);
  3. collects enumerators and struct/union/enum tags defined by the KVM headers
     from the same preprocessed text;
  4. evaluates every macro and enumerator by compiling a C table of
     {value, sizeof, signedness} against the set and running it; a macro that is
     not an integer constant expression (empty, a string, one using PAGE_SIZE or
     an undeclared struct) is compared by its full expansion instead, with
     whitespace and the spelling of integer literals normalised;
     function-like macros are evaluated with a few argument tuples;
  5. compiles one object with -g declaring a variable of every tag and dumps
     each type with gdb's "ptype /o", which gives every member, recursively, with
     its offset, size, type and name; sizeof and _Alignof come from step 4.
Then both sets are compared and the result is printed as TAP.

  abicheck.py --out DIR [--ours-root DIR] [--compile-checks] [--self-check]
Exit status 0 when everything matches, 1 otherwise.
"""

import argparse
import os
import re
import subprocess
import sys

HEADERS = ["linux/kvm.h", "linux/kvm_para.h", "asm/kvm.h", "asm/kvm_para.h"]
CC = os.environ.get("CC", "cc")
GDB = os.environ.get("GDB", "gdb")

# Argument tuples used to evaluate function-like macros.
ARG_TUPLES = [(1, 2, 3, 4, 5, 6), (3, 5, 7, 11, 13, 17), (0, 0, 0, 0, 0, 0)]


class Fail(Exception):
    pass


def run(cmd, cwd=None, check=True, env=None):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, env=env)
    if check and p.returncode != 0:
        raise Fail("command failed: %s\n%s%s" % (" ".join(cmd), p.stdout, p.stderr))
    return p


def include_block():
    return "".join("#include <%s>\n" % h for h in HEADERS)


class HeaderSet:
    """Everything extracted from one set of headers."""

    def __init__(self, name, incflags, workdir, must_be_under=None, must_not_be_under=None):
        self.name = name
        self.incflags = incflags
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.must_be_under = must_be_under
        self.must_not_be_under = must_not_be_under
        self.files = {}       # header key -> resolved path
        self.problems = []    # setup problems (wrong resolution, no guard)
        self.macros = {}      # name -> (params or None, body, header key)
        self.guards = {}      # header key -> guard macro name
        self.enumerators = {}  # name -> header key
        self.tags = {}        # "struct x" -> header key; typedef names as "typedef x"
        self.values = {}      # expression label -> ("int", v, size, signed) / ("text", s)
        self.layouts = {}     # "struct x" -> normalised ptype /o text

    def cc(self, args, **kw):
        return run([CC] + self.incflags + args, **kw)

    def write(self, fname, text):
        path = os.path.join(self.dir, fname)
        with open(path, "w") as f:
            f.write(text)
        return path

    # -- step 1: which files do the includes resolve to --
    def resolve(self):
        src = self.write("all.c", include_block())
        out = self.cc(["-M", "-MG", src]).stdout.replace("\\\n", " ").split()
        deps = [d for d in out[1:] if d.endswith(".h")]
        for key in HEADERS:
            hits = [d for d in deps if os.path.normpath(d).endswith("/" + key)]
            if len(hits) != 1:
                self.problems.append("%s: %s resolves to %r" % (self.name, key, hits))
                continue
            path = os.path.realpath(hits[0])
            self.files[key] = path
            if self.must_be_under and not path.startswith(self.must_be_under):
                self.problems.append("%s: %s comes from %s, not from %s" %
                                     (self.name, key, path, self.must_be_under))
            if self.must_not_be_under and path.startswith(self.must_not_be_under):
                self.problems.append("%s: %s comes from %s" % (self.name, key, path))
        for key, path in self.files.items():
            with open(path) as f:
                text = f.read()
            m = re.search(r"^\s*#\s*ifndef\s+(\w+)\s*\n\s*#\s*define\s+(\w+)", text, re.M)
            if not m or m.group(1) != m.group(2):
                self.problems.append("%s: %s has no include guard" % (self.name, key))
            else:
                self.guards[key] = m.group(1)

    def key_of(self, path):
        real = os.path.realpath(path)
        for key, p in self.files.items():
            if p == real:
                return key
        return None

    # -- steps 2 and 3: one preprocessor run with -dD --
    def scan(self):
        src = os.path.join(self.dir, "all.c")
        text = self.cc(["-E", "-dD", src]).stdout
        cur = None
        code = {k: [] for k in HEADERS}
        marker = re.compile(r'^# \d+ "(.*)"')
        define = re.compile(r"^#define (\w+)(\(([^)]*)\))?(?: (.*))?$")
        for line in text.split("\n"):
            m = marker.match(line)
            if m:
                cur = self.key_of(m.group(1)) if not m.group(1).startswith("<") else None
                continue
            if cur is None:
                continue
            if line.startswith("#define "):
                d = define.match(line)
                if not d:
                    raise Fail("cannot parse: " + line)
                name = d.group(1)
                if name == self.guards.get(cur):
                    continue
                params = None
                if d.group(2) is not None:
                    params = [p.strip() for p in d.group(3).split(",") if p.strip()]
                self.macros[name] = (params, (d.group(4) or "").strip(), cur)
            elif line.startswith("#undef "):
                self.macros.pop(line.split()[1], None)
            elif not line.startswith("#"):
                code[cur].append(line)
        for key, lines in code.items():
            body = "\n".join(lines)
            for m in re.finditer(r"\benum\s*(\w*)\s*\{([^}]*)\}", body):
                for item in m.group(2).split(","):
                    ident = item.split("=")[0].strip()
                    if ident:
                        self.enumerators[ident] = key
            for m in re.finditer(r"\b(struct|union|enum)\s+(\w+)\s*\{", body):
                self.tags["%s %s" % (m.group(1), m.group(2))] = key
            # typedef names (the headers have none today; one appearing on
            # either side must not go unnoticed): the last identifier before ";"
            for m in re.finditer(r"\btypedef\b[^;]*?(\w+)\s*(?:\[[^;]*\])?\s*;", body):
                self.tags["typedef " + m.group(1)] = key

    # -- step 4: values --
    def expressions(self):
        """(label, C expression) for everything whose value is compared."""
        exprs = []
        for name, (params, _, _) in sorted(self.macros.items()):
            if params is None:
                exprs.append((name, name))
            else:
                for t in ARG_TUPLES:
                    args = ",".join(str(a) for a in t[:len(params)])
                    exprs.append(("%s(%s)" % (name, args), "%s(%s)" % (name, args)))
        for name in sorted(self.enumerators):
            exprs.append(("enum:" + name, name))
        for tag in sorted(self.tags):
            ctype = tag[8:] if tag.startswith("typedef ") else tag
            exprs.append(("sizeof(%s)" % tag, "sizeof(%s)" % ctype))
            exprs.append(("_Alignof(%s)" % tag, "_Alignof(%s)" % ctype))
        return exprs

    def evaluate(self):
        exprs = self.expressions()
        pending = list(exprs)
        failed = []
        for _ in range(6):
            head = "#include <errno.h>\n#include <stdio.h>\n" + include_block()
            head += ("struct abi_val { const char *l; unsigned long long v; "
                     "unsigned long long sz; int sg; };\n"
                     "static const struct abi_val abi_vals[] = {\n")
            first = head.count("\n") + 1
            lines = ['{ "%s", (unsigned long long)(%s), sizeof(%s), (%s) * 0 - 1 < 0 },'
                     % (label, e, e, e) for label, e in pending]
            tail = ("{ 0, 0, 0, 0 } };\nint main(void)\n{\n"
                    "\tconst struct abi_val *p;\n\n"
                    "\tfor (p = abi_vals; p->l; p++)\n"
                    "\t\tprintf(\"%s %llu %llu %d\\n\", p->l, p->v, p->sz, p->sg);\n"
                    "\treturn 0;\n}\n")
            src = self.write("eval.c", head + "\n".join(lines) + "\n" + tail)
            exe = os.path.join(self.dir, "eval")
            p = self.cc(["-w", "-fmax-errors=0", "-o", exe, src], check=False)
            if p.returncode == 0:
                break
            bad = set()
            # errors inside a macro are reported at the header, with notes
            # pointing at the line of eval.c that expanded it
            for m in re.finditer(r"eval\.c:(\d+):\d+: (?:error|note)", p.stderr):
                idx = int(m.group(1)) - first
                if 0 <= idx < len(pending):
                    bad.add(idx)
            if not bad:
                raise Fail("%s: evaluation program does not build:\n%s" % (self.name, p.stderr))
            failed += [pending[i] for i in sorted(bad)]
            pending = [x for i, x in enumerate(pending) if i not in bad]
        else:
            raise Fail("%s: evaluation program still fails" % self.name)
        for line in run([exe]).stdout.splitlines():
            label, v, sz, sg = line.rsplit(" ", 3)
            self.values[label] = ("int", int(v), int(sz), int(sg))
        self.expand_text(failed)

    def expand_text(self, items):
        """Full preprocessor expansion of the items that are not integers."""
        if not items:
            return
        body = include_block()
        body += "".join("__abi_mark_%d %s\n" % (i, e) for i, (_, e) in enumerate(items))
        body += "__abi_mark_end\n"
        src = self.write("expand.c", body)
        out = self.cc(["-E", "-P", src]).stdout
        parts = re.split(r"__abi_mark_(\w+)", out)
        got = {}
        for i in range(1, len(parts) - 1, 2):
            if parts[i] != "end":
                got[int(parts[i])] = parts[i + 1]
        for i, (label, _) in enumerate(items):
            self.values[label] = ("text", normalise_tokens(got.get(i, "?")))

    # -- step 5: layouts --
    def layouts_from_gdb(self):
        if not self.tags:
            return
        tags = sorted(self.tags)
        decls = "".join("%s abi_var_%d;\n" % (t[8:] if t.startswith("typedef ") else t, i)
                        for i, t in enumerate(tags))
        src = self.write("types.c", include_block() + decls)
        obj = os.path.join(self.dir, "types.o")
        self.cc(["-g", "-O0", "-c", "-o", obj, src])
        cmds = "".join("echo @@abi@@ %s\\n\nptype /o %s\n" %
                       (t, t[8:] if t.startswith("typedef ") else t) for t in tags)
        cmdfile = self.write("gdb.cmd", cmds)
        out = run([GDB, "-q", "-batch", "-nx", "-x", cmdfile, obj]).stdout
        cur = None
        buf = {}
        for line in out.splitlines():
            if line.startswith("@@abi@@ "):
                cur = line[8:].strip()
                buf[cur] = []
                continue
            if cur is not None:
                line = line.rstrip()
                if line:
                    buf[cur].append(re.sub(r"\s+", " ", line))
        for t in tags:
            self.layouts[t] = "\n".join(buf.get(t, ["<missing>"]))

    def build(self):
        self.resolve()
        if len(self.files) != len(HEADERS):
            return
        self.scan()
        self.evaluate()
        self.layouts_from_gdb()


TOKEN = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|[A-Za-z_]\w*|'
                   r'\.?\d(?:[eEpP][+-]|[\w.])*|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|'
                   r'\|\||##|\S')
INTLIT = re.compile(r"^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)([uUlL]*)$")


def normalise_tokens(text):
    """Token sequence with integer literals spelt in one canonical way."""
    out = []
    for tok in TOKEN.findall(text):
        m = INTLIT.match(tok)
        if m:
            suffix = "".join(sorted(m.group(2).upper()))
            tok = "%d%s" % (int(m.group(1), 0), suffix)
        out.append(tok)
    return " ".join(out)


def describe(v):
    if v is None:
        return "absent"
    if v[0] == "int":
        return "%#x (size %d, %s)" % (v[1], v[2], "signed" if v[3] else "unsigned")
    return "text [%s]" % v[1]


class Tap:
    def __init__(self, quiet_ok):
        self.n = 0
        self.failed = 0
        self.quiet_ok = quiet_ok
        self.lines = []

    def point(self, ok, text, diags=()):
        self.n += 1
        if not ok:
            self.failed += 1
        if ok and self.quiet_ok:
            return
        self.lines.append("%sok %d - %s" % ("" if ok else "not ", self.n, text))
        for d in diags:
            self.lines.append("# " + d)


def compare(sysset, ours, tap):
    # setup sanity
    for hs in (sysset, ours):
        tap.point(not hs.problems, "%s headers resolve and have include guards" % hs.name,
                  hs.problems)
    if sysset.problems or ours.problems:
        return
    for hs in (sysset, ours):
        tap.point(len(hs.macros) > 100 and len(hs.tags) > 50,
                  "%s headers yield %d macros, %d enumerators, %d tags" %
                  (hs.name, len(hs.macros), len(hs.enumerators), len(hs.tags)))

    # macros, one test point per header (the header the system defines them in)
    for key in HEADERS:
        names = sorted(n for n, m in sysset.macros.items() if m[2] == key)
        extra = sorted(n for n, m in ours.macros.items() if m[2] == key and
                       n not in sysset.macros)
        diags = []
        for n in names:
            sm = sysset.macros[n]
            om = ours.macros.get(n)
            if om is None:
                diags.append("%s: missing from ours" % n)
                continue
            if om[2] != key:
                diags.append("%s: defined in %s instead of %s" % (n, om[2], key))
            if (sm[0] is None) != (om[0] is None) or \
               (sm[0] is not None and len(sm[0]) != len(om[0])):
                diags.append("%s: parameters %r vs ours %r" % (n, sm[0], om[0]))
                continue
            labels = [n] if sm[0] is None else \
                ["%s(%s)" % (n, ",".join(str(a) for a in t[:len(sm[0])])) for t in ARG_TUPLES]
            for label in labels:
                sv = sysset.values.get(label)
                ov = ours.values.get(label)
                if sv != ov:
                    diags.append("%s: system %s, ours %s" % (label, describe(sv), describe(ov)))
        for n in extra:
            diags.append("%s: defined by ours only" % n)
        tap.point(not diags, "%d macros of %s: present, same value, same header%s" %
                  (len(names), key, ", nothing extra" if not extra else ""), diags)

    # enumerators
    diags = []
    for n in sorted(set(sysset.enumerators) | set(ours.enumerators)):
        sv = sysset.values.get("enum:" + n) if n in sysset.enumerators else None
        ov = ours.values.get("enum:" + n) if n in ours.enumerators else None
        if sv != ov:
            diags.append("%s: system %s, ours %s" % (n, describe(sv), describe(ov)))
        elif sysset.enumerators[n] != ours.enumerators[n]:
            diags.append("%s: in %s, ours in %s" % (n, sysset.enumerators[n],
                                                  ours.enumerators[n]))
    tap.point(not diags, "%d enumerators: same names, values and headers" %
              len(sysset.enumerators), diags)

    # tags: the sets first, then one test point per type
    missing = sorted(set(sysset.tags) - set(ours.tags))
    extra = sorted(set(ours.tags) - set(sysset.tags))
    tap.point(not missing and not extra, "%d struct/union/enum tags and typedefs: none missing, "
              "none extra" %
              len(sysset.tags), ["missing: " + t for t in missing] + ["extra: " + t for t in extra])
    for tag in sorted(set(sysset.tags) & set(ours.tags)):
        diags = []
        if sysset.tags[tag] != ours.tags[tag]:
            diags.append("defined in %s, ours in %s" % (sysset.tags[tag], ours.tags[tag]))
        for what in ("sizeof(%s)" % tag, "_Alignof(%s)" % tag):
            sv = sysset.values.get(what)
            ov = ours.values.get(what)
            if sv != ov:
                diags.append("%s: system %s, ours %s" % (what, describe(sv), describe(ov)))
        sl = sysset.layouts.get(tag, "").split("\n")
        ol = ours.layouts.get(tag, "").split("\n")
        if sl != ol:
            shown = 0
            for i in range(max(len(sl), len(ol))):
                a = sl[i] if i < len(sl) else "<end>"
                b = ol[i] if i < len(ol) else "<end>"
                if a != b:
                    diags.append("layout line %d: system [%s] ours [%s]" % (i + 1, a, b))
                    shown += 1
                    if shown >= 4:
                        diags.append("...")
                        break
        size = sysset.values.get("sizeof(%s)" % tag)
        tap.point(not diags, "%s: size %s, alignment, every member's offset, size, type "
                  "and name" % (tag, size[1] if size else "?"), diags)


# ---------------------------------------------------------------------------
# Compile checks beyond the comparison
# ---------------------------------------------------------------------------

def kbuild_dir():
    """The kbuild tree to test kernel context against: $KDIR, else the newest 6.1."""
    if os.environ.get("KDIR"):
        return os.environ["KDIR"]
    base = "/lib/modules"
    found = []
    if os.path.isdir(base):
        for v in os.listdir(base):
            d = os.path.join(base, v, "build")
            if v.startswith("6.1.") and os.path.isfile(os.path.join(d, "Makefile")):
                found.append(([int(x) if x.isdigit() else 0
                               for x in re.split(r"[.-]", v)], d))
    return max(found)[1] if found else None


def kernel_uapi_dir(kb):
    """include/uapi of the kernel sources behind a kbuild tree (Debian splits them)."""
    if kb is None:
        return None
    real = os.path.realpath(kb)
    for d in (real, re.sub(r"-[a-z0-9]+$", "-common", real)):
        if os.path.isfile(os.path.join(d, "include/uapi/linux/kvm.h")):
            return d
    return None


KMOD_C = """// SPDX-License-Identifier: GPL-2.0-only
/* Generated by tests/abi: our UAPI headers first, then the kernel's own. */
#include <linux/module.h>
#include <linux/kvm.h>
#include <linux/kvm_para.h>
#include <asm/kvm.h>
#include <asm/kvm_para.h>
#include <uapi/linux/kvm.h>
#include <uapi/linux/kvm_para.h>
#include <uapi/asm/kvm.h>
#include <uapi/asm/kvm_para.h>
#include <linux/kvm_host.h>

static int __init abi_init(void)
{
	BUILD_BUG_ON(sizeof(struct kvm_run) != 2352);
	BUILD_BUG_ON(KVM_RUN != 0xae80);
	return 0;
}
module_init(abi_init);
MODULE_LICENSE("GPL");
"""


def compile_checks(ours, root, out, tap):
    incs = ours.incflags
    # every header on its own, strict warnings, C and C++
    for key in HEADERS:
        src = os.path.join(out, "alone.c")
        with open(src, "w") as f:
            f.write("#include <%s>\n" % key)
        p = run([CC] + incs + ["-fsyntax-only", "-Wall", "-Wextra", "-Werror", src],
                check=False)
        tap.point(p.returncode == 0, "ours: <%s> compiles on its own (-Wall -Wextra -Werror)"
                  % key, p.stderr.splitlines()[:8])
    src = os.path.join(out, "cxx.cc")
    with open(src, "w") as f:
        f.write(include_block())
    cxx = os.environ.get("CXX", "c++")
    p = run([cxx] + incs + ["-fsyntax-only", "-Wall", "-Werror", src], check=False)
    tap.point(p.returncode == 0, "ours: all four headers compile as C++", p.stderr.splitlines()[:8])

    # include guards: in kernel context a later include of the kernel's own copy
    # of a header must be a no-op, so our guard must be the one that copy uses
    kb = kbuild_dir()
    kdir = kernel_uapi_dir(kb)
    if kdir is None:
        tap.point(True, "include guards match the kernel's UAPI copies # SKIP no kernel headers")
    else:
        diags = []
        where = {"linux/kvm.h": "include/uapi/linux/kvm.h",
                 "linux/kvm_para.h": "include/uapi/linux/kvm_para.h",
                 "asm/kvm.h": "arch/x86/include/uapi/asm/kvm.h",
                 "asm/kvm_para.h": "arch/x86/include/uapi/asm/kvm_para.h"}
        for key in HEADERS:
            with open(os.path.join(kdir, where[key])) as f:
                m = re.search(r"^\s*#\s*ifndef\s+(\w+)", f.read(), re.M)
            kg = m.group(1) if m else None
            if kg != ours.guards.get(key):
                diags.append("%s: kernel guard %s, ours %s" % (key, kg, ours.guards.get(key)))
        tap.point(not diags, "include guards match the kernel's UAPI copies in %s" % kdir, diags)

    # kernel context: our headers found first, then the kernel's, in a module build
    if kb is None or os.environ.get("ABI_SKIP_KBUILD"):
        tap.point(True, "ours build in kernel context # SKIP no kbuild tree")
        return
    kmod = os.path.join(out, "kmod")
    os.makedirs(kmod, exist_ok=True)
    with open(os.path.join(kmod, "abi_kctx.c"), "w") as f:
        f.write(KMOD_C)
    with open(os.path.join(kmod, "Kbuild"), "w") as f:
        f.write("obj-m := abi_kctx.o\n"
                "LINUXINCLUDE := -I%s/include/uapi -I%s/arch/x86/include/uapi $(LINUXINCLUDE)\n"
                "ccflags-y := -Werror\n" % (root, root))
    # a clean environment: an outer make's jobserver flags do not carry over
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    p = run(["make", "-s", "-C", kb, "M=" + kmod, "modules"], check=False, env=env)
    msgs = [l for l in (p.stdout + p.stderr).splitlines() if "Skipping BTF" not in l]
    tap.point(p.returncode == 0 and not any("warning" in l for l in msgs),
              "ours build in kernel context before the kernel's copies, no warnings (%s)" % kb,
              msgs[:10])


# ---------------------------------------------------------------------------
# Self-check: break a copy of our headers and make sure the comparison notices
# ---------------------------------------------------------------------------

def _sub(pattern, repl, count=1):
    def f(text):
        return re.sub(pattern, repl, text, count=count, flags=re.M)
    return f


def _move_line(pattern, after):
    """Move the first line matching pattern to just after the line matching after."""
    def f(text):
        lines = text.split("\n")
        i = next(n for n, l in enumerate(lines) if re.search(pattern, l))
        line = lines.pop(i)
        j = next(n for n, l in enumerate(lines) if re.search(after, l))
        lines.insert(j + 1, line)
        return "\n".join(lines)
    return f


# (what, header, mutation, text the report must contain[, (header, mutation)...])
MUTATIONS = [
    ("constant value changed", "linux/kvm.h",
     _sub(r"^(#define\s+KVM_EXIT_NOTIFY\s+)37\b", r"\g<1>38"), "KVM_EXIT_NOTIFY:"),
    ("constant removed", "linux/kvm.h",
     _sub(r"^#define\s+KVM_CAP_XSAVE2\s.*\n", ""), "KVM_CAP_XSAVE2: missing"),
    ("constant added", "linux/kvm_para.h",
     _sub(r"^(#include <asm/kvm_para.h>)", "#define KVM_ABI_SELFTEST_EXTRA 1\n\\1"),
     "KVM_ABI_SELFTEST_EXTRA: defined by ours only"),
    ("constant moved to another header", "asm/kvm_para.h",
     _sub(r"^#define\s+KVM_HINTS_REALTIME\s.*\n", ""), "KVM_HINTS_REALTIME: defined in "
     "linux/kvm_para.h instead of asm/kvm_para.h",
     ("linux/kvm_para.h", _sub(r"^(#include <asm/kvm_para.h>)",
                               "#define KVM_HINTS_REALTIME 0\n\\1"))),
    ("ioctl direction changed", "linux/kvm.h",
     _sub(r"^(#define\s+KVM_GET_REGS\s+)_IOR\(", r"\g<1>_IOW("), "KVM_GET_REGS:"),
    ("function-like macro changed", "asm/kvm_para.h",
     _sub(r"\(n << 4\)", "(n << 5)"), "KVM_MAP_GPA_RANGE_ENC_STAT(1):"),
    ("string macro changed", "asm/kvm_para.h",
     _sub(r'"KVMKVMKVM', '"KVMKVMKVN'), "KVM_SIGNATURE:"),
    ("enumerator value changed", "linux/kvm.h",
     _sub(r"KVM_SEV_INIT = 0", "KVM_SEV_INIT = 1"), "KVM_SEV_INIT:"),
    ("field moved", "asm/kvm.h",
     _move_line(r"__u16\s+latched_count;", r"__u8\s+count_latched;"),
     "struct kvm_pit_channel_state: size"),
    ("member renamed", "asm/kvm.h",
     _sub(r"__u64 rip, rflags;", "__u64 rip, eflags;"), "struct kvm_regs: size"),
    ("member type changed, same size", "asm/kvm_para.h",
     _sub(r"__u32 version;", "__s32 version;"), "struct kvm_steal_time: size"),
    ("array shortened", "asm/kvm.h",
     _sub(r"(struct kvm_xcr xcrs\[KVM_MAX_XCRS\];\n\s*)__u64 padding\[16\];",
          r"\g<1>__u64 padding[15];"), "sizeof(struct kvm_xcrs): system 0x188"),
    ("bit-field width changed", "asm/kvm.h",
     _sub(r"__u8 delivery_mode:3;", "__u8 delivery_mode:2;"), "struct kvm_ioapic_state: size"),
    ("anonymous nested member renamed", "linux/kvm.h",
     _sub(r"__u8 insn_size;", "__u8 insn_len;"), "struct kvm_run: size"),
    ("typedef added", "asm/kvm.h",
     _sub(r"^(#endif /\* _ASM_X86_KVM_H \*/)", "typedef __u64 kvm_abi_selftest_t;\n\\1"),
     "extra: typedef kvm_abi_selftest_t"),
    ("structure removed", "linux/kvm.h",
     _sub(r"^struct kvm_vapic_addr \{[^}]*\};\n", ""), "missing: struct kvm_vapic_addr"),
    ("structure moved to another header", "linux/kvm.h",
     _sub(r"^struct kvm_vapic_addr \{[^}]*\};\n", ""), "defined in linux/kvm.h, ours in asm/kvm.h",
     ("asm/kvm.h", _sub(r"^(#endif /\* _ASM_X86_KVM_H \*/)",
                        "struct kvm_vapic_addr {\n\t__u64 vapic_addr;\n};\n\\1"))),
]

OUR_PATHS = {"linux/kvm.h": "include/uapi/linux/kvm.h",
             "linux/kvm_para.h": "include/uapi/linux/kvm_para.h",
             "asm/kvm.h": "arch/x86/include/uapi/asm/kvm.h",
             "asm/kvm_para.h": "arch/x86/include/uapi/asm/kvm_para.h"}


def self_check(sysset, root, out, tap):
    for n, (what, key, mutate, expect, *more) in enumerate(MUTATIONS):
        mroot = os.path.join(out, "mut%02d" % n)
        edits = dict([(key, mutate)] + list(more))
        for k, rel in OUR_PATHS.items():
            os.makedirs(os.path.dirname(os.path.join(mroot, rel)), exist_ok=True)
            with open(os.path.join(root, rel)) as f:
                text = f.read()
            if k in edits:
                try:
                    new = edits[k](text)
                except StopIteration:
                    new = text
                if new == text:
                    tap.point(False, "self-check: %s: the mutation of %s did not apply" %
                              (what, k))
                    break
                text = new
            with open(os.path.join(mroot, rel), "w") as f:
                f.write(text)
        else:
            mset = HeaderSet("mutant", ["-I" + os.path.join(mroot, "include/uapi"),
                                        "-I" + os.path.join(mroot, "arch/x86/include/uapi")],
                             mroot, must_be_under=os.path.realpath(mroot) + "/")
            inner = Tap(False)
            try:
                mset.build()
                compare(sysset, mset, inner)
                report = "\n".join(inner.lines)
            except Fail as e:
                inner.failed += 1
                report = str(e)
            found = expect in report
            tap.point(inner.failed > 0 and found,
                      "self-check: %s in %s is reported (%d failing points)" %
                      (what, key, inner.failed),
                      [] if found else ["expected to see: " + expect] +
                      [l for l in report.splitlines() if l.startswith(("not ok", "#"))][:10])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--ours-root", default=os.path.realpath(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")))
    ap.add_argument("--self-check", action="store_true",
                    help="also mutate copies of our headers and expect failures")
    ap.add_argument("--compile-checks", action="store_true",
                    help="also compile our headers alone, as C++ and in kernel context")
    a = ap.parse_args()

    root = os.path.realpath(a.ours_root)
    out = os.path.realpath(a.out)
    os.makedirs(out, exist_ok=True)

    sysset = HeaderSet("system", [], out, must_not_be_under=root + "/")
    sysset.build()
    ours = HeaderSet("ours", ["-I" + os.path.join(root, "include/uapi"),
                              "-I" + os.path.join(root, "arch/x86/include/uapi")],
                     out, must_be_under=root + "/")
    ours.build()

    tap = Tap(False)
    compare(sysset, ours, tap)
    if a.compile_checks and not ours.problems:
        compile_checks(ours, root, out, tap)
    if a.self_check and not sysset.problems:
        self_check(sysset, root, out, tap)
    print("TAP version 13")
    print("\n".join(tap.lines))
    print("1..%d" % tap.n)
    print("# abicheck: %d points, %d failed" % (tap.n, tap.failed))
    return 1 if tap.failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Fail as e:
        print("TAP version 13")
        print("not ok 1 - abicheck could not run")
        for line in str(e).splitlines():
            print("# " + line)
        print("1..1")
        sys.exit(2)
