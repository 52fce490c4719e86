"""A fingerprint of the judging code as a kernel holds it; rebuild.py runs this file's text.

    exec(Path("course/grading/_fingerprint.py").read_text(), namespace)
    namespace["_course_fingerprint"](["course.grading.checks", ...])   # e.g. '3f9a0c…'

Self-contained on purpose: the grader runs it in the learner's kernel (a cell of its own, not an
import a learner's code could patch beforehand) and in its own process, and compares the two.

It hashes, for each module: where it was loaded from; every function, class, method and module
it holds, whatever module they come from (a judge swapped in a dict, a probe imported by name
and replaced, a default argument changed: each changes the hash); and its UPPER_CASE constants
(time limits, the EXERCISES table with each judge). Other lower-case data is state (a cache, a
running server) that may change while the checks run, so it is left out.
"""


def _fp_code(code):
    """The code object as text: the same for the same source in any process."""
    import inspect

    def const(c):  # a frozenset's order changes with the process's hash seed
        if inspect.iscode(c):
            return _fp_code(c)
        if type(c) in (frozenset, tuple):
            texts = [const(item) for item in c]
            return repr(sorted(texts) if type(c) is frozenset else texts)
        return repr(c)

    return "|".join([code.co_code.hex(), repr(code.co_names)] + [const(c) for c in code.co_consts])


def _fp_function(f, deep):
    """A function: its name and module, whether its globals are that module's own (a clone of
    a judge with other globals looks its names up elsewhere), code, defaults, closure."""
    import sys

    module = sys.modules.get(f.__module__)
    own = module is not None and f.__globals__ is vars(module)
    parts = [f"{f.__module__}.{f.__qualname__}", f"own={own}", _fp_code(f.__code__),
             _fp_value(f.__defaults__, deep), _fp_value(f.__kwdefaults__, deep)]
    for cell in f.__closure__ or ():
        try:
            parts.append(_fp_value(cell.cell_contents, deep - 1) if deep > 0 else "cell")
        except ValueError:  # an empty cell
            parts.append("empty")
    return "(" + ",".join(parts) + ")"


def _fp_container(v, deep):
    kind = type(v)
    if kind in (tuple, list):
        return f"{kind.__name__}[{','.join(_fp_value(item, deep - 1) for item in v)}]"
    if kind in (set, frozenset):
        return f"{kind.__name__}{sorted(_fp_value(item, deep - 1) for item in v)}"
    if kind is dict:
        return f"dict{sorted((_fp_value(k, 0), _fp_value(x, deep - 1)) for k, x in v.items())}"
    fields = getattr(kind, "__dataclass_fields__", {})
    return f"{kind.__qualname__}{[(n, _fp_value(getattr(v, n), deep - 1)) for n in fields]}"


def _fp_value(v, deep=3):
    """A value as text. Only type() is asked of an unknown object: a lazy object (Django's
    settings) would set itself up when asked anything else."""
    import sys
    import types

    kind = type(v)
    if kind is types.FunctionType:
        return _fp_function(v, deep)
    if kind in (types.MethodType, staticmethod, classmethod):
        return f"{kind.__name__}:{_fp_value(v.__func__, deep)}"
    if kind is property:
        return f"property:{[_fp_value(f, deep) for f in (v.fget, v.fset, v.fdel)]}"
    if kind is types.ModuleType:
        return f"<module {v.__name__} {sys.modules.get(v.__name__) is v}>"
    if kind in (int, float, complex, str, bytes, bool, type(None)):
        return repr(v)
    if kind is types.BuiltinFunctionType or issubclass(kind, type):
        return f"<{getattr(v, '__module__', '')}.{getattr(v, '__qualname__', '')}>"
    if deep > 0 and (kind in (tuple, list, set, frozenset, dict)
                     or hasattr(kind, "__dataclass_fields__")):
        return _fp_container(v, deep)
    return f"<{kind.__module__}.{kind.__qualname__}>"


def _fp_hashed(name, value):
    """True for what the hash covers: code of any kind, and UPPER_CASE constants."""
    import types

    code = (types.FunctionType, types.MethodType, staticmethod, classmethod, property,
            types.ModuleType, types.BuiltinFunctionType)
    return (type(value) in code or issubclass(type(value), type)
            or (name.upper() == name and any(c.isalpha() for c in name)))


def _course_fingerprint(_names):
    import hashlib
    import importlib

    digest = hashlib.sha256()
    for name in _names:
        module = importlib.import_module(name)
        digest.update(f"{name}@{getattr(module, '__file__', '')}".encode())
        for attribute, value in sorted(vars(module).items()):
            if attribute.startswith("__") or not _fp_hashed(attribute, value):
                continue
            digest.update(f"{attribute}={_fp_value(value)}".encode())
            if issubclass(type(value), type):  # a class: its methods and constants too
                for member, inner in sorted(vars(value).items()):
                    if _fp_hashed(member, inner):
                        digest.update(f"{attribute}.{member}={_fp_value(inner)}".encode())
    return digest.hexdigest()[:16]
