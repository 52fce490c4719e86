"""What the checks read in the learner's code (not what it does): forgotten awaits, syntax
errors in answer cells, and whether provided code is still the course's own.

    unawaited(view)                        # [(line, "asyncio.sleep(delay_s)")]: calls missing await
    require_compiles(namespace, ["ex01"])  # Failed naming the line of a syntax error, if any
    same_code(function, pristine)          # True when both compile to the same code

Behaviour is what the checks judge; these only make their messages name the cause.
"""

import ast
import difflib
import inspect
import textwrap

from asgiref.sync import iscoroutinefunction

from course.grading.probes import Failed, source_of

ASYNCIO_CALLS = {"sleep", "gather", "to_thread", "wait_for", "shield"}  # asyncio.<name>(…)
ORM_CALLS = {"aget", "acount", "afirst", "alast", "aexists", "acreate", "aupdate", "adelete",
             "asave", "ain_bulk", "aaggregate"}
HANDLERS = {"gather", "create_task", "ensure_future", "wait_for", "shield", "run",
            "run_until_complete", "run_coroutine_threadsafe", "wait", "as_completed"}
SAME_CELL = 0.6  # inputs this similar are taken as one cell run again after an edit


def _returns_awaitable(call, scope):
    """True for calls that give a coroutine: asyncio.sleep(…), sync_to_async(f)(…), an async
    function of the notebook, an httpx.AsyncClient's get/post …"""
    func = call.func
    if isinstance(func, ast.Call):  # sync_to_async(f)(…)
        inner = func.func
        return getattr(inner, "id", getattr(inner, "attr", "")) in {"sync_to_async"}
    if isinstance(func, ast.Attribute):
        owner_name = getattr(func.value, "id", "")
        client = type(scope.get(owner_name)).__name__ == "AsyncClient"
        return ((owner_name == "asyncio" and func.attr in ASYNCIO_CALLS)
                or func.attr in ORM_CALLS
                or (client and func.attr in {"get", "post", "request", "send", "put", "delete"}))
    if isinstance(func, ast.Name):
        return iscoroutinefunction(scope.get(func.id)) and inspect.isfunction(scope.get(func.id))
    return False


def _parents(tree):
    parent = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parent[child] = node
    return parent


def _handled(call, parent, awaited_names):
    """True when the coroutine is awaited, handed to gather/create_task…, or stored and awaited."""
    node = parent.get(call)
    while isinstance(node, (ast.Starred, ast.GeneratorExp, ast.ListComp, ast.List, ast.Tuple,
                            ast.comprehension)):
        node = parent.get(node)
    if isinstance(node, ast.Await):
        return True
    if isinstance(node, ast.Call):
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        return name in HANDLERS
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
        targets = getattr(node, "targets", [getattr(node, "target", None)])
        return any(getattr(t, "id", None) in awaited_names for t in targets)
    return False


def _awaited_names(tree):
    """Names that are awaited or handed to gather somewhere: `task = …; await task`."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Await):
            names |= {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in HANDLERS:
            names |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    return names


def unawaited(function):
    """[(line in the function, call text)] for coroutine-making calls the function never awaits."""
    source = textwrap.dedent(source_of(function))
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    scope = getattr(function, "__globals__", {})
    parent, awaited_names = _parents(tree), _awaited_names(tree)
    return [(node.lineno, ast.get_source_segment(source, node) or "…")
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and _returns_awaitable(node, scope)
            and not _handled(node, parent, awaited_names)]


def helpers_of(view):
    """The view and the notebook's own functions it calls by name (one level deep)."""
    scope = getattr(view, "__globals__", {})
    try:
        tree = ast.parse(textwrap.dedent(source_of(view)))
    except SyntaxError:
        return [view]
    called = {n.func.id for n in ast.walk(tree)
              if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    return [view] + [scope[name] for name in sorted(called)
                     if inspect.isfunction(scope.get(name)) and scope[name] is not view
                     and scope[name].__module__ == view.__module__]


def require_awaited(view, name):
    """Fail naming the first call in the view (or its helpers) that is missing `await`."""
    for function in helpers_of(view):
        for line, call in unawaited(function):
            raise Failed(
                f"In {function.__name__}, line {line}: `{call}` is called without `await`, so "
                f"it only creates a coroutine that never runs. Write `await {call}` (or hand it "
                f"to asyncio.gather). That is why {name} does not do what it should."
            )


def _latest_cells(inputs):
    """The kernel's input history reduced to the last version of each cell."""
    cells = []
    for text in inputs:
        for index, earlier in enumerate(cells):
            if difflib.SequenceMatcher(None, earlier, text).quick_ratio() >= SAME_CELL:
                cells[index] = text
                break
        else:
            cells.append(text)
    return cells


def _transform(text):
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # outside IPython the text is plain Python already
        return text
    return TransformerManager().transform_cell(text)


def require_compiles(namespace, words):
    """Fail with the syntax error of the newest run of a cell that mentions any of `words`.

    A cell with a syntax error never ran, so its view is missing or old: say that first."""
    inputs = [i for i in namespace.get("In", []) if isinstance(i, str)
              and any(word in i for word in words) and "course.check(" not in i]
    for text in _latest_cells(inputs):
        try:
            compile(_transform(text), "<answer cell>", "exec",
                    flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        except SyntaxError as error:
            line = (error.text or "").strip()
            raise Failed(
                f"Your answer cell has a {type(error).__name__} on line {error.lineno}: "
                f"{error.msg} (`{line}`). Python did not run that cell, so the check would see "
                "an old version or none. Fix that line and run the cell again."
            ) from None


def code_fingerprint(code):
    """A text that is equal for two code objects compiled from the same source."""
    parts = [code.co_code.hex(), repr(code.co_names), repr(code.co_varnames)]
    for const in code.co_consts:
        parts.append(code_fingerprint(const) if inspect.iscode(const) else repr(const))
    return "|".join(parts)


def same_code(function, pristine):
    code = getattr(function, "__code__", None)
    return code is not None and code_fingerprint(code) == code_fingerprint(pristine.__code__)
