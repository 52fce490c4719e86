"""ex08 both ways: the pool solution passes; the untouched settings and wrong fixes fail, each
with the reason; without PostgreSQL the check fails with how to install it, never passes."""

import os
import sys
from pathlib import Path

import pytest

import course
from course import postgres

sys.path.insert(0, str(Path(__file__).parent))
from test_checks import load  # noqa: E402

needs_postgres = pytest.mark.skipif(
    not postgres.available() and os.environ.get("CI") != "true",
    reason="PostgreSQL is not installed (CI installs it and runs these)")

POOL = {"min_size": 2, "max_size": 8, "timeout": 20}


def check(namespace, **kwargs):
    result = course.check("ex08", namespace=namespace, plot=False, **kwargs)
    print(repr(result))
    return result


@needs_postgres
def test_the_solution_passes_also_the_graders_bigger_burst():
    namespace = load("ex08")
    assert check(namespace).passed
    assert check(namespace, hidden=True).passed


@needs_postgres
def test_the_untouched_exercise_fails_with_too_many_clients():
    result = check(load("ex08", "exercises"))
    assert not result.passed and "too many clients" in result.message
    assert result.message.startswith("Not solved yet")


@needs_postgres
@pytest.mark.parametrize(("settings", "message"), [
    ({"CONN_MAX_AGE": None}, "too many clients"),  # persistent connections
    ({"OPTIONS": {"pool": {**POOL, "max_size": 15}}}, "used 15 connections"),  # pool too big
    ({"OPTIONS": {"pool": {**POOL, "timeout": 0.2}}}, "PoolTimeout"),  # gives up too soon
    ({"CONN_MAX_AGE": 600, "OPTIONS": {"pool": POOL}}, "CONN_MAX_AGE must be 0"),
    ({"OPTIONS": {"pool": {"min_size": 1, "max_size": 1, "timeout": 60}}},
     "let it use at least 5 connections"),  # never fails, but serialises the burst
    ({"OPTIONS": {"pool": {"max_size": 3}}}, "min_size defaults to 4"),  # psycopg_pool refuses
], ids=["persistent", "pool too big", "pool timeout too short", "pool with persistent",
        "pool of one serialises", "max_size below the default min_size"])
def test_wrong_fixes_fail_and_say_why(settings, message):
    result = check({"DATABASE_SETTINGS": settings})
    assert not result.passed and message in result.message


@pytest.mark.parametrize(("value", "message"), [
    (None, "Set DATABASE_SETTINGS to a dict"),
    ({"ENGINE": "django.db.backends.sqlite3"}, "Remove ENGINE"),
    ({"OPTIONS": {"pool": object()}}, "plain values"),
])
def test_unusable_settings_are_explained_before_anything_starts(value, message):
    result = check({"DATABASE_SETTINGS": value})
    assert not result.passed and message in result.message


def test_without_postgresql_it_fails_and_says_how_to_install(monkeypatch):
    monkeypatch.setattr(postgres, "find_bindir", lambda: None)
    result = check({"DATABASE_SETTINGS": {"CONN_MAX_AGE": 0, "OPTIONS": {"pool": POOL}}})
    assert not result.passed and "apt-get install postgresql" in result.message



@needs_postgres
def test_a_request_the_client_gives_up_on_counts_as_failed(monkeypatch):
    from course.grading.exercises import ex08

    monkeypatch.setattr(ex08, "CLIENT_TIMEOUT_S", 0.1)  # shorter than the view's 0.3 s
    result = check(load("ex08"))
    assert not result.passed and "requests failed" in result.message
    assert "got no answer within 0.1 s" in result.message


def test_the_shipped_view_is_the_pristine_one():
    from course.grading.exercises import ex08_pristine

    assert ex08_pristine.changed() == [], (
        "demo_project/pg_urls.py's books view changed: update PRISTINE in ex08_pristine.py")


@pytest.mark.parametrize(("old", "new", "named"), [
    ("rows = await sync_to_async(_book_rows)()", "rows = []", "books()"),
    ('values("id", "title", "published", "author__name")', 'values("id")', "_book_rows()"),
    ('path("pg/books/", books,', 'path("pg/books/", counter,', 'path("pg/books/"'),
], ids=["view", "helper", "route"])
def test_an_edited_view_fails_before_anything_starts(tmp_path, monkeypatch, old, new, named):
    from course.grading.exercises import ex08_pristine

    source = ex08_pristine.FILE.read_text()
    assert old in source
    edited = tmp_path / "pg_urls.py"
    edited.write_text(source.replace(old, new))
    monkeypatch.setattr(ex08_pristine, "FILE", edited)
    monkeypatch.setattr(postgres, "find_bindir", lambda: "/usr/bin")  # never reached
    result = check(load("ex08"))
    assert not result.passed and "is not what the course provides" in result.message
    assert named in result.message
