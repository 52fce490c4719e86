"""ASGI entry point: `uvicorn demo_project.asgi:application`.

Django's handler serves only "http" scopes, so it refuses uvicorn's lifespan scope; with
uvicorn's default `--lifespan auto` that only logs "ASGI 'lifespan' protocol appears
unsupported." and serving goes on. `--lifespan off` skips the attempt and the log line.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_project.settings")
application = get_asgi_application()
