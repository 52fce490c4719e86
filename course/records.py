"""Timing records: plain values that measurements produce and plots draw."""

import html
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Record:
    """One request (or task) on a timeline: seconds since the batch started."""

    label: str
    start_s: float
    end_s: float
    thread: str = ""
    status: int | None = None
    view_start_s: float | None = None  # when the view itself began (None: unknown)
    view_end_s: float | None = None  # when the view returned (None: unknown)

    @property
    def duration_s(self):
        return self.end_s - self.start_s


@dataclass
class Run:
    """A batch of records with a title, e.g. '3 requests to an async view'."""

    title: str
    records: list
    peak_threads: int | None = None  # most threads alive at once while it ran
    baseline_threads: int | None = None  # threads alive just before it started
    notes: dict = field(default_factory=dict)

    @property
    def total_s(self):
        if not self.records:
            return 0.0
        return max(r.end_s for r in self.records) - min(r.start_s for r in self.records)

    @property
    def threads(self):
        """The distinct threads that ran the views, in order of first appearance."""
        return list(dict.fromkeys(r.thread for r in self.records if r.thread))

    @property
    def statuses(self):
        return sorted({r.status for r in self.records if r.status is not None})

    @property
    def extra_threads(self):
        if self.peak_threads is None or self.baseline_threads is None:
            return None
        return self.peak_threads - self.baseline_threads

    def overlapping(self):
        """True when every view started before the first one ended: they ran together.

        Uses the views' own start and end times where known: requests sent at once can
        still be served one after another, and a blocked event loop delays the client too."""
        starts = [r.start_s if r.view_start_s is None else r.view_start_s for r in self.records]
        ends = [r.end_s if r.view_end_s is None else r.view_end_s for r in self.records]
        return bool(self.records) and max(starts) < min(ends)

    def events(self):
        """The run as a story: [(seconds, text)], in time order, e.g. for a step-through."""
        happened = []
        for r in self.records:
            began = r.start_s if r.view_start_s is None else r.view_start_s
            if began - r.start_s > 1e-3:
                happened.append((r.start_s, f"{r.label} arrives and waits"))
            where = f" on {r.thread}" if r.thread else ""
            happened.append((began, f"{r.label} starts{where}"))
            happened.append((r.end_s, f"{r.label} is done"))
        return sorted(happened, key=lambda event: event[0])

    def summary(self):
        parts = [f"{self.title}: {len(self.records)} in {self.total_s:.2f} s"]
        if self.threads:
            shown = ", ".join(self.threads[:3]) + (" …" if len(self.threads) > 3 else "")
            parts.append(f"on {len(self.threads)} thread(s) [{shown}]")
        if self.peak_threads is not None:
            parts.append(f"peak {self.peak_threads} threads alive "
                         f"({self.extra_threads:+d} over the {self.baseline_threads} before)")
        if self.statuses and self.statuses != [200]:
            parts.append(f"statuses {self.statuses}")
        return ", ".join(parts)

    def __repr__(self):
        return f"<Run {self.summary()}>"

    def _repr_html_(self):
        return f"<b>{html.escape(self.title)}</b>: {html.escape(self.summary()[len(self.title) + 2:])}"
