#!/usr/bin/env python3
"""Lists the cycles among a crate's modules: each file is a module, and it
depends on every module it names (`use crate::a::b`, `super::x`, `crate::a::b::f`
in code, tests left out). A module naming its own children is not counted: a
module and the files below it are one room. Prints each cycle found, or that
there is none; exits 1 on a cycle. `make lint` runs it.

    python3 scripts/module-cycles.py src crates/worker/src
"""
import os
import re
import sys


def modules(root):
    """Module path (tuple) -> file, for every .rs file under `root`."""
    found = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), root)[:-3].split(os.sep)
            if rel[-1] in ("mod", "lib", "main"):
                rel = rel[:-1]
            found[tuple(rel)] = os.path.join(dirpath, name)
    return found


def strip_tests(text):
    """The file without its `#[cfg(test)] mod tests { ... }` (tests may use anything)."""
    at = text.find("#[cfg(test)]\nmod tests")
    return text if at < 0 else text[:at]


def deps(module, text, known):
    """The modules `module`'s text names."""
    out = set()
    text = re.sub(r"//.*", "", strip_tests(text))
    for path in re.findall(r"\b((?:crate|super|self)(?:::\w+)+)", text):
        parts = path.split("::")
        base = list(module)
        if parts[0] == "crate":
            base, rest = [], parts[1:]
        elif parts[0] == "self":
            rest = parts[1:]
        else:
            # `super` from a file module is its parent; leading supers climb.
            base = base[:-1]
            rest = parts[1:]
            while rest and rest[0] == "super":
                base, rest = base[:-1], rest[1:]
        # The longest known module prefix the path names.
        for n in range(len(rest), 0, -1):
            candidate = tuple(base + rest[:n])
            if candidate in known:
                if candidate != module and candidate[: len(module)] != module:
                    out.add(candidate)
                break
    # Braced imports: `use super::{a, b}` / `use crate::x::{y, z}`.
    for head, inner in re.findall(r"\b((?:crate|super)(?:::\w+)*)::\{([^}]*)\}", text):
        for item in re.findall(r"\b(\w+)", inner):
            out |= deps(module, f"{head}::{item}", known)
    return out


def cycles(graph):
    """Strongly connected components of more than one module."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def main(roots):
    bad = False
    for root in roots:
        known = modules(root)
        graph = {m: deps(m, open(f).read(), known) for m, f in known.items()}
        found = cycles(graph)
        name = lambda m: "::".join(m) or "(root)"
        if not found:
            print(f"{root}: no module cycle ({len(known)} modules)")
        for comp in found:
            bad = True
            print(f"{root}: cycle among {', '.join(sorted(name(m) for m in comp))}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["src", "crates/worker/src"]))
