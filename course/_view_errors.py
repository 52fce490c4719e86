"""Remember the exceptions that views raise, so a 500 can say what went wrong.

Django logs every unhandled view exception on the `django.request` logger. The embedded
project sends that logger here instead of printing a traceback into the notebook (LOGGING);
a project configured by hand keeps its own logging, and `install()` adds the collector too.
"""

import collections
import itertools
import logging
import traceback

_recent = collections.deque(maxlen=200)  # (sequence number, path, summary, traceback text)
_sequence = itertools.count(1)


class ViewErrorCollector(logging.Handler):
    def emit(self, record):
        if not record.exc_info or record.exc_info[1] is None:
            return
        request = getattr(record, "request", None)
        exc = record.exc_info[1]
        summary = f"{type(exc).__name__}: {exc}"
        text = "".join(traceback.format_exception(*record.exc_info))
        _recent.append((next(_sequence), getattr(request, "path", None), summary, text))


def install():
    """Make sure the `django.request` logger feeds a collector (once; safe to repeat)."""
    logger = logging.getLogger("django.request")
    if not any(isinstance(handler, ViewErrorCollector) for handler in logger.handlers):
        logger.addHandler(ViewErrorCollector())


def mark():
    """A point in time: errors logged after it are newer than `mark()`'s return value."""
    return _recent[-1][0] if _recent else 0


def last_error(path, since=0):
    """Return (summary, traceback) of the newest exception raised for `path` after `since`."""
    for sequence, error_path, summary, text in reversed(_recent):
        if sequence <= since:
            break
        if error_path == path:
            return summary, text
    return None


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"collector": {"class": "course._view_errors.ViewErrorCollector"}},
    "loggers": {
        "django.request": {"handlers": ["collector"], "level": "ERROR", "propagate": False},
    },
}
