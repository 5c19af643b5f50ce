#!/usr/bin/env python3
"""Summarises PIT's mutations.xml per target for scripts/mutation.

usage: mutation_summary.py REPORTS_DIR EQUIVALENTS_FILE TARGET...

Prints `<target> <killed>/<total> <score>%` per target (killed = PIT's "detected": killed, timed out,
memory error), then the report paths, then every surviving or uncovered mutant that the equivalents
file does not explain, and every entry of the equivalents file that no longer matches a survivor.

Equivalents file: one mutant per line, `Class.method:line MUTATOR (description) | reason` (Class without the package
org.gapscope.; MUTATOR is PIT's mutator class name without the package and "Mutator"), # comments.
"""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def key(m):
    cls = m.findtext("mutatedClass").removeprefix("org.gapscope.")
    mut = m.findtext("mutator").rsplit(".", 1)[-1].removesuffix("Mutator")
    return f"{cls}.{m.findtext('mutatedMethod')}:{m.findtext('lineNumber')} {mut} ({m.findtext('description')})"


def main():
    reports, equivalents_file, targets = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
    explained = {}
    if equivalents_file.exists():
        for line in equivalents_file.read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                k, _, reason = line.partition("|")
                explained[k.strip()] = reason.strip()
    lines, notes, paths, unexplained, used = [], [], [], [], set()
    for t in targets:
        xml = reports / t / "mutations.xml"
        muts = ET.parse(xml).getroot().findall("mutation")
        killed = sum(1 for m in muts if m.get("detected") == "true")
        total = len(muts)
        score = 100.0 * killed / total if total else 100.0
        timed_out = sum(1 for m in muts if m.get("status") == "TIMED_OUT")
        no_cov = sum(1 for m in muts if m.get("status") == "NO_COVERAGE")
        lines.append(f"{t} {killed}/{total} {score:.1f}%")
        notes.append(f"{t}: {timed_out} of the killed timed out, {no_cov} not covered by any test")
        paths.append(f"{t}: {reports / t / 'index.html'} {xml}")
        for m in muts:
            if m.get("detected") == "true":
                continue
            k = key(m)
            if k in explained:
                used.add(k)
            else:
                unexplained.append(f"{t} {m.get('status')} {k}")
    print("\n".join(lines))
    print("\n".join(notes))
    print("reports:")
    print("\n".join(paths))
    if unexplained:
        print(f"survivors not in {equivalents_file.name} ({len(unexplained)}):")
        print("\n".join(sorted(set(unexplained))))
    stale = [k for k in explained if k not in used and any(k.startswith(p) for p in prefixes(targets))]
    if stale:
        print(f"entries of {equivalents_file.name} that match no survivor ({len(stale)}):")
        print("\n".join(stale))


def prefixes(targets):
    return [t + "." for t in targets]


if __name__ == "__main__":
    main()
