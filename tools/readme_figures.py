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
compile blocks are skipped with a note. `name=NAME` after the exit status lets
`--extract NAME` print the program as compiled.

A recipe's folder holds a copy of the repository's tracked files, `build`
linking to the folder of the MIGSIM under test, and `../shared` linking to
the repository's `../shared` when there is one. Besides conditions on a
statistic, a condition `PATH~REGEX` holds when the file PATH (in the recipe's
folder) has a line matching REGEX.

The other examples are checked where they can be:

    <!-- usage -->        a synopsis: every option (--name) of an entry
                         ("migsim run ...", "mpirun ... migsim-sweep ...") must
                         appear in that program's `--help` text.
    <!-- ci -->           commands .ci/run runs: each line must be one of its lines
                         (with or without a leading `bash`/`exec bash`).
    <!-- layout -->       a listing of the tree: the first path of each line, and
                         the paths after commas beside it, must exist.
    <!-- project: NAME --> a file of an outside project (CMake lines, a shell
                         build, a C++ program): tests/install/test_install.sh
                         builds and runs it, taking it with `--extract NAME`
                         (its `extract NAME FILE` or `source_project NAME ...`);
                         the check is that it does.
    <!-- text -->         a drawing, not an example.

Every code block of the README (fenced, or indented by four spaces after a
blank line) must be inside one of these frames, or be the command of the
figures block that comes next; one that is not is reported, so no example
goes unchecked.

    tools/readme_figures.py MIGSIM --extract NAME [--readme README.md]

prints the project block NAME (or compile block name=NAME, as compiled) and
exits.
"""
import concurrent.futures
import os
import re
import shlex
import subprocess
import json
import shutil
import sys
import tempfile

OPEN = re.compile(r"^\s*<!-- (figures|recipe|compile|usage|ci|layout|project|text)(?:: (.+?))? -->\s*$")
COND = re.compile(r"^([\w.]+)([<=>])(-?[0-9.]+)$")
FILE_COND = re.compile(r"^([^~]+)~(.+)$")
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


def recipe_folder(d, top, migsim):
    """Fills d with what a recipe sees: the repository's tracked files (copied, so that a recipe
    writing docs/... leaves the repository alone), `build` linking to MIGSIM's folder, and
    `../shared` beside it when the repository has one. Returns the recipe's folder."""
    work = os.path.join(d, "repo")
    p = subprocess.run(["git", "-C", top, "ls-files", "-z"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    files = [f for f in p.stdout.decode().split("\0") if f] if p.returncode == 0 else []
    if files:
        for f in files:
            src, dst = os.path.join(top, f), os.path.join(work, f)
            if os.path.isfile(src):
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copy2(src, dst)
    else:  # not a git checkout: the top-level entries, linked
        os.makedirs(work)
        for name in os.listdir(top):
            if not name.startswith(".") and not name.startswith("build"):
                os.symlink(os.path.join(top, name), os.path.join(work, name))
    build = os.path.join(work, "build")
    if os.path.lexists(build):
        os.unlink(build)
    os.symlink(os.path.dirname(migsim), build)
    shared = os.path.join(os.path.dirname(top), "shared")
    if os.path.isdir(shared):
        os.symlink(shared, os.path.join(d, "shared"))
    return work


def check_conditions(work, stats_file, conds, where):
    """The conditions of a recipe on its statistics JSON and files; a list of what failed."""
    wrong, stats = [], None
    for c in conds:
        fm = FILE_COND.match(c)
        if fm and not COND.match(c):
            path = os.path.join(work, fm.group(1))
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    found = any(re.search(fm.group(2), line) for line in f)
            except OSError as e:
                wrong.append(f"{fm.group(1)}: {e.strerror}")
                continue
            if not found:
                wrong.append(f"{fm.group(1)} has no line matching {fm.group(2)!r}")
            continue
        m = COND.match(c)
        if not m:
            raise SystemExit(f"{where}: bad recipe condition {c!r}")
        if stats is None:
            with open(os.path.join(work, stats_file), encoding="utf-8") as f:
                stats = json.load(f)["stats"]
        name, op, want = m.group(1), m.group(2), float(m.group(3))
        if name not in stats:
            wrong.append(f"{stats_file} has no statistic {name}")
            continue
        v = stats[name]
        ok = v > want if op == ">" else v < want if op == "<" else v == want
        if not ok:
            wrong.append(f"{name} is {v}, expected {op}{m.group(3)}")
    return wrong


def run_recipe(migsim, spec, commands, top, where):
    """Runs a recipe's commands; returns a list of what went wrong (empty: it holds)."""
    words = spec.split()
    stats_file, conds = words[0], words[1:]
    first = commands[0].split()[0] if commands else ""
    if first != "migsim" and shutil.which(first) is None and \
            not os.access(os.path.join(os.path.dirname(migsim), os.path.basename(first)), os.X_OK):
        print(f"{where}: recipe skipped: {first} is not installed")
        return []
    with tempfile.TemporaryDirectory(prefix="readme_recipe.") as d:
        work = recipe_folder(d, top, migsim)
        bindir = os.path.join(d, ".bin")
        os.mkdir(bindir)
        for prog in os.listdir(os.path.dirname(migsim)):
            path = os.path.join(os.path.dirname(migsim), prog)
            if prog.startswith("migsim") and os.path.isfile(path) and os.access(path, os.X_OK):
                os.symlink(path, os.path.join(bindir, prog))
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
        script = "set -e\n" + "\n".join(commands) + "\n"
        p = subprocess.run(["bash", "-c", script], cwd=work, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            return [f"the recipe failed with status {p.returncode}:\n{p.stdout[-4000:]}"]
        return check_conditions(work, stats_file, conds, where)


def compile_spec(spec, where):
    """exit=N [name=NAME] of a compile block, as (N, NAME or None)."""
    m = re.match(r"^exit=(\d+)(?: name=([\w.-]+))?$", spec or "")
    if not m:
        raise SystemExit(f"{where}: bad compile block {spec!r} (exit=N [name=NAME])")
    return int(m.group(1)), m.group(2)


def c_program(body):
    """A C block as the program compiled: a block without main() becomes the body of one."""
    code = [l for l in body if not l.startswith("```")]
    if "main(" not in "\n".join(code):
        inc = [l for l in code if l.startswith("#include")]
        rest = [l for l in code if not l.startswith("#include")]
        code = ["#include <stdio.h>"] + inc + ["int main(void)", "{"] + rest + ["return 0;", "}"]
    return "\n".join(code) + "\n"


def run_compile(spec, body, top, cc, lib, where):
    """Compiles and runs a C example; returns a list of what went wrong (empty: it holds)."""
    want, _ = compile_spec(spec, where)
    with tempfile.TemporaryDirectory(prefix="readme_c.") as d:
        src, exe = os.path.join(d, "example.c"), os.path.join(d, "example")
        with open(src, "w", encoding="utf-8") as f:
            f.write(c_program(body))
        p = subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror",
                            "-I" + os.path.join(top, "libmigsim", "include"),
                            "-I" + os.path.join(os.path.dirname(os.path.abspath(lib)), "include"),
                            src, lib,
                            "-lcjson", "-lz", "-lm", "-llzma", "-lprotobuf-c", "-o", exe],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            return [f"the C example does not compile:\n{p.stdout[-4000:]}"]
        p = subprocess.run([exe], cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != want:
            return [f"the C example exited with status {p.returncode}, expected {want}:\n"
                    f"{p.stdout[-2000:]}"]
    return []


def synopsis_entries(lines):
    """A synopsis as entries: a line starting at the left margin and the lines indented under it."""
    entries = []
    for l in lines:
        if l.strip() and not l.startswith(" "):
            entries.append(l)
        elif l.strip() and entries:
            entries[-1] += " " + l.strip()
    return entries


def check_usage(migsim, lines):
    """Every option of each synopsis entry appears in its program's --help; what does not."""
    wrong = []
    for e in synopsis_entries(lines):
        words = shlex.split(e.replace("|", " | "))
        if words[0] == "mpirun":  # mpirun [its options] PROGRAM ...
            words = words[next(i for i, w in enumerate(words) if w.startswith("migsim")):]
        prog = os.path.join(os.path.dirname(migsim), words[0])
        if not os.access(prog, os.X_OK):
            print(f"usage: {words[0]} is not built here; its entry is not checked")
            continue
        # the program's --help, and its command's and subcommand's ("trace convert") when named
        subs = []
        for w in words[1:3]:
            if not re.match(r"^[a-z][a-z-]*$", w):
                break
            subs.append(w)
        helptext = "".join(
            subprocess.run([prog] + subs[:k] + ["--help"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True).stdout
            for k in range(min(len(subs), 1), len(subs) + 1))
        for opt in sorted(set(re.findall(r"--[a-z][a-z-]*", e))):
            if not re.search(re.escape(opt) + r"(?![a-z-])", helptext):
                wrong.append(f"`{' '.join([words[0]] + subs[:1])}` has no option {opt} in its --help")
    return wrong


def check_ci(lines, top):
    """Each command is a line of .ci/run; the commands that are not."""
    with open(os.path.join(top, ".ci", "run"), encoding="utf-8") as f:
        ci = {re.sub(r"^(exec\s+)?(bash\s+)?", "", l.strip()) for l in f if l.strip()}
    return [f"`{l.strip()}` is not a command of .ci/run" for l in lines
            if l.strip() and re.sub(r"^(bash\s+)", "", l.strip()) not in ci]


def check_layout(lines, top):
    """The paths a tree listing names that do not exist."""
    wrong = []
    for l in lines:
        if not l.strip() or l.startswith(" "):  # a description's continuation
            continue
        first = l.split()[0]
        paths = [first]
        rest = l[len(l) - len(l.lstrip()) + len(first):]
        while first.endswith(",") and rest.strip():  # "models/cpu_mmu/, iommu/": siblings
            first = rest.split()[0]
            rest = rest[rest.index(first) + len(first):]
            paths.append(os.path.join(os.path.dirname(paths[0].rstrip(",").rstrip("/")),
                                      first))
        for path in paths:
            path = path.rstrip(",")
            if not os.path.exists(os.path.join(top, path)):
                wrong.append(f"{path} does not exist")
    return wrong


def check_project(name):
    """The project block NAME is built by tests/install/test_install.sh (it extracts it)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(here, "tests", "install", "test_install.sh"), encoding="utf-8") as f:
        script = f.read()
    if not re.search(r"\b(extract|source_project)\s+" + re.escape(name) + r"\s", script):
        return [f"tests/install/test_install.sh does not build the project block {name} "
                f"(extract {name} FILE)"]
    return []


def code_blocks(text):
    """(first line index, last line index) of every code block: fenced, or indented by four spaces
    after a blank line; HTML comments are skipped."""
    blocks, i, n = [], 0, len(text)
    while i < n:
        l = text[i]
        if l.startswith("<!--") and "-->" not in l:
            while i < n and "-->" not in text[i]:
                i += 1
        elif l.lstrip().startswith("```"):
            j = i + 1
            while j < n and not text[j].lstrip().startswith("```"):
                j += 1
            blocks.append((i, j))
            i = j
        elif l.startswith(INDENT) and l.strip() and (i == 0 or not text[i - 1].strip()):
            j = i
            while j + 1 < n and (text[j + 1].startswith(INDENT) or
                                 (not text[j + 1].strip() and j + 2 < n and
                                  text[j + 2].startswith(INDENT) and not
                                  text[j + 2].lstrip().startswith("- "))):
                j += 1
            blocks.append((i, j))
            i = j
        i += 1
    return blocks


def frames(text):
    """(kind, spec, open line index, close line index) of every frame of the README."""
    out, i = [], 0
    while i < len(text):
        m = OPEN.match(text[i])
        if m:
            kind, spec, start, close = m.group(1), (m.group(2) or "").strip(), i, f"<!-- /{m.group(1)} -->"
            while i < len(text) and text[i].strip() != close:
                i += 1
            if i == len(text):
                raise SystemExit(f"README.md:{start + 1}: {kind} block without {close}")
            out.append((kind, spec, start, i))
        i += 1
    return out


def unchecked(text, fr):
    """Line numbers (1-based) of code blocks no frame covers."""
    bad = []
    for first, last in code_blocks(text):
        if any(s < first < e for _, _, s, e in fr):
            continue
        # the command of the figures block that comes next
        cmd = " ".join(l.strip() for l in text[first:last + 1] if l.strip())
        nxt = next((f for f in fr if f[2] > first), None)
        if nxt is not None and nxt[0] == "figures" and nxt[1] == cmd:
            continue
        bad.append(first + 1)
    return bad


def block_body(body):
    """The lines of a frame's code: a fenced block's lines, else the lines indented by four."""
    fence = [k for k, l in enumerate(body) if l.lstrip().startswith("```")]
    if len(fence) >= 2:
        pad = len(body[fence[0]]) - len(body[fence[0]].lstrip())
        return [l[pad:] for l in body[fence[0] + 1:fence[1]]]
    return [l[len(INDENT):] for l in body if l.startswith(INDENT)]


def extract(text, name):
    """The project block NAME, or compile block name=NAME as compiled; None if there is none."""
    for kind, spec, s, e in frames(text):
        body = text[s + 1:e]
        if kind == "project" and spec == name:
            return "\n".join(block_body(body)) + "\n"
        if kind == "compile" and compile_spec(spec, "README.md")[1] == name:
            return c_program(block_body(body))
    return None


def main():
    argv = sys.argv[1:]
    update = "--update" in argv
    argv = [a for a in argv if a != "--update"]
    opt = {"--lib": None, "--cc": "cc", "--readme": None, "--extract": None}
    for o in opt:
        if o in argv:
            i = argv.index(o)
            opt[o] = argv[i + 1]
            del argv[i:i + 2]
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    readme = opt["--readme"] or os.path.join(top, "README.md")
    with open(readme, encoding="utf-8") as f:
        text = f.read().split("\n")
    if opt["--extract"]:
        got = extract(text, opt["--extract"])
        if got is None:
            raise SystemExit(f"readme_figures: {readme} has no block {opt['--extract']}")
        sys.stdout.write(got)
        return 0
    if len(argv) != 1:
        raise SystemExit("usage: readme_figures.py MIGSIM [--update] [--readme README.md] "
                         "[--lib LIBMIGSIM_A] [--cc CC] | MIGSIM --extract NAME")
    migsim = os.path.abspath(argv[0])
    if not (os.path.isfile(migsim) and os.access(migsim, os.X_OK)):
        raise SystemExit(f"readme_figures: {argv[0]}: not an executable program "
                         "(usage: readme_figures.py MIGSIM [--update] [--readme README.md])")

    fr = frames(text)

    def work(kind, spec, start, close):
        """What a frame's check finds: the figures printed now, or the list of what is wrong."""
        body = text[start + 1:close]
        shown = block_body(body)
        where = f"{readme}:{start + 2}"
        if kind == "figures":
            return select(run(migsim, spec, top), {lab for lab, _ in group(shown)})
        if update or (kind == "compile" and not opt["--lib"]):
            return []
        return (run_compile(spec, body, top, opt["--cc"], opt["--lib"], where) if kind == "compile"
                else run_recipe(migsim, spec, shown, top, where) if kind == "recipe"
                else check_usage(migsim, shown) if kind == "usage"
                else check_ci(shown, top) if kind == "ci"
                else check_layout(shown, top) if kind == "layout"
                else check_project(spec) if kind == "project"
                else [])

    # the blocks are independent (each recipe runs in a folder of its own): check them at once
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        found = list(pool.map(lambda f: work(*f), fr))

    out, bad, last = [], 0, 0
    for (kind, spec, start, close), got in zip(fr, found):
        out += text[last:start + 1]
        last = close
        body = text[start + 1:close]
        shown = block_body(body)
        where = f"{readme}:{start + 2}"
        if kind != "figures":  # checked, never rewritten
            out += body
            if kind == "compile" and not opt["--lib"] and not update:
                print(f"{where}: C example skipped (no --lib)")
            for w in got:
                print(f"{where}: {kind}: {w}")
            bad += 1 if got else 0
            continue
        if spec not in "\n".join(text[:start]):
            print(f"{where}: the command `{spec}` does not appear in the text before its figures")
            bad += 1
        printed = got
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
    out += text[last:]
    if not fr:
        raise SystemExit(f"readme_figures: {readme} has no figures blocks")
    for line in unchecked(text, fr):
        print(f"{readme}:{line}: a code block that no frame checks (see tools/readme_figures.py)")
        bad += 1
    if update:
        with open(readme, "w", encoding="utf-8") as f:
            f.write("\n".join(out))
        print(f"readme_figures: {len(fr)} blocks written")
        return 0
    print(f"readme_figures: {len(fr)} blocks, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
