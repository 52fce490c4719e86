"""ex02, database records without blocking.

Task, sentence by sentence → step: `ex02_view` mounted at ex02/ (find it) · async, the query off
the loop (require_async; Django's SynchronousOnlyOperation, with the async-unsafe variable
refused; any query on the loop's thread fails too, checks.py) · {"books": [{"title",
"published"}, …]} (exactly both fields, right values) · every Book (count) · in the model's
order (order) · without blocking (loop lag under 3 requests).
Hidden: other records (a book added for the case, then removed): a hard-coded list fails.
"""

import uuid

from course.grading import judging
from course.grading.judging import REQUESTS, Exercise
from course.grading.probes import (
    Failed,
    describe,
    json_of,
    require_async,
    require_safe_environment,
)
from course.grading.sources import helpers_of

NAME, ROUTE = "ex02_view", "ex02/"
FIELDS = ("title", "published")


def _expected_books():
    from django.db import connections

    from demo_project.catalog.models import Book

    try:
        return [dict(book) for book in Book.objects.values(*FIELDS)]
    finally:
        connections.close_all()


async def expected_books():
    from asgiref.sync import sync_to_async

    return await sync_to_async(_expected_books, thread_sensitive=False)()


def require_books(data, expected):
    books = data.get("books") if isinstance(data, dict) else None
    if not isinstance(books, list) or not all(isinstance(book, dict) for book in books):
        raise Failed(f'The JSON should be {{"books": [{{"title": …, "published": …}}, …]}}, '
                     f"got {describe(data)}.")
    missing = [f for f in FIELDS if any(f not in book for book in books)]
    if missing:
        raise Failed(f"Each book should have {' and '.join(FIELDS)}; some have no "
                     f"{' or '.join(missing)} (first book: {describe(books[:1])}). Include "
                     f"both fields: Book.objects.values({', '.join(map(repr, FIELDS))}).")
    extra = sorted({key for book in books for key in book} - set(FIELDS))
    if extra:
        raise Failed(f"Each book should have exactly {' and '.join(FIELDS)}, as the task says; "
                     f"some also have {', '.join(map(str, extra))} (first book: "
                     f"{describe(books[:1])}). Ask for those two only: "
                     f"Book.objects.values({', '.join(map(repr, FIELDS))}).")
    if len(books) != len(expected):
        raise Failed(f"Expected all {len(expected)} books; got {len(books)}. Return every book, "
                     "each as {'title': …, 'published': …}, without slicing or filtering.")
    got = [{f: book[f] for f in FIELDS} for book in books]
    if sorted(got, key=repr) != sorted(expected, key=repr):
        raise Failed("The books' titles or years differ from the database's (first expected "
                     f"{describe(expected[:1])}, got {describe(got[:1])}). Read them from "
                     "the Book model on every request.")
    if got != expected:
        raise Failed(f"Expected the books in the model's order (by year published, then title), "
                     f"starting {[b['title'] for b in expected[:2]]}; got "
                     f"{[b['title'] for b in got[:2]]}. Keep the order the query gives.")
    return books


def _add_book(title):
    from django.db import connections

    from demo_project.catalog.models import Author, Book

    try:
        return Book.objects.create(title=title, published=1977,
                                   author=Author.objects.order_by("pk").first()).pk
    finally:
        connections.close_all()


def _remove_book(pk):
    from django.db import connections

    from demo_project.catalog.models import Book

    try:
        Book.objects.filter(pk=pk).delete()
    finally:
        connections.close_all()


async def other_records(context):
    """A book the view has never seen: a list typed into the view cannot contain it."""
    from asgiref.sync import sync_to_async

    pk = await sync_to_async(_add_book, thread_sensitive=False)(f"Hidden {uuid.uuid4().hex}")
    try:
        reply = await judging.get_within(f"/{ROUTE}", NAME)
        require_books(json_of(reply, NAME), await expected_books())
    finally:
        await sync_to_async(_remove_book, thread_sensitive=False)(pk)


async def judge(context):
    view = context.view(NAME, ROUTE)
    require_async(view, NAME, "await the database call (sync_to_async or the async ORM)")
    require_safe_environment(*helpers_of(view))
    books = require_books(json_of(await judging.get_within(f"/{ROUTE}", NAME), NAME),
                          await expected_books())
    context.note(f"one request: {len(books)} books with title and published, as expected")
    if context.hidden:
        await judging.hidden_case(context, "other records in the database",
                                  other_records(context))
    # Fast queries need not overlap; what matters is that none blocked the loop.
    run = await judging.require_concurrent(
        context, f"/{ROUTE}", view, NAME, f"your ex02_view: {REQUESTS} requests at once",
        overlap=False)
    return (f"All {len(books)} books, and {REQUESTS} concurrent requests answered in "
            f"{run.total_s:.2f} s with no SynchronousOnlyOperation.")


EXERCISE = Exercise("ex02", "database records without blocking", "ex02_database.ipynb", judge)
