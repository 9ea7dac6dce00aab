#!/usr/bin/env python3
"""readme_figures.py - check (or renew) the printed figures in README.md.

Every block of program output that README.md shows is framed by two markers:

    <!-- figures: migsim run --trace traces/samples/sort.mtr -->

        cpu0     records ...
        mmu0     TLB: ...

    <!-- /figures -->

The text after "figures:" is the command that prints it, as a user types it
(`migsim` is the built program; the command runs from the repository's top
folder; an `--out FILE` in it is dropped). The indented lines between the
markers are lines of its summary: the lines of the components the block
shows (a component's line and the indented lines under it), in the order
the program prints them. The `host` line, which measures the host and not
the simulated system, is compared up to its first word only.

    tools/readme_figures.py MIGSIM [--update] [--readme README.md]

Without --update: runs every block's command and exits 1 when a block
differs from what its command prints now (each difference is shown), or when
a block's command does not also appear in the README's text before the block
(so the command the reader sees is the one that was run). With --update:
writes the printed lines into the blocks instead.

A recipe, a series of shell commands a reader types, is framed the same way:

    <!-- recipe: sort.json mmu0.faults>0 mig.lost_writes=0 -->

        valgrind --tool=lackey ... sort traces/FORMAT.md > /dev/null
        migsim trace convert ...
        migsim run ... --out sort.json

    <!-- /recipe -->

Each recipe runs (bash, `set -e`) in a new folder that holds links to the
repository's top-level entries, with `migsim` first on PATH; then every
condition after the JSON file's name (STAT>N, STAT=N or STAT<N, on its
"stats" section) must hold. A recipe whose first program is not installed
is reported and skipped. --update leaves recipes as they are.

A C example is framed the same way around its fenced block:

    <!-- compile: exit=2 -->
    ```c
    ...
    ```
    <!-- /compile -->

With --lib LIBMIGSIM_A (and --cc CC, default cc), the block is compiled as
C11 with -Wall -Wextra -Werror against the public headers (the source
tree's, and the generated migsim/version.h in the include/ folder beside
LIBMIGSIM_A) and linked with the library: its #include lines go on top, and
a block without a main() becomes the body of one. The program then runs in
a new, empty folder and must end with the exit status given. Without --lib
compile blocks are skipped with a note.
"""
import os
import re
import shlex
import subprocess
import json
import shutil
import sys
import tempfile

OPEN = re.compile(r"^<!-- (figures|recipe|compile): (.+) -->\s*$")
COND = re.compile(r"^([\w.]+)([<=>])(-?[0-9.]+)$")
INDENT = "    "


def label_of(line):
    """The component a summary line belongs to: its first word, or None for an indented line."""
    return None if line.startswith(" ") or not line.strip() else line.split()[0]


def group(lines):
    """Summary lines as (label, [lines]) in order: a labelled line and the indented ones below it."""
    groups = []
    for line in lines:
        lab = label_of(line)
        if lab is None and groups:
            groups[-1][1].append(line)
        else:
            groups.append((lab, [line]))
    return groups


def select(output, labels):
    """The printed lines of the components named in labels, in printed order."""
    return [l for lab, ls in group(output) if lab in labels for l in ls]


def same(shown, printed):
    if shown.startswith("host ") and printed.startswith("host "):
        return True
    return shown == printed


def run(migsim, command, top):
    argv = shlex.split(command)
    if not argv or argv[0] != "migsim":
        raise SystemExit(f"readme_figures: a figures command starts with migsim: {command}")
    args, skip = [], False
    for a in argv[1:]:
        if skip:
            skip = False
        elif a == "--out":
            skip = True
        else:
            args.append(a)
    p = subprocess.run([migsim] + args, cwd=top, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit(f"readme_figures: `{command}` exited with status {p.returncode}")
    return p.stdout.splitlines()


def run_recipe(migsim, spec, commands, top, where):
    """Runs a recipe's commands; returns a list of what went wrong (empty: it holds)."""
    words = spec.split()
    stats_file, conds = words[0], words[1:]
    first = shlex.split(commands[0])[0] if commands else ""
    if first != "migsim" and shutil.which(first) is None:
        print(f"{where}: recipe skipped: {first} is not installed")
        return []
    with tempfile.TemporaryDirectory(prefix="readme_recipe.") as d:
        for name in os.listdir(top):
            if not name.startswith("."):
                os.symlink(os.path.join(top, name), os.path.join(d, name))
        bindir = os.path.join(d, ".bin")
        os.mkdir(bindir)
        os.symlink(migsim, os.path.join(bindir, "migsim"))
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
        script = "set -e\n" + "\n".join(commands) + "\n"
        p = subprocess.run(["bash", "-c", script], cwd=d, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            return [f"the recipe failed with status {p.returncode}:\n{p.stdout[-4000:]}"]
        with open(os.path.join(d, stats_file), encoding="utf-8") as f:
            stats = json.load(f)["stats"]
    wrong = []
    for c in conds:
        m = COND.match(c)
        if not m:
            raise SystemExit(f"{where}: bad recipe condition {c!r}")
        name, op, want = m.group(1), m.group(2), float(m.group(3))
        if name not in stats:
            wrong.append(f"{stats_file} has no statistic {name}")
            continue
        v = stats[name]
        ok = v > want if op == ">" else v < want if op == "<" else v == want
        if not ok:
            wrong.append(f"{name} is {v}, expected {op}{m.group(3)}")
    return wrong


def run_compile(spec, body, top, cc, lib, where):
    """Compiles and runs a C example; returns a list of what went wrong (empty: it holds)."""
    m = re.match(r"^exit=(\d+)$", spec)
    if not m:
        raise SystemExit(f"{where}: bad compile block {spec!r} (exit=N)")
    code = [l for l in body if not l.startswith("```")]
    if "main(" not in "\n".join(code):
        inc = [l for l in code if l.startswith("#include")]
        rest = [l for l in code if not l.startswith("#include")]
        code = ["#include <stdio.h>"] + inc + ["int main(void)", "{"] + rest + ["return 0;", "}"]
    with tempfile.TemporaryDirectory(prefix="readme_c.") as d:
        src, exe = os.path.join(d, "example.c"), os.path.join(d, "example")
        with open(src, "w", encoding="utf-8") as f:
            f.write("\n".join(code) + "\n")
        p = subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror",
                            "-I" + os.path.join(top, "libmigsim", "include"),
                            "-I" + os.path.join(os.path.dirname(os.path.abspath(lib)), "include"),
                            src, lib,
                            "-lcjson", "-lz", "-lm", "-llzma", "-lprotobuf-c", "-o", exe],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            return [f"the C example does not compile:\n{p.stdout[-4000:]}"]
        p = subprocess.run([exe], cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != int(m.group(1)):
            return [f"the C example exited with status {p.returncode}, expected {m.group(1)}:\n"
                    f"{p.stdout[-2000:]}"]
    return []


def main():
    argv = sys.argv[1:]
    update = "--update" in argv
    argv = [a for a in argv if a != "--update"]
    readme = None
    if "--readme" in argv:
        i = argv.index("--readme")
        readme = argv[i + 1]
        del argv[i:i + 2]
    opt = {"--lib": None, "--cc": "cc"}
    for o in opt:
        if o in argv:
            i = argv.index(o)
            opt[o] = argv[i + 1]
            del argv[i:i + 2]
    if len(argv) != 1:
        raise SystemExit("usage: readme_figures.py MIGSIM [--update] [--readme README.md] "
                         "[--lib LIBMIGSIM_A] [--cc CC]")
    migsim = os.path.abspath(argv[0])
    if not (os.path.isfile(migsim) and os.access(migsim, os.X_OK)):
        raise SystemExit(f"readme_figures: {argv[0]}: not an executable program "
                         "(usage: readme_figures.py MIGSIM [--update] [--readme README.md])")
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    readme = readme or os.path.join(top, "README.md")
    with open(readme, encoding="utf-8") as f:
        text = f.read().split("\n")

    out, bad, blocks, i = [], 0, 0, 0
    while i < len(text):
        m = OPEN.match(text[i])
        out.append(text[i])
        i += 1
        if not m:
            continue
        kind, spec = m.group(1), m.group(2).strip()
        start, close = i, f"<!-- /{kind} -->"
        while i < len(text) and text[i] != close:
            i += 1
        if i == len(text):
            raise SystemExit(f"{readme}:{start}: {kind} block without {close}")
        body = text[start:i]
        shown = [l[len(INDENT):] for l in body if l.startswith(INDENT)]
        blocks += 1
        where = f"{readme}:{start}"
        if kind in ("compile", "recipe"):  # checked, never rewritten
            out += body
            if update:
                continue
            if kind == "compile" and not opt["--lib"]:
                print(f"{where}: C example skipped (no --lib)")
                continue
            wrong = (run_compile(spec, body, top, opt["--cc"], opt["--lib"], where)
                     if kind == "compile" else run_recipe(migsim, spec, shown, top, where))
            for w in wrong:
                print(f"{where}: {kind}: {w}")
            bad += 1 if wrong else 0
            continue
        if spec not in "\n".join(text[:start - 1]):
            print(f"{where}: the command `{spec}` does not appear in the text before its figures")
            bad += 1
        labels = {lab for lab, _ in group(shown)}
        printed = select(run(migsim, spec, top), labels)
        if update:
            out += [""] + [INDENT + l for l in printed] + [""]
        else:
            out += body
            if len(shown) != len(printed) or not all(same(s, p) for s, p in zip(shown, printed)):
                bad += 1
                print(f"{where}: the figures of `{spec}` are stale; README shows:")
                print("\n".join("  - " + l for l in shown))
                print("the program prints now:")
                print("\n".join("  + " + l for l in printed))
    if blocks == 0:
        raise SystemExit(f"readme_figures: {readme} has no figures blocks")
    if update:
        with open(readme, "w", encoding="utf-8") as f:
            f.write("\n".join(out))
        print(f"readme_figures: {blocks} blocks written")
        return 0
    print(f"readme_figures: {blocks} blocks, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
