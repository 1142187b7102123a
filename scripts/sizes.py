#!/usr/bin/env python3
"""Lists Rust files over 500 lines and functions over 80 lines in non-test code.

Usage: scripts/sizes.py [FOLDER ...]   (default: crates tests)

A file's lines are those before its first top-level `#[cfg(test)]`; `tests.rs` files, the
`tests/`, `benches/` and `examples/` folders inside a crate and `target/` are skipped (the
workspace's own `tests` crate, the proof harness and the load binaries, is measured). Prints
`FILE <lines> <path>` and `FN <lines> <path> <name> <line>`; nothing when everything is within.
Functions are found by their `fn` line and matched braces, which is exact for rustfmt'd code.
"""
import os
import re
import sys

FILE_LIMIT, FN_LIMIT = 500, 80
FN_START = re.compile(r"\s*(pub(\([^)]*\))?\s+)?(async\s+)?(const\s+)?(unsafe\s+)?fn\s+(\w+)")
STRING = re.compile(r'"(\\.|[^"\\])*"')
CHAR = re.compile(r"'(\\.|[^'\\])'")


def skipped(root, folder):
    rel = os.path.relpath(folder, root)
    parts = rel.split(os.sep)
    if "target" in parts or "node_modules" in parts:
        return True
    # a crate's own tests, benches and examples (but not the top-level `tests` crate itself)
    return any(p in ("tests", "benches", "examples") for p in parts[1:]) or (
        rel != "." and parts[0] in ("benches", "examples")
    )


def code_lines(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    for i, line in enumerate(lines):
        if line.startswith("#[cfg(test)]"):
            return lines[:i]
    return lines


def long_functions(lines):
    i = 0
    while i < len(lines):
        m = FN_START.match(lines[i])
        if not m:
            i += 1
            continue
        depth, started, j = 0, False, i
        while j < len(lines):
            text = CHAR.sub("''", STRING.sub('""', lines[j])).split("//")[0]
            for ch in text:
                if ch == "{":
                    depth, started = depth + 1, True
                elif ch == "}":
                    depth -= 1
            if (started and depth <= 0) or (not started and text.rstrip().endswith(";")):
                break
            j += 1
        if started and j - i + 1 > FN_LIMIT:
            yield j - i + 1, m.group(6), i + 1
        i = j + 1 if started else i + 1


def main(roots):
    files, fns = [], []
    for root in roots:
        for folder, _, names in os.walk(root):
            if skipped(root, folder):
                continue
            for name in names:
                if not name.endswith(".rs") or name == "tests.rs":
                    continue
                path = os.path.join(folder, name)
                lines = code_lines(path)
                if len(lines) > FILE_LIMIT:
                    files.append((len(lines), path))
                fns.extend((n, path, fn, at) for n, fn, at in long_functions(lines))
    for n, path in sorted(files):
        print("FILE", n, path)
    for n, path, fn, at in sorted(fns):
        print("FN", n, path, fn, at)


if __name__ == "__main__":
    main(sys.argv[1:] or ["crates", "tests"])
