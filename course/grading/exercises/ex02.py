"""ex02: how it is judged."""

from course.grading.judging import REQUESTS, Exercise, get_within, measure_probed, require_overlap
from course.grading.probes import Failed, describe, find_view, json_of, require_async


def _book_titles():
    from django.db import connections

    from demo_project.catalog.models import Book

    try:
        return list(Book.objects.values_list("title", flat=True))
    finally:
        connections.close_all()


async def judge(context):
    from asgiref.sync import sync_to_async

    name = "ex02_view"
    view = find_view(context.namespace, name, "ex02/")
    require_async(view, name, "await the database call (sync_to_async or the async ORM)")
    expected = await sync_to_async(_book_titles, thread_sensitive=False)()
    data = json_of(await get_within("/ex02/", name), name)
    books = data.get("books") if isinstance(data, dict) else None
    if not isinstance(books, list) or not all(isinstance(book, dict) for book in books):
        raise Failed(f'The JSON should be {{"books": [{{"title": …, "published": …}}, …]}}, '
                     f"got {describe(data)}.")
    titles = [book.get("title") for book in books]
    if len(titles) != len(expected):
        raise Failed(f"Expected all {len(expected)} books; got {len(titles)}. Return every book, "
                     "each as {'title': …, 'published': …}, without slicing or filtering.")
    if titles != expected:
        raise Failed(
            f"Expected the books in the model's order (by year published, then title), "
            f"starting {expected[:2]}; got {titles[:2]}. Keep the order the query gives."
        )
    context.note(f"one request: {len(books)} books, as expected")
    run, lag_s = await measure_probed(context, "/ex02/", name,
                                       f"your ex02_view: {REQUESTS} requests at once")
    # Fast queries need not overlap; what matters is that none blocked the loop.
    require_overlap(context, run, lag_s, view, name, overlap=False)
    return (f"All {len(books)} books, and {REQUESTS} concurrent requests answered in "
            f"{run.total_s:.2f} s with no SynchronousOnlyOperation.")


EXERCISE = Exercise("ex02", "database records without blocking", "ex02_database.ipynb", judge)
