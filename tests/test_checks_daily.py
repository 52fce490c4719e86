"""The checks of ex06 (an async class-based view) and ex07 (write the test), both ways: they pass
on the solutions, fail on the untouched exercises and on typical wrong answers (each with the
sentence that names the mistake), and give the same verdicts through `python -m course grade`."""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from test_checks import check, load, no_exercise_routes  # noqa: F401 — the autouse fixture

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("exercise", ["ex06", "ex07"])
def test_the_solution_passes(exercise):
    result = check(exercise, load(exercise))
    assert result.passed, result.message


@pytest.mark.parametrize("exercise", ["ex06", "ex07"])
def test_the_untouched_exercise_fails(exercise):
    result = check(exercise, load(exercise, "exercises"))
    assert not result.passed and "Not solved yet" in result.message


EX06_SYNC = [  # the whole class written with `def` handlers and the sync ORM
    ("    async def get(", "    def get("), ("    async def post(", "    def post("),
    ("author = await aget_object_or_404(Author, pk=author_id)\n        books",
     "author = __import__('django.shortcuts').shortcuts.get_object_or_404(Author, pk=author_id)"
     "\n        books"),
    ("author = await aget_object_or_404(Author, pk=author_id)\n        try",
     "author = __import__('django.shortcuts').shortcuts.get_object_or_404(Author, pk=author_id)"
     "\n        try"),
    ("async for book in", "for book in"), ("await Book.objects.acreate(", "Book.objects.create("),
]
EX06_FUNCTION = ('@course.route("ex06/authors/<int:author_id>/books/")\nclass Ex06Books(View):',
                 '@course.route("ex06/authors/<int:author_id>/books/")\nasync def ex06_books('
                 'request, author_id=None):\n    return JsonResponse({})\n\n\nclass Ex06Books(View):')
EX06_WRONG = {
    "a function view, not a class": ([EX06_FUNCTION], "this exercise asks for a class"),
    "sync handlers": (EX06_SYNC, "is a plain `def`"),
    "every author's books": ([("Book.objects.filter(author=author)]", "Book.objects.all()]")],
                             "has 4 books; GET answered 12"),
    "sync ORM on the loop": ([("async for book in", "for book in")], "SynchronousOnlyOperation"),
    "aget without a 404": ([("author = await aget_object_or_404(Author, pk=author_id)\n        books",
                             "author = await Author.objects.aget(pk=author_id)\n        books")],
                           "raised DoesNotExist"),
    "404 without the shortcut": ([
        ("author = await aget_object_or_404(Author, pk=author_id)\n        books",
         "author = await (__import__('asgiref.sync').sync.sync_to_async(__import__("
         "'django.shortcuts').shortcuts.get_object_or_404))(Author, pk=author_id)\n        books"),
        ("author = await aget_object_or_404(Author, pk=author_id)\n        try",
         "author = await (__import__('asgiref.sync').sync.sync_to_async(__import__("
         "'django.shortcuts').shortcuts.get_object_or_404))(Author, pk=author_id)\n        try")],
        "use the shortcut"),
    "200 instead of 201": ([("status=201)", "status=200)")], "answers 201 Created"),
    "no 400 for a body that is not JSON": ([(
        '        try:\n            data = json.loads(request.body)\n        except ValueError:\n'
        '            return JsonResponse({"error": "the body is not JSON"}, status=400)\n',
        "        data = json.loads(request.body)\n")], "made the view raise JSONDecodeError"),
    "any published accepted": ([(
        "if isinstance(published, bool) or not isinstance(published, int) or published < 0:",
        "if published is None:")], "with a published that is not a whole number"),
    "the book is never saved": ([(
        "book = await Book.objects.acreate(author=author, title=title, published=published)",
        "book = Book(id=123456, author=author, title=title, published=published)")],
        "no such new book is in the database"),
    "a PUT handler": ([("    async def post(self, request, author_id):",
                        "    async def put(self, request, author_id):\n        return JsonResponse"
                        "({})\n\n    async def post(self, request, author_id):")],
                      "defines `put`"),
    "wrong route": ([('@course.route("ex06/authors/<int:author_id>/books/")',
                      '@course.route("ex06/books/<int:author_id>/")')],
                    "is mounted at /ex06/books/<int:author_id>/"),
    "POST finds the author without the shortcut": ([
        ("author = await aget_object_or_404(Author, pk=author_id)\n        try",
         "author = await Author.objects.filter(pk=author_id).afirst()\n        if author is None:\n"
         '            return JsonResponse({"error": "no such author"}, status=404)\n        try')],
        "Ex06Books.post answers 404 for a missing author"),
    "the shortcut only in a comment": ([
        ("author = await aget_object_or_404(Author, pk=author_id)\n        try",
         "author = await Author.objects.filter(pk=author_id).afirst()  # aget_object_or_404\n"
         "        if author is None:\n"
         '            return JsonResponse({"error": "no such author"}, status=404)\n        try')],
        "use the shortcut"),
    "the missing author special-cased": ([
        ("author = await aget_object_or_404(Author, pk=author_id)\n        books",
         "if author_id == 999_999:\n            raise __import__('django.http').http.Http404\n"
         "        author = await Author.objects.aget(pk=author_id) or aget_object_or_404\n        books")],
        "raised DoesNotExist"),
    "the book saved for another author": ([
        ("acreate(author=author,", "acreate(author=await Author.objects.exclude(pk=author.pk).afirst(),")],
        "create it for the author in the URL"),
    "books listed with sync_to_async": ([
        ("books = [{\"title\": book.title, \"published\": book.published}\n"
         "                 async for book in Book.objects.filter(author=author)]",
         "books = [{\"title\": book.title, \"published\": book.published} for book in await "
         "__import__('asgiref.sync').sync.sync_to_async(list)(Book.objects.filter(author=author))]")],
        "Ex06Books.get reaches the database without the async ORM"),
    "async ORM named, never awaited": ([
        ('books = [{"title": book.title, "published": book.published}\n'
         "                 async for book in Book.objects.filter(author=author)]",
         "books = await __import__('asgiref.sync').sync.sync_to_async(lambda: list(Book.objects"
         '.filter(author=author).values("title", "published")))()\n        Book.objects.aexists\n'
         "        Book.objects.acount()")],
        "Ex06Books.get reaches the database without the async ORM"),
    "published true accepted": ([
        ("if isinstance(published, bool) or not isinstance(published, int) or published < 0:",
         "if not isinstance(published, int) or published < 0:")],
        "published as a JSON boolean"),
}

EX07_REQUEST = ("        with blockbuster_ctx(\"django\"):  # a blocking call on the loop, under Django, raises\n"
                "            response = await self.async_client.get(self.target)\n")
BY_NAME = ("        from django.urls import resolve\n"  # reads the view, not what it does
           "        view = resolve(self.target).func\n"
           "        view = getattr(view, '__wrapped__', view)\n"
           "        for text in (view.__name__, view.__qualname__, view.__doc__ or ''):\n"
           "            self.assertNotIn('block', text)\n"
           "        response = await self.async_client.get(self.target)\n")
BY_CODE = ("        from django.urls import resolve\n"
           "        view = resolve(self.target).func\n"
           "        view = getattr(view, '__wrapped__', view)\n"
           "        self.assertNotIn('sleep', view.__code__.co_names + view.__code__.co_consts)\n"
           "        self.assertNotIn('time.sleep', __import__('inspect').getsource(view))\n"
           "        response = await self.async_client.get(self.target)\n")
EX07_WRONG = {
    "a sync test": ([("    async def test_report", "    def test_report"),
                     ("await self.async_client.get", "self.client.get")], "is a plain `def`"),
    "the sync Client": ([("await self.async_client.get", "self.client.get")],
                        "should call the view with Django's AsyncClient"),
    "only checks the answer": ([(EX07_REQUEST, "        response = await self.async_client.get("
                                 "self.target)\n")], "passed on the view that blocks"),
    "one request, timed": ([(EX07_REQUEST,
                             "        started = time.perf_counter()\n        response = await "
                             "self.async_client.get(self.target)\n        self.assertLess("
                             "time.perf_counter() - started, 0.5)\n")],
                           "passed on the view that blocks"),
    "a hard-coded URL": ([("get(self.target)", 'get("/ex07/good/")')], "never use self.target"),
    "wrong expected JSON": ([('{"report": "ready"})\n        # SOLUTION END',
                             '{"report": "done"})\n        # SOLUTION END')],
                            "fails on the correct view"),
    "forgot await": ([("response = await self.async_client", "response = self.async_client")],
                     "forget `await`"),
    "no test method": ([("async def test_report_without", "async def report_without")],
                       "has no test methods"),
    "never checks the answer": ([('        self.assertEqual(response.status_code, 200)\n'
                                  '        self.assertEqual(response.json(), {"report": "ready"})\n', "")],
                                "Check the answer too"),
    "not a test case": ([("class Ex07Tests(SimpleTestCase):", "class Ex07Tests:")],
                        "should be a class that subclasses"),
    "fails by the URL, not by blocking": ([(EX07_REQUEST,
                                            '        self.assertNotIn("blocking", self.target)\n'
                                            "        response = await self.async_client.get(self.target)\n")],
                                          "passed on the view that blocks"),
    "fails by the view's name": ([(EX07_REQUEST, BY_NAME)], "passed on the view that blocks"),
    "fails by the view's code": ([(EX07_REQUEST, BY_CODE)], "passed on the view that blocks"),
}
NOT_RUN_HERE = ('for target in ("/ex07/good/", "/ex07/blocking/"):', "for target in ():")
WRONG = {**{f"ex06: {k}": ("ex06", *v) for k, v in EX06_WRONG.items()},
         # the notebook's own "run your tests" cell would raise on some; the check must not
         **{f"ex07: {k}": ("ex07", [*v[0], NOT_RUN_HERE], v[1]) for k, v in EX07_WRONG.items()}}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # "coroutine … was never awaited"
@pytest.mark.parametrize("kind", list(WRONG))
def test_a_wrong_answer_fails_naming_the_mistake(kind):
    exercise, edits, expected = WRONG[kind]
    result = check(exercise, load(exercise, edits=edits))
    assert not result.passed
    assert expected in result.message


def test_ex07_also_accepts_a_concurrency_test():
    """The other way the exercise names: three requests at once must take about one delay."""
    gathered = ("        started = time.perf_counter()\n"
                "        responses = await asyncio.gather(*(self.async_client.get(self.target)"
                " for _ in range(3)))\n"
                "        self.assertLess(time.perf_counter() - started, 2 * DELAY_S)\n"
                "        response = responses[0]\n")
    result = check("ex07", load("ex07", edits=[(EX07_REQUEST, gathered)]))
    assert result.passed, result.message




def _answer_edited(name, old, new):
    nb = nbformat.read(ROOT / "solutions" / name, as_version=4)
    cell = next(c for c in nb.cells if "answer" in c.metadata.get("tags", []))
    if old not in cell.source:
        raise ValueError(f"{old!r} is not in the answer cell of {name}")
    cell.source = cell.source.replace(old, new, 1)
    return nb


@pytest.mark.notebook
def test_the_batch_grader_judges_right_and_wrong_notebooks(tmp_path):
    for name in ("ex06_class_based_view.ipynb", "ex07_test_the_view.ipynb"):
        (tmp_path / "right").mkdir(exist_ok=True)
        (tmp_path / "right" / name).write_text((ROOT / "solutions" / name).read_text())
    (tmp_path / "wrong").mkdir()
    nbformat.write(_answer_edited("ex06_class_based_view.ipynb", "status=201)", "status=200)"),
                   tmp_path / "wrong" / "ex06_class_based_view.ipynb")
    nbformat.write(_answer_edited("ex07_test_the_view.ipynb", EX07_REQUEST,
                                  "        response = await self.async_client.get(self.target)\n"),
                   tmp_path / "wrong" / "ex07_test_the_view.ipynb")
    done = subprocess.run([sys.executable, "-m", "course", "grade", str(tmp_path), "--json"],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    rows = {row["submission"]: row
            for row in (json.loads(line) for line in done.stdout.splitlines() if line.strip())}
    assert done.returncode == 1, done.stdout + done.stderr  # the wrong ones fail
    verdicts = {name: (row["exercise"], row["passed"]) for name, row in rows.items()}
    assert verdicts == {
        "right/ex06_class_based_view.ipynb": ("ex06", True),
        "right/ex07_test_the_view.ipynb": ("ex07", True),
        "wrong/ex06_class_based_view.ipynb": ("ex06", False),
        "wrong/ex07_test_the_view.ipynb": ("ex07", False),
    }, done.stdout + done.stderr
    assert "answers 201 Created" in rows["wrong/ex06_class_based_view.ipynb"]["message"]
    assert "passed on the view that blocks" in rows["wrong/ex07_test_the_view.ipynb"]["message"]


@pytest.mark.parametrize("exercise", ["ex06", "ex07"])
def test_the_solution_passes_the_hidden_cases(exercise):
    result = check(exercise, load(exercise), hidden=True)
    assert result.passed, result.message
    assert any("hidden case passed" in line for line in result.details)


def test_an_answer_fitted_to_the_visible_author_fails_a_hidden_case():
    fitted = [("Book.objects.filter(author=author)]", 'Book.objects.filter(author__name="Donald Knuth")]')]
    assert check("ex06", load("ex06", edits=fitted)).passed
    result = check("ex06", load("ex06", edits=fitted), hidden=True)
    assert not result.passed and "hidden case of the grader (another author)" in result.message
    assert "Knuth" not in result.message  # the hidden inputs are never shown


def test_ex07_views_look_alike():
    """Every view of the ex07 check comes from one factory: nothing but behaviour differs."""
    from course.grading.exercises import ex07

    views = [ex07._view(*arguments) for arguments in ex07.VIEWS.values()]
    seen = {(v.__name__, v.__qualname__, v.__module__, v.__doc__, v.__code__) for v in views}
    assert len(seen) == 1, seen


EX06_HELPERS = {  # where the helper goes, the helper before it, and how a handler calls it
    "a method": ("    async def get(self, request, author_id):",
                 "    async def author(self, author_id):\n"
                 "        return await aget_object_or_404(Author, pk=author_id)\n\n",
                 "self.author(author_id)"),
    "a module-level function": ('@course.route("ex06/authors/<int:author_id>/books/")',
                                "async def author_or_404(author_id):\n"
                                "    return await aget_object_or_404(Author, pk=author_id)\n\n\n",
                                "author_or_404(author_id)"),
}


@pytest.mark.parametrize("where", list(EX06_HELPERS))
def test_ex06_accepts_the_shortcut_in_a_helper(where):
    """Both handlers may find the author through one helper that awaits aget_object_or_404."""
    anchor, helper, call = EX06_HELPERS[where]
    edits = [(anchor, helper + anchor)] + [
        (f"author = await aget_object_or_404(Author, pk=author_id)\n        {after}",
         f"author = await {call}\n        {after}") for after in ("books", "try")]
    result = check("ex06", load("ex06", edits=edits))
    assert result.passed, result.message
