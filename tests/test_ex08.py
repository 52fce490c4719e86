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
], ids=["persistent", "pool too big", "pool timeout too short", "pool with persistent"])
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

