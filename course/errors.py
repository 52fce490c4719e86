"""Remember the exceptions that views raise, so a 500 can say what went wrong.

Django logs every unhandled view exception on the `django.request` logger; the embedded
project sends that logger here instead of printing a traceback into the notebook.
"""

import collections
import logging
import traceback

_recent = collections.deque(maxlen=200)  # (path, summary, traceback text)


class ViewErrorCollector(logging.Handler):
    def emit(self, record):
        if not record.exc_info or record.exc_info[1] is None:
            return
        request = getattr(record, "request", None)
        exc = record.exc_info[1]
        summary = f"{type(exc).__name__}: {exc}"
        text = "".join(traceback.format_exception(*record.exc_info))
        _recent.append((getattr(request, "path", None), summary, text))


def last_error(path):
    """Return (summary, traceback) of the newest exception raised for `path`, or None."""
    for error_path, summary, text in reversed(_recent):
        if error_path == path:
            return summary, text
    return None


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"collector": {"class": "course.errors.ViewErrorCollector"}},
    "loggers": {
        "django.request": {"handlers": ["collector"], "level": "ERROR", "propagate": False},
    },
}
