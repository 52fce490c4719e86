"""The PostgreSQL lesson's views (notebook 14), under /pg/, beside all of the demo's URLs.

The settings use this URLconf when DEMO_URLCONF=demo_project.pg_urls (course.postgres sets
it); every view here needs DATABASES["default"] to be PostgreSQL.
"""

import asyncio
import logging
import sys
import time

from asgiref.sync import sync_to_async
from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import path

from demo_project.catalog.models import Book
from demo_project.params import BadParameter, delay_from
from demo_project.stamping import stamp_view
from demo_project.urls import urlpatterns as demo_urlpatterns

# Failed requests (e.g. "too many clients") go to stderr, which is the server's log: with
# DEBUG off, Django's default logging would only mail them to ADMINS.
logging.getLogger("django.request").addHandler(logging.StreamHandler(sys.stderr))


def _book_rows():
    return list(Book.objects.values("id", "title", "published", "author__name"))


@stamp_view
async def books(request):
    """Read the books, then wait `?delay_s=` (an upstream call, say) before answering."""
    try:
        delay_s = delay_from(request, default_s=0.0)
    except BadParameter as error:
        return error.response()
    rows = await sync_to_async(_book_rows)()
    # The query is over, but this request's thread keeps its connection open until the
    # request finishes: Django closes (or keeps) it on the request_finished signal.
    await asyncio.sleep(delay_s)
    return JsonResponse({"books": len(rows)})


@stamp_view
async def books_native(request):
    """Like books, through django-async-backend's async ORM: no sync_to_async, no thread hop.

    Needs "django_async_backend" in INSTALLED_APPS (it gives every model `async_objects`) and
    its ENGINE, django_async_backend.db.backends.postgresql. Each release is pinned to one Django
    feature release; the course's, 6.1.x, needs Django 6.1 and Python >= 3.12.
    """
    try:
        delay_s = delay_from(request, default_s=0.0)
    except BadParameter as error:
        return error.response()
    rows = [row async for row in Book.async_objects.values("id", "title", "author__name")]
    await asyncio.sleep(delay_s)
    return JsonResponse({"books": len(rows)})


def _pg_sleep(delay_s):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(%s)", [delay_s])


async def _raw_pg_sleep(delay_s):
    import psycopg

    db = connection.settings_dict
    async with await psycopg.AsyncConnection.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"],
            dbname=db["NAME"]) as raw:
        await raw.execute("SELECT pg_sleep(%s)", [delay_s])


@stamp_view
async def sleeps(request):
    """`?queries=3` pg_sleep(`?delay_s=`) queries at once: `?how=orm` or `?how=raw`."""
    how, queries = request.GET.get("how", "orm"), int(request.GET.get("queries", "3"))
    delay_s = float(request.GET.get("delay_s", "0.4"))
    started = time.perf_counter()
    if how == "raw":  # one async psycopg connection per query, no thread
        await asyncio.gather(*(_raw_pg_sleep(delay_s) for _ in range(queries)))
    else:  # the ORM's way: sync code, on this request's one thread
        await asyncio.gather(*(sync_to_async(_pg_sleep)(delay_s) for _ in range(queries)))
    return JsonResponse({"how": how, "queries": queries,
                         "took_s": round(time.perf_counter() - started, 3)})


def _count_in_transaction():
    with transaction.atomic():
        return Book.objects.count()


@stamp_view
async def atomic(request):
    """Open a transaction from async code three ways; say what happened."""
    how = request.GET.get("how", "sync_to_async")
    try:
        if how == "async_with":
            async with transaction.atomic():
                count = await Book.objects.acount()
        elif how == "with":
            with transaction.atomic():
                count = await Book.objects.acount()
        else:  # the pattern that works: the whole transaction in one sync function
            count = await sync_to_async(_count_in_transaction)()
    except Exception as error:  # shown to the learner: which way fails, and how
        return JsonResponse({"how": how, "error": f"{type(error).__name__}: {error}"})
    return JsonResponse({"how": how, "books": count})


def _add_one(how):
    """Read the counter, think for 20 ms, write it back plus one."""
    lock = " FOR UPDATE" if how == "locked" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM lesson_counter WHERE id = 1{lock}")
        value = cursor.fetchone()[0]
        time.sleep(0.02)  # a window in which another request reads the same value
        cursor.execute("UPDATE lesson_counter SET value = %s WHERE id = 1", [value + 1])


def _add_one_in_transaction(how):
    with transaction.atomic():
        _add_one(how)


@stamp_view
async def counter_add(request):
    """Add one to the counter: `?how=plain` (autocommit), `atomic`, or `locked` (FOR UPDATE)."""
    how = request.GET.get("how", "plain")
    if how == "plain":
        await sync_to_async(_add_one)(how)
    else:
        await sync_to_async(_add_one_in_transaction)(how)
    return JsonResponse({"how": how})


def _counter(reset):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS lesson_counter (id int PRIMARY KEY, value int)")
        if reset:
            cursor.execute("INSERT INTO lesson_counter VALUES (1, 0) "
                           "ON CONFLICT (id) DO UPDATE SET value = 0")
        cursor.execute("SELECT value FROM lesson_counter WHERE id = 1")
        row = cursor.fetchone()
        return row[0] if row else None


async def counter(request):
    """The counter's value; `?reset=1` sets it to 0 first."""
    return JsonResponse({"value": await sync_to_async(_counter)(request.GET.get("reset") == "1")})


urlpatterns = [
    *demo_urlpatterns,
    path("pg/books/", books, name="pg-books"),
    path("pg/books/native/", books_native, name="pg-books-native"),
    path("pg/sleeps/", sleeps, name="pg-sleeps"),
    path("pg/atomic/", atomic, name="pg-atomic"),
    path("pg/counter/", counter, name="pg-counter"),
    path("pg/counter/add/", counter_add, name="pg-counter-add"),
]
