"""The demo project is an ordinary Django project that also runs on its own."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from demo_project import settings

MANAGE = Path(__file__).resolve().parent.parent / "demo_project" / "manage.py"


def test_settings_are_safe_by_default():
    assert not settings.DEBUG or os.environ.get("DJANGO_DEBUG") == "1"
    assert set(settings.ALLOWED_HOSTS) <= {"127.0.0.1", "localhost", "[::1]", "testserver"}
    assert "insecure" in settings.SECRET_KEY or "DJANGO_SECRET_KEY" in os.environ


def test_manage_py_migrates_seeds_and_checks(tmp_path):
    env = {**os.environ, "DEMO_DB_PATH": str(tmp_path / "db.sqlite3")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    for args in (["migrate", "-v0"], ["seed_demo"], ["seed_demo"], ["check"]):
        done = subprocess.run([sys.executable, str(MANAGE), *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    assert "12 books" in subprocess.run(
        [sys.executable, str(MANAGE), "seed_demo"], env=env, capture_output=True, text=True,
        timeout=120).stdout


def test_no_migrations_are_missing(tmp_path):
    env = {**os.environ, "DEMO_DB_PATH": str(tmp_path / "db.sqlite3")}
    done = subprocess.run([sys.executable, str(MANAGE), "makemigrations", "--check", "--dry-run"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(("target", "status", "key"), [
    ("/upstream/weather/?delay_s=0", 200, "data"),
    ("/upstream/weather/?delay_s=0&fail=1", 503, "error"),
    ("/upstream/weather/?delay_s=99", 400, "error"),
    ("/authors/1/", 200, "books"),
    ("/authors/999/", 404, "error"),
    ("/books/async/", 200, "books"),
    ("/books/sync/", 200, "books"),
])
def test_demo_views_answer(lab, run, target, status, key):
    import course

    reply = run(course.get(target))
    assert reply.status == status and key in reply.json()
