"""A child process the course started and always stops: at the end of a `with` block, on
`stop()`, when it is garbage-collected, or when Python exits.

    class Server(ChildProcess):
        def __init__(self):
            self.process = subprocess.Popen([...])
            self._finalizer = weakref.finalize(self, cleanup, self.process, folder)
            self._started()
"""

import atexit
import weakref

_running = weakref.WeakSet()  # started and not stopped yet


class ChildProcess:
    """Base of a process the course runs (course.serve's Server, course.postgres's cluster).

    A subclass sets `self.process` (a subprocess.Popen) and `self._finalizer` (a
    weakref.finalize that stops the process and removes its files), then calls `_started()`.
    """

    process = None

    def _started(self):
        _running.add(self)

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        """Stop the process and remove its files; safe to call twice."""
        self._finalizer()
        _running.discard(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


@atexit.register
def _stop_all():
    for child in list(_running):
        child.stop()
