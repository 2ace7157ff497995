"""Print the outcome of ``mutmut run``: a score per module, then each survivor by file and line.

Run from the project root after ``mutmut run`` (``make mutate`` does both). A survivor is shown
as ``file:line  old -> new``, the form tests/mutation-equivalents.md uses, with mutmut's name
for ``mutmut show``. Uses mutmut's own reader of its results.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code
from mutmut.utils.file_utils import walk_mutatable_files

#: Counted as killed: a test failed, or the tests ran out of time (a hang is detected too).
DETECTED = ("killed", "timeout")


def function_line(source: str, mutant_name: str) -> int:
    """The line of the ``def`` of the function a mutant changes (1 when it is not found)."""
    # "pkg.mod.xǁClassǁmethod__mutmut_3" or "pkg.mod.x_function__mutmut_3"
    mangled = mutant_name.rpartition(".")[2].rpartition("__mutmut_")[0]
    if mangled.startswith("xǁ"):
        class_name, _, name = mangled[2:].partition("ǁ")
    else:
        class_name, name = "", mangled[2:]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == name:
                    return item.lineno
        if not class_name and isinstance(node, ast.FunctionDef) and node.name == name:
            return node.lineno
    return 1


def module_name(path: Path) -> str:
    """``path`` within the package (``signin/feature.py``): two subpackages have a feature.py."""
    parts = path.parts
    return (
        "/".join(parts[parts.index("flask_revstack_cognito") + 1 :])
        if "flask_revstack_cognito" in parts
        else path.name
    )


def describe(path: Path, mutant_name: str) -> tuple[int, str]:
    """The line of a mutant of ``path`` and ``file:line  old -> new``: its first changed line."""
    diff = get_diff_for_mutant(mutant_name, path=path).splitlines()
    old = next((line[1:].strip() for line in diff if line[:1] == "-" and line[:3] != "---"), "")
    new = next((line[1:].strip() for line in diff if line[:1] == "+" and line[:3] != "+++"), "")
    lines = path.read_text().splitlines()
    start = function_line("\n".join(lines), mutant_name)
    number = next(
        (index + 1 for index in range(start - 1, len(lines)) if lines[index].strip() == old),
        start,
    )
    return number, f"{module_name(path)}:{number}  {old}  ->  {new}"


def main() -> int:
    """Print the table and the survivors; the exit status is 0."""
    rows: list[tuple[str, Counter[str]]] = []
    survivors: list[tuple[str, int, str]] = []
    for path in sorted(walk_mutatable_files()):
        data = SourceFileMutationData(path=path)
        data.load()
        if not data.exit_code_by_key:
            continue  # nothing to mutate (an __init__.py that only imports)
        counts: Counter[str] = Counter()
        for name, exit_code in sorted(data.exit_code_by_key.items()):
            status = status_by_exit_code[exit_code]
            counts[status] += 1
            if status not in (*DETECTED, "not checked"):
                number, text = describe(path, name)
                short = name.rpartition(".")[2]
                survivors.append((module_name(path), number, f"  {text}    [{short}: {status}]"))
        rows.append((module_name(path), counts))
    total: Counter[str] = sum((counts for _, counts in rows), Counter())
    print(f"{'module':<26}{'killed':>8}{'timeout':>9}{'survived':>10}{'other':>7}{'total':>7}")
    for name, counts in [*rows, ("all", total)]:
        other = sum(counts.values()) - counts["killed"] - counts["timeout"] - counts["survived"]
        print(
            f"{name:<26}{counts['killed']:>8}{counts['timeout']:>9}{counts['survived']:>10}"
            f"{other:>7}{sum(counts.values()):>7}"
        )
    detected = total["killed"] + total["timeout"]
    # A run of some mutants only (make mutate MUTANTS=...) leaves the others not checked.
    checked = sum(total.values()) - total["not checked"]
    unchecked = f"; {total['not checked']} not checked" if total["not checked"] else ""
    print(
        f"mutation score {100 * detected / max(1, checked):.1f}% "
        f"({detected} of {checked} mutants killed or timed out{unchecked})"
    )
    print("survivors (each killed by a test, or equivalent: tests/mutation-equivalents.md):")
    print("\n".join(line for *_, line in sorted(survivors)) or "  none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
