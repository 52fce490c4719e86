"""The embedded Django project: configure, migrate and seed it inside this process.

    lab = course.setup()

It works from a notebook cell, where an event loop is already running: the database work
runs on a worker thread, because Django refuses synchronous ORM calls on the loop's thread.
Calling it again returns the same lab; `setup(reset=True)` re-seeds the database on purpose.
"""

import atexit
import html
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import django
from django.conf import settings

from course import _view_errors, routes

_lab = None


@dataclass
class Lab:
    """What `setup()` built: where the database lives and what is in it."""

    db_path: Path
    books: int
    setup_s: float
    overrides: dict

    def __repr__(self):
        return (
            f"Lab(Django {django.get_version()}, {self.books} books in {self.db_path}, "
            f"set up in {self.setup_s:.2f} s)"
        )

    def _repr_html_(self):
        return (
            f"<b>Embedded Django {html.escape(django.get_version())}</b> is ready: "
            f"{self.books} books in <code>{html.escape(str(self.db_path))}</code>, "
            f"set up in {self.setup_s:.2f} s. Mounted views: "
            f"<code>{html.escape(', '.join(routes.mounted()) or 'none yet')}</code>"
        )


def _settings_for(db_path, overrides):
    from demo_project import settings as project

    values = {name: getattr(project, name) for name in dir(project) if name.isupper()}
    values["DATABASES"] = {
        "default": {**project.DATABASES["default"], "NAME": str(db_path)},
    }
    values.update(
        DEBUG=True,  # a local notebook: detailed errors are what a learner needs
        ROOT_URLCONF="course.routes",
        LOGGING=_view_errors.LOGGING,
    )
    values.update(overrides)
    return values


def _on_worker_thread(function, *args):
    """Run sync database work on a fresh thread, which has no event loop, and wait."""

    def run():
        from django.db import connections

        try:
            return function(*args)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="course-setup") as pool:
        return pool.submit(run).result()


def _migrate_and_seed(reset):
    from django.core.management import call_command

    from demo_project.catalog.seed import seed

    call_command("migrate", verbosity=0, interactive=False)
    return seed(reset=reset)


def setup(*, reset=False, **overrides):
    """Configure, migrate and seed the demo project in this process; return the Lab.

    >>> lab = course.setup()                 # safe to run twice
    >>> lab = course.setup(reset=True)       # put the demo data back as it was

    Keyword arguments override settings (e.g. `MIDDLEWARE=[...]`) on the first call only.
    """
    global _lab
    if _lab is not None:
        if overrides and overrides != _lab.overrides:
            raise RuntimeError(
                "Django is already set up in this kernel with other settings, and settings "
                "cannot change once Django has started. Restart the kernel "
                "(Kernel → Restart Kernel) and run the cells again."
            )
        if reset:
            _lab.books = _on_worker_thread(_migrate_and_seed, True)
        return _lab
    if settings.configured:
        raise RuntimeError(
            "Django was already configured in this kernel by something else (for example "
            "a settings.configure(...) cell), so course.setup() cannot configure the demo "
            "project. Restart the kernel (Kernel → Restart Kernel) and run the cells again."
        )
    started = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix="django-async-course-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    # A file, not ":memory:": an in-memory SQLite database is private to one connection,
    # and Django opens one connection per thread.
    db_path = folder / "db.sqlite3"
    settings.configure(**_settings_for(db_path, overrides))
    django.setup()
    routes._rebuild()
    books = _on_worker_thread(_migrate_and_seed, reset)
    _lab = Lab(db_path, books, time.perf_counter() - started, dict(overrides))
    return _lab


def require_django():
    """Raise a clear error when Django has not been configured in this process yet."""
    if not settings.configured:
        raise RuntimeError(
            "Django is not set up in this kernel yet: run `lab = course.setup()` first."
        )
    from django.apps import apps

    if not apps.ready:
        django.setup()
