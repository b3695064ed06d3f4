#!/usr/bin/env python3
"""check-includes.py: fail when modules include each other in a circle.

A module is a source file's name without its extension (run.c and run.h are the module "run").
Module A depends on B when a file of A has `#include "B.h"`. Any cycle in that graph is printed
(A -> B -> ... -> A, with the file and line of each include) and the exit status is 1.

usage: scripts/check-includes.py [FOLDER ...]   (default: common daemon client)
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)\.h"')


def graph(root, folders):
    """Edges module -> {module: (file, line)} of the project's own headers."""
    files = []
    for folder in folders:
        for dirpath, _, names in os.walk(os.path.join(root, folder)):
            files += [os.path.join(dirpath, n) for n in names if n.endswith((".c", ".h"))]
    modules = {os.path.splitext(os.path.basename(f))[0] for f in files}
    edges = {m: {} for m in modules}
    for f in files:
        mod = os.path.splitext(os.path.basename(f))[0]
        with open(f, errors="replace") as fp:
            for lineno, line in enumerate(fp, 1):
                m = INCLUDE.match(line)
                if m and m.group(1) in modules and m.group(1) != mod:
                    edges[mod].setdefault(m.group(1), (os.path.relpath(f, root), lineno))
    return edges


def cycles(edges):
    """Every elementary cycle found by depth-first search, each once (from its smallest module)."""
    found = []
    seen = set()

    def visit(start, node, path):
        for nxt in sorted(edges[node]):
            if nxt == start:
                cyc = path + [start]
                key = frozenset(zip(cyc, cyc[1:]))
                if key not in seen:
                    seen.add(key)
                    found.append(cyc)
            elif nxt > start and nxt not in path:
                visit(start, nxt, path + [nxt])

    for start in sorted(edges):
        visit(start, start, [start])
    return found


def main():
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
    folders = sys.argv[1:] or ["common", "daemon", "client"]
    edges = graph(root, folders)
    found = cycles(edges)
    for cyc in found:
        print("include cycle: " + " -> ".join(cyc))
        for a, b in zip(cyc, cyc[1:]):
            where, line = edges[a][b]
            print("  %s:%d includes %s.h" % (where, line, b))
    if found:
        return 1
    print("no include cycles among %d modules in %s" % (len(edges), ", ".join(folders)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
