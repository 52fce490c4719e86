"""What a learner's function's code names, read from its source (comments do not count).

    tree = parsed(view)          # the code as an ast tree, or None when it cannot be read
    names = names_in(tree)       # {"asyncio", "sleep", "objects", "acreate", ...}

Used by judges that check how a task was done (ex06: the async ORM; ex07: AsyncClient).
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
