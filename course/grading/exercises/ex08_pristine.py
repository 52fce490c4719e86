"""ex08's provided view, as the course ships it: the learner changes settings, not the view.

    require_provided()   # Failed unless demo_project/pg_urls.py's books view is the course's

The check serves demo_project/pg_urls.py from disk, so an edited `books` (or `_book_rows`, or
its route) would be judged instead of the course's. The file is compared, as syntax trees
(comments and formatting ignored), with the definitions below; tests/test_ex08.py fails when
the shipped file and these drift apart.
"""

import ast
from pathlib import Path

from course.grading.probes import Failed

ROOT = Path(__file__).resolve().parents[3]
FILE = ROOT / "demo_project" / "pg_urls.py"
NAMES = ("_book_rows", "books")
ROUTE = ("pg/books/", "books")  # path("pg/books/", books, ...) in urlpatterns

PRISTINE = '''
def _book_rows():
    return list(Book.objects.values("id", "title", "published", "author__name"))


@stamp_view
async def books(request):
    try:
        delay_s = delay_from(request, default_s=0.0)
    except BadParameter as error:
        return error.response()
    rows = await sync_to_async(_book_rows)()
    await asyncio.sleep(delay_s)
    return JsonResponse({"books": len(rows)})
'''


def _definitions(tree):
    """{name: ast.dump} of NAMES' top-level definitions, docstrings left out."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in NAMES:
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]
            found[node.name] = ast.dump(type(node)(**{**vars(node), "body": body}))
    return found


def _routes(tree):
    """(route, view name) of every path("...", name, ...) call in the module."""
    return {(call.args[0].value, call.args[1].id) for call in ast.walk(tree)
            if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "path"
            and len(call.args) >= 2 and isinstance(call.args[0], ast.Constant)
            and isinstance(call.args[1], ast.Name)}


def changed():
    """What differs between the shipped file and the pristine view: [] when nothing does."""
    try:
        tree = ast.parse(FILE.read_text(encoding="utf-8"))
    except (OSError, SyntaxError) as error:
        return [f"{FILE.name} cannot be read ({error})"]
    have, want = _definitions(tree), _definitions(ast.parse(PRISTINE))
    differ = [f"{name}()" for name in NAMES if have.get(name) != want[name]]
    if ROUTE not in _routes(tree):
        differ.append(f'the route path("{ROUTE[0]}", {ROUTE[1]}, ...)')
    return differ


def require_provided():
    differ = changed()
    if differ:
        raise Failed(f"{', '.join(differ)} in demo_project/pg_urls.py is not what the course "
                     "provides: the task is to change DATABASE_SETTINGS only, not the view. "
                     "Restore the file (e.g. `git checkout demo_project/pg_urls.py` in the "
                     "course's folder) and check again.")
