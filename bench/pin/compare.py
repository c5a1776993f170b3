#!/usr/bin/env python3
"""Checks a pinned tree against its original with PyYAML (the parser Ansible uses).

Usage: compare.py ORIGINAL_DIR PINNED_DIR FILE...   (FILE relative to the dirs)

Every YAML file must load to the same tree except pinned values: a scalar may only gain a
version (`=V`, `-V`, `==V`, `@V`), a digest (`@sha256:...`), have its action ref replaced by
a 40-hex commit, or change `latest` to `present`. Inside a Jinja expression the same holds for
each string literal (`{{ ["docker.io"] if x else [] }}` -> `{{ ["docker.io=V"] if x else [] }}`):
the quotes and brackets around a token must stay as they were. Prints one JSON line with counts.
"""
import json
import re
import sys

import yaml


class AnyTagLoader(yaml.SafeLoader):
    """SafeLoader that accepts Ansible's `!vault`, `!unsafe` and any other local tag."""


def _any(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


AnyTagLoader.add_multi_constructor("!", _any)
AnyTagLoader.add_multi_constructor("tag:", _any)

SUFFIX = re.compile(r"^(=|-|==|@)[^\s,]+$")
SHA = re.compile(r"^[0-9a-f]{40}$")


def token_ok(a, b):
    if a == b:
        return True
    if a == "latest" and b == "present":
        return True
    if a.endswith("=latest") and b.endswith("=present"):
        return True
    if b.startswith(a) and SUFFIX.match(b[len(a):]):
        return True
    if "@" in a and "@" in b:
        pa, _ = a.rsplit("@", 1)
        pb, rb = b.rsplit("@", 1)
        if pa == pb and SHA.match(rb):
            return True
    return False


# A token's quotes and brackets (a string literal inside a Jinja expression), kept apart.
WRAPPED = re.compile(r"""^([\"'\[\(]*)(.*?)([\"'\]\)]*)$""")


def wrapped_ok(a, b):
    la, ca, ra = WRAPPED.match(a).groups()
    lb, cb, rb = WRAPPED.match(b).groups()
    return la == lb and ra == rb and token_ok(ca, cb)


def scalar_ok(a, b):
    if not isinstance(a, str) or not isinstance(b, str):
        return a == b
    ta, tb = re.split(r"[\s,]+", a.strip()), re.split(r"[\s,]+", b.strip())
    return len(ta) == len(tb) and all(wrapped_ok(x, y) for x, y in zip(ta, tb))


def same(a, b, path, out):
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a.keys()) != list(b.keys()):
            out.append(f"{path}: keys differ")
            return
        for k in a:
            same(a[k], b[k], f"{path}.{k}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: length {len(a)} -> {len(b)}")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]", out)
    elif a != b:
        if scalar_ok(a, b):
            out.append(None)
        else:
            out.append(f"{path}: {a!r} -> {b!r}")


def main():
    orig, pinned, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    stats = {"yaml_files": 0, "values_changed": 0, "other_files": 0, "problems": []}
    for f in files:
        if not f.endswith((".yml", ".yaml")):
            stats["other_files"] += 1
            continue
        stats["yaml_files"] += 1
        try:
            with open(f"{orig}/{f}", encoding="utf-8") as fh:
                a = list(yaml.load_all(fh, Loader=AnyTagLoader))
            with open(f"{pinned}/{f}", encoding="utf-8") as fh:
                b = list(yaml.load_all(fh, Loader=AnyTagLoader))
        except yaml.YAMLError as e:
            stats["problems"].append(f"{f}: {e}")
            continue
        out = []
        if len(a) != len(b):
            out.append("document count differs")
        for da, db in zip(a, b):
            same(da, db, "$", out)
        stats["values_changed"] += sum(1 for o in out if o is None)
        stats["problems"].extend(f"{f}: {o}" for o in out if o is not None)
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
