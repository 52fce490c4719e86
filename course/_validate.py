"""Argument checks that name the parameter, what was received and what is allowed."""

MAX_REQUESTS = 5000  # requests one measurement or load test may send: bounded on purpose


def whole_number(name, value, low, high, hint=""):
    """Return `value` if it is an int from `low` to `high`, else raise ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low:,} to {high:,}, "
                         f"got {value!r}.{' ' + hint if hint else ''}")
    return value


def seconds(name, value, low, high, *, low_included=False):
    """Return `value` if it is a number of seconds in range, else raise ValueError naming `name`."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    above = number and (low <= value if low_included else low < value)
    if not (above and value <= high):
        bound = "at least" if low_included else "above"
        raise ValueError(f"{name} must be a number of seconds {bound} {low:g} and at most "
                         f"{high:g}, got {value!r}.")
    return value


def request_count(value, name="requests"):
    """Return a request count from 1 to MAX_REQUESTS, else raise ValueError."""
    return whole_number(name, value, 1, MAX_REQUESTS)
