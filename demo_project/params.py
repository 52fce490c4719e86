"""Read bounded numbers from a query string, with a JSON 400 for bad input."""

from django.http import JsonResponse

MAX_DELAY_S = 30.0  # no demo request should wait longer than this


class BadParameter(ValueError):
    def response(self):
        return JsonResponse({"error": str(self)}, status=400)


def delay_from(request, default_s=1.0):
    """Return the `delay_s` query parameter as seconds between 0 and MAX_DELAY_S."""
    raw = request.GET.get("delay_s", default_s)
    try:
        delay_s = float(raw)
    except (TypeError, ValueError):
        raise BadParameter(f"delay_s must be a number of seconds, got {raw!r}") from None
    if not 0 <= delay_s <= MAX_DELAY_S:
        raise BadParameter(f"delay_s must be between 0 and {MAX_DELAY_S:g}, got {delay_s:g}")
    return delay_s
