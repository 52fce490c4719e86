"""ex06: how it is judged — an async class-based view with GET and POST, JSON in and out."""

import ast
import inspect
import random
import uuid

from course import routes
from course._http import request
from course.grading import judging
from course.grading.exercises import code_names
from course.grading.judging import REQUESTS, Exercise
from course.grading.probes import Failed, describe, json_of

NAME = "Ex06Books"
ROUTE = "ex06/authors/<int:author_id>/books/"
HANDLERS = ("get", "post")


def _target(author_id):
    return f"/ex06/authors/{author_id}/books/"


def _mounted_class(namespace):
    """The class mounted at ROUTE, or Failed saying what is missing and where."""
    from django.urls import Resolver404, resolve

    try:
        match = resolve(_target(1))
    except Resolver404:
        match = None
    if match is not None and match.route == ROUTE:
        view = getattr(match.func, "__wrapped__", match.func)
        cls = getattr(view, "view_class", None)
        if cls is None:
            raise Failed(f"The view at /{ROUTE} is a function; this exercise asks for a class: "
                         f"`class {NAME}(View):` with `async def get` and `async def post`.")
        return cls
    elsewhere = [path for path, name in routes.mounted().items() if name == NAME]
    if elsewhere:
        raise Failed(f"{NAME} is mounted at {elsewhere[0]}, but this exercise calls /{ROUTE}. "
                     f'Put @course.route("{ROUTE}") on the line above `class {NAME}(View):`.')
    if NAME in namespace:
        raise Failed(f"{NAME} is defined but not mounted on a URL. Put "
                     f'@course.route("{ROUTE}") on the line above its `class`, and run that cell.')
    raise Failed(f"There is no class named {NAME} in this notebook. Define it in the answer cell "
                 f'under @course.route("{ROUTE}") and run that cell.')


def _require_async_handlers(cls):
    from asgiref.sync import iscoroutinefunction
    from django.views import View

    if not issubclass(cls, View):
        raise Failed(f"{NAME} should be a subclass of django.views.View.")
    missing = [name for name in HANDLERS if not hasattr(cls, name)]
    if missing:
        raise Failed(f"{NAME} has no `{missing[0]}` method: define `async def {missing[0]}"
                     "(self, request, author_id):`.")
    sync = [name for name in HANDLERS if not iscoroutinefunction(getattr(cls, name))]
    if sync:
        raise Failed(f"{NAME}.{sync[0]} is a plain `def`, so Django runs the whole class on a "
                     f"worker thread. Make every handler `async def` and await the async ORM.")
    extra = [m for m in cls.http_method_names if m not in (*HANDLERS, "head", "options")
             and hasattr(cls, m)]
    if extra:
        raise Failed(f"{NAME} defines `{extra[0]}`, but the task says other methods get 405: "
                     f"remove that method and let View answer 405 for it.")


ASYNC_ORM = {"acreate", "asave", "aget", "afirst", "alast", "acount", "aexists", "aiterator",
             "ain_bulk", "aaggregate", "abulk_create", "aupdate", "adelete", "alatest", "aearliest",
             "aget_or_create", "aupdate_or_create", "acontains", "async for"}


def _names_in(function):
    """(what its code awaits: call names and "async for"; methods it uses on self; the
    notebook's functions it calls by name). Comments do not count; None when unreadable."""
    tree = code_names.parsed(function)
    if tree is None:
        return None
    nodes = list(ast.walk(tree))
    used = code_names.awaited_calls(tree)
    if any(isinstance(node, ast.AsyncFor) or getattr(node, "is_async", 0) for node in nodes):
        used.add("async for")
    on_self = {node.attr for node in nodes if isinstance(node, ast.Attribute)
               and isinstance(node.value, ast.Name) and node.value.id == "self"}
    scope = getattr(function, "__globals__", {})
    functions = [scope[name] for name in sorted(code_names.called_functions(tree))
                 if inspect.isfunction(scope.get(name))
                 and scope[name].__module__ == function.__module__]
    return used, on_self, functions


def _handler_names(cls, name):
    """What the handler's code awaits, with the methods it calls on self and the notebook's
    functions it calls by name (one level down); None if unreadable."""
    found = _names_in(getattr(cls, name))
    if found is None:
        return None
    used, on_self, functions = found
    helpers = [getattr(cls, h) for h in on_self - {name} if callable(getattr(cls, h, None))]
    for helper in helpers + functions:
        used |= (_names_in(helper) or (set(),))[0]
    return used


def _require_shortcut(cls):
    """Each handler awaits aget_object_or_404: itself, in a method it calls on self, or in a
    function of the notebook that it calls."""
    # A class's own source is not always findable in a notebook; its methods' sources are.
    for name in HANDLERS:
        names = _handler_names(cls, name)
        if names is not None and "aget_object_or_404" not in names:
            raise Failed(f"{NAME}.{name} answers 404 for a missing author, but the task asks "
                         "both handlers for `await aget_object_or_404(Author, pk=author_id)`: "
                         "use the shortcut.")


def _require_async_orm(cls):
    """Each handler awaits the async ORM (not the sync one wrapped in sync_to_async); read from
    the code, names only: a call of any `a…` method with an ORM method's name counts."""
    for name in HANDLERS:
        names = _handler_names(cls, name)
        if names is not None and not names & ASYNC_ORM:
            raise Failed(f"{NAME}.{name} reaches the database without the async ORM (`async for` "
                         "over a QuerySet, `await Book.objects.acreate(...)`): the task asks for "
                         "it, awaited. Wrapping the sync ORM in sync_to_async works, but is not the "
                         "exercise.")


def _database(function, *args):
    """Run a sync ORM function on a thread of its own and close its connection."""
    from asgiref.sync import sync_to_async

    return sync_to_async(_closing_connections, thread_sensitive=False)(function, *args)


def _closing_connections(function, *args):
    from django.db import connections

    try:
        return function(*args)
    finally:
        connections.close_all()


def _author_and_books(first=False):
    """The author with books and the highest id (or the lowest: the grader's hidden case)."""
    from demo_project.catalog.models import Author

    authors = Author.objects.filter(books__isnull=False).distinct().order_by("pk" if first else "-pk")
    author = authors.first()
    books = [{"title": b.title, "published": b.published} for b in author.books.all()]
    return author.pk, author.name, books


def _missing_author_id():
    """An author id no author has, different on each check (so it cannot be special-cased)."""
    from django.db.models import Max

    from demo_project.catalog.models import Author

    return (Author.objects.aggregate(last=Max("pk"))["last"] or 0) + random.randint(1_000, 999_999)


def _book_row(book_id):
    from demo_project.catalog.models import Book

    return Book.objects.filter(pk=book_id).values("author_id", "title", "published").first()


def _new_book_ids_after(last_id):
    from demo_project.catalog.models import Book

    return list(Book.objects.filter(pk__gt=last_id).values_list("pk", flat=True))


def _last_book_id():
    from django.db.models import Max

    from demo_project.catalog.models import Book

    return Book.objects.aggregate(last=Max("pk"))["last"] or 0


def _delete_books_after(last_id):
    from demo_project.catalog.models import Book

    Book.objects.filter(pk__gt=last_id).delete()


async def _send(method, target, **kwargs):
    from course._http import RequestTimeout
    from course.grading.judging import REQUEST_LIMIT_S

    try:
        return await request(method, target, timeout_s=REQUEST_LIMIT_S, **kwargs)
    except RequestTimeout:
        raise Failed(f"{NAME} did not answer {method} {target} within {REQUEST_LIMIT_S:g} s: is "
                     "it waiting on something that never finishes?") from None


def _require_404(reply, what):
    if reply.status == 404:
        return
    if reply.error and "DoesNotExist" in reply.error:
        raise Failed(f"{what} for an author that does not exist raised {reply.error}. Find the "
                     "author with `await aget_object_or_404(Author, pk=author_id)`: it answers "
                     "404 instead.")
    json_of(reply, NAME, status=404)  # names the error, or the status it got
    raise Failed(f"{what} for an author that does not exist answered {reply.status}; expected "
                 "404 from aget_object_or_404.")


async def _judge_get(context, missing_id, author_id, author_name, books):
    data = json_of(await judging.get_within(_target(author_id), NAME), NAME)
    got = data.get("books") if isinstance(data, dict) else None
    if not isinstance(got, list) or not all(isinstance(book, dict) for book in got):
        raise Failed('GET should answer {"author": name, "books": [{"title": …, "published": '
                     f"…}}, …]}}; got {describe(data)}.")
    if data.get("author") != author_name:
        raise Failed(f'GET {_target(author_id)} should say "author": {author_name!r}; got '
                     f"{data.get('author')!r}.")
    if len(got) != len(books):
        raise Failed(f"{author_name} has {len(books)} books; GET answered {len(got)}. List "
                     "only this author's books: `Book.objects.filter(author=author)`.")
    if got != books:
        raise Failed(f"GET should list each book as {describe(books[0])}, in the model's order "
                     f"(year, then title); got {describe(got[0])} first.")
    _require_404(await judging.get_within(_target(missing_id), NAME), "GET")
    context.note(f"GET: {len(books)} books of {author_name}, and 404 for a missing author")


BAD_BODIES = (  # (what it is, the body as sent)
    ("a body that is not JSON", "title=Dune&published=1965"),
    ("a title that is not text", '{"title": 7, "published": 1965}'),
    ("a missing title", '{"published": 1965}'),
    ("a missing published", '{"title": "Dune"}'),
    ("a published that is not a whole number", '{"title": "Dune", "published": 1965.5}'),
    ("published as text", '{"title": "Dune", "published": "1965"}'),
    ("a JSON list instead of an object", '["Dune", 1965]'),
    ("published as a JSON boolean", '{"title": "Dune", "published": true}'),
)


async def _judge_good_post(context, missing_id, author_id, last_id):
    title = f"ex06 check {uuid.uuid4().hex[:8]}"
    reply = await _send("POST", _target(author_id), json={"title": title, "published": 2001})
    if reply.status == 200:
        raise Failed("POST answered 200; a request that creates something answers 201 Created: "
                     "`JsonResponse({...}, status=201)`.")
    data = json_of(reply, NAME, status=201)
    expected = {"title": title, "published": 2001}
    if not isinstance(data, dict) or {k: data.get(k) for k in expected} != expected \
            or not isinstance(data.get("id"), int) or isinstance(data.get("id"), bool):
        raise Failed('POST should answer the new book as {"id": …, "title": …, "published": …}; '
                     f"sent {describe(expected)}, got {describe(data)}.")
    created = await _database(_new_book_ids_after, last_id)
    if data["id"] not in created:
        raise Failed(f"POST answered id {data['id']}, but no such new book is in the database. "
                     "Create it with `await Book.objects.acreate(author=author, ...)` and "
                     "answer its id.")
    row = await _database(_book_row, data["id"])
    if row != {"author_id": author_id, **expected}:
        raise Failed(f"POST to {_target(author_id)} answered the right JSON, but the book it saved"
                     f" is {describe(row)}: create it for the author in the URL with the title "
                     "and published of the body: `Book.objects.acreate(author=author, ...)`.")
    _require_404(await _send("POST", _target(missing_id), json=expected), "POST")
    context.note("POST: a good body created the book (201), a missing author got 404")


async def _judge_bad_posts(context, author_id, last_id):
    for what, body in BAD_BODIES:
        known = set(await _database(_new_book_ids_after, last_id))
        reply = await _send("POST", _target(author_id), content=body,
                            headers={"content-type": "application/json"})
        if reply.status in (200, 201):
            raise Failed(f"POST with {what} ({body}) answered {reply.status}. Check the body "
                         'first and answer 400 with {"error": "…"} when it is not '
                         '{"title": text, "published": whole number}.')
        if reply.error:
            raise Failed(f"POST with {what} ({body}) made the view raise {reply.error}. Catch "
                         'that case and answer `JsonResponse({"error": "…"}, status=400)`.')
        data = json_of(reply, NAME, status=400)
        if not isinstance(data, dict) or not isinstance(data.get("error"), str):
            raise Failed(f'POST with {what} answered 400 with {describe(data)}; answer {{"error":'
                         ' "…"}} saying what is wrong, so the client can fix its request.')
        if set(await _database(_new_book_ids_after, last_id)) - known:
            raise Failed(f"POST with {what} answered 400 but still created a book: validate "
                         "before `acreate`.")
    context.note(f"POST: {len(BAD_BODIES)} bad bodies, each answered 400 with an error")


async def _judge_other_methods(context, author_id):
    for method in ("PUT", "PATCH", "DELETE"):
        reply = await _send(method, _target(author_id))
        if reply.status != 405:
            raise Failed(f"{method} answered {reply.status}; methods other than GET and POST "
                         "should get 405. Define only `get` and `post`: View answers 405 for "
                         "the rest.")
    context.note("PUT, PATCH, DELETE: 405")


async def judge(context):
    cls = _mounted_class(context.namespace)
    _require_async_handlers(cls)
    author_id, author_name, books = await _database(_author_and_books)
    last_id = await _database(_last_book_id)
    missing_id = await _database(_missing_author_id)
    try:
        await _judge_get(context, missing_id, author_id, author_name, books)
        _require_shortcut(cls)
        await _judge_good_post(context, missing_id, author_id, last_id)
        await _judge_bad_posts(context, author_id, last_id)
        await _judge_other_methods(context, author_id)
        _require_async_orm(cls)
        if context.hidden:
            await judging.hidden_case(context, "another author",
                                      _judge_get(context, missing_id,
                                                 *await _database(_author_and_books, True)))
        run = await judging.require_concurrent(
            context, _target(author_id), cls.get, NAME, f"your {NAME}: {REQUESTS} GETs at once",
            overlap=False)
    finally:
        await _database(_delete_books_after, last_id)
    return (f"GET, POST (201 and 400), 404 and 405 all right, and {REQUESTS} concurrent GETs "
            f"answered in {run.total_s:.2f} s without blocking the loop.")


EXERCISE = Exercise("ex06", "an async class-based view", "ex06_class_based_view.ipynb", judge)
