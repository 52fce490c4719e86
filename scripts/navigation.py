"""Write the navigation cell at the end of every course notebook, from the notebooks' order.

    python scripts/navigation.py          # rewrite the cells (numbered titles, prev/start/next)
    python scripts/navigation.py --check  # exit 1 if a notebook's navigation is out of date

Each notebook in notebooks/ gets "# NN — Title" as its heading and, as its last cell, a
markdown cell tagged `navigation`: ← previous · start · next →. The last notebook's next
link is the first exercise. Links written by hand at the end of a cell are replaced.
"""

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EXERCISES = ROOT / "exercises"
TAG = "navigation"
LINK_LINE = re.compile(r"^\s*\[.*\]\([^)]*\.(ipynb|md)\)[\s·]*(\[.*\]\([^)]*\)[\s·]*)*$")


def heading(number, source):
    """Return `source` with its first line as '# NN — Title' (numbered once)."""
    first, _, rest = source.partition("\n")
    title = re.sub(r"^#\s*(\d+\s*—\s*)?", "", first).strip()
    return f"# {number} — {title}\n{rest}" if rest else f"# {number} — {title}", title


def strip_navigation(cells):
    """Drop the old navigation: a tagged cell, or trailing link-only lines of the last cell."""
    while cells and TAG in cells[-1].metadata.get("tags", []):
        cells.pop()
    if cells and cells[-1].cell_type == "markdown":
        lines = cells[-1].source.rstrip().split("\n")
        while lines and (LINK_LINE.match(lines[-1]) or not lines[-1].strip()):
            lines.pop()
        if lines:
            cells[-1].source = "\n".join(lines)
        else:
            cells.pop()


def navigation_cell(links):
    cell = nbformat.v4.new_markdown_cell(" · ".join(links))
    cell.id = TAG  # a stable id, so that writing twice changes nothing
    cell.metadata["tags"] = [TAG]
    return cell


def plan():
    """Yield (path, new notebook) for every notebook in teaching order."""
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    books = [nbformat.read(p, as_version=4) for p in paths]
    titles = []
    for path, nb in zip(paths, books, strict=True):
        nb.cells[0].source, title = heading(path.name[:2], nb.cells[0].source)
        titles.append(f"{path.name[:2]} — {title}")
    exercises = sorted(EXERCISES.glob("*.ipynb"))
    for i, (path, nb) in enumerate(zip(paths, books, strict=True)):
        links = []
        if i > 0:
            links.append(f"[← {titles[i - 1]}]({paths[i - 1].name})")
        if i > 1:
            links.append(f"[Start]({paths[0].name})")
        if i + 1 < len(paths):
            links.append(f"[Next: {titles[i + 1]} →]({paths[i + 1].name})")
        elif exercises:
            links.append(f"[Next: try it yourself, the exercises →](../exercises/{exercises[0].name})")
        strip_navigation(nb.cells)
        nb.cells.append(navigation_cell(links))
        yield path, nb


def main(argv):
    check = "--check" in argv
    stale = []
    for path, nb in plan():
        new = nbformat.writes(nb) + "\n"
        if path.read_text() != new:
            stale.append(path.name)
            if not check:
                path.write_text(new)
    if check and stale:
        print("Navigation out of date in: " + ", ".join(stale))
        print("Run: python scripts/navigation.py")
        return 1
    print(("checked " if check else "wrote ") + f"navigation of {len(list(NOTEBOOKS.glob('[0-9]*.ipynb')))} notebooks")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
