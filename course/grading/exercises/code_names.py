"""What a learner's function's code names, read from its source (comments do not count).

    tree = parsed(view)          # the code as an ast tree, or None when it cannot be read
    names = names_in(tree)       # {"asyncio", "sleep", "objects", "acreate", ...}
    awaited_calls(tree)          # {"acreate", "aget_object_or_404"}: calls whose result is awaited
    called_functions(tree)       # {"author_or_404"}: plain names it calls, f(...)

Used by judges that check how a task was done (ex03: time.sleep; ex06: the async ORM; ex07:
AsyncClient). Names only: what a name is bound to at run time is not known here.
"""

import ast
import textwrap

from course.grading.probes import source_of


def parsed(function):
    """The function's code as an ast tree; None when its source cannot be found or parsed."""
    try:
        tree = ast.parse(textwrap.dedent(source_of(function)))
    except SyntaxError:
        return None
    return tree if tree.body else None


def names_in(tree):
    """Every name and attribute name the tree uses."""
    nodes = list(ast.walk(tree))
    return ({node.id for node in nodes if isinstance(node, ast.Name)}
            | {node.attr for node in nodes if isinstance(node, ast.Attribute)})


GATHERERS = {"gather", "create_task", "ensure_future", "wait_for", "shield", "wait",
             "as_completed"}  # asyncio functions that await the coroutines handed to them
_WRAPPERS = (ast.Starred, ast.List, ast.Tuple, ast.GeneratorExp, ast.ListComp)


def _called_name(call):
    return getattr(call.func, "attr", getattr(call.func, "id", ""))


def _awaited(call, parent, awaited_names):
    """True when the call's result is awaited: `await f()`, `asyncio.gather(f(), …)`, or
    `task = f()` with `task` awaited (or gathered) later."""
    node = parent.get(call)
    while isinstance(node, _WRAPPERS):
        node = parent.get(node)
    if isinstance(node, ast.Await):
        return True
    if isinstance(node, ast.Call):
        return _called_name(node) in GATHERERS
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr):
        targets = getattr(node, "targets", [getattr(node, "target", None)])
        return any(getattr(target, "id", None) in awaited_names for target in targets)
    return False


def awaited_calls(tree):
    """The names of the functions and methods whose calls the code awaits (see _awaited)."""
    nodes = list(ast.walk(tree))
    parent = {child: node for node in nodes for child in ast.iter_child_nodes(node)}
    awaited_names = {name.id for node in nodes if isinstance(node, ast.Await)
                     or (isinstance(node, ast.Call) and _called_name(node) in GATHERERS)
                     for name in ast.walk(node) if isinstance(name, ast.Name)}
    return {_called_name(node) for node in nodes if isinstance(node, ast.Call)
            and _awaited(node, parent, awaited_names)} - {""}


def called_functions(tree):
    """The plain names the code calls: `helper(...)` gives "helper" (not `obj.method(...)`)."""
    return {node.func.id for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
