"""Database views, sync and async, returning evaluated data (never a lazy QuerySet)."""

import threading

from asgiref.sync import sync_to_async
from django.http import JsonResponse

from demo_project.catalog.models import Author, Book


def _book_rows():
    # list() evaluates the query here, inside the sync function, on its thread.
    return list(Book.objects.values("id", "title", "published", "author__name"))


def books_sync(request):
    return JsonResponse({"books": _book_rows(), "thread": threading.current_thread().name})


async def books_async(request):
    rows = await sync_to_async(_book_rows)()
    return JsonResponse({"books": rows, "thread": threading.current_thread().name})


async def author_detail(request, author_id):
    try:
        author = await Author.objects.aget(pk=author_id)
    except Author.DoesNotExist:
        return JsonResponse({"error": f"no author with id {author_id}"}, status=404)
    titles = [book.title async for book in author.books.all()]
    return JsonResponse({"name": author.name, "born": author.born, "books": titles})
