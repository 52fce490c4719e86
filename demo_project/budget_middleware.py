"""A middleware in the plain, old style: sync only, as many third-party ones still are."""


class SyncOnlyMiddleware:
    """Does nothing but pass the request on. Under ASGI, Django still has to run it on a
    thread (sync_to_async) and run the rest of the chain from it (async_to_sync)."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
