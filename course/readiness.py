"""Is this machine ready for the course? Versions, the event loop, Django itself.

    course.environment()        # in a notebook: a table with a ✓ or ✗ per line
    python -m course environment   # in a terminal: the same, exit status 1 on a ✗
"""

import asyncio
import html
import importlib.metadata
import os
import sys
from dataclasses import dataclass

MIN_PYTHON = (3, 11)
PACKAGES = ("django", "asgiref", "httpx", "uvicorn", "waitress", "matplotlib", "ipywidgets",
            "nest-asyncio2", "ipykernel", "jupyterlab")


@dataclass
class Requirement:
    name: str
    value: str
    ok: bool
    hint: str = ""


def _version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _django_expected():
    major = int((_version("django") or "0").split(".")[0])
    if sys.version_info >= (3, 12):
        return major in (5, 6), "Django 5.2 or 6.x on Python 3.12+"
    return major == 5, "Django 5.2 LTS on Python 3.11 (Django 6 needs Python 3.12)"


def _checks():
    python = ".".join(map(str, sys.version_info[:3]))
    yield Requirement("Python", python, sys.version_info >= MIN_PYTHON, "the course needs Python 3.11+")
    for package in PACKAGES:
        version = _version(package)
        yield Requirement(package, version or "missing", version is not None,
                    "run `make lab` (or pip install -r requirements.txt)")
    ok, hint = _django_expected()
    yield Requirement("Django fits Python", "yes" if ok else "no", ok, hint)
    try:
        asyncio.get_running_loop()
        loop = "running (top-level await works here)"
    except RuntimeError:
        loop = "none in this thread (a script, not a notebook)"
    yield Requirement("event loop", loop, True)
    unsafe = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    yield Requirement("DJANGO_ALLOW_ASYNC_UNSAFE", "set" if unsafe else "not set", not unsafe,
                "unset it: it hides the SynchronousOnlyOperation errors the course shows you")
    yield _django_starts()


def _django_starts():
    try:
        from course.lab import setup

        lab = setup()
    except Exception as exc:
        return Requirement("Django starts", f"no: {type(exc).__name__}: {exc}", False,
                     "see the error; restart the kernel and run this cell first")
    return Requirement("Django starts", f"yes: {lab.books} books seeded in {lab.setup_s:.2f} s", True)


@dataclass
class Report:
    checks: list

    @property
    def ok(self):
        return all(c.ok for c in self.checks)

    def __repr__(self):
        lines = [f"{'✓' if c.ok else '✗'} {c.name:<26} {c.value}"
                 + ("" if c.ok else f"  → {c.hint}") for c in self.checks]
        verdict = "All set." if self.ok else "Something needs fixing (see → above)."
        return "\n".join([*lines, verdict])

    def _repr_html_(self):
        rows = "".join(
            f"<tr><td>{'✅' if c.ok else '❌'}</td><td>{html.escape(c.name)}</td>"
            f"<td>{html.escape(c.value)}</td><td>{'' if c.ok else html.escape(c.hint)}</td></tr>"
            for c in self.checks)
        verdict = "All set." if self.ok else "Something needs fixing: see the last column."
        return f"<table>{rows}</table><p><b>{verdict}</b></p>"


def environment():
    """Return a Report of versions, the event loop and whether Django starts."""
    return Report(list(_checks()))
