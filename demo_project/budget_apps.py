"""The demo project with one sync-only middleware added: for notebook 03's thread budget.

    course.serve("uvicorn", app="demo_project.budget_apps:asgi_application")
    course.serve("waitress", app="demo_project.budget_apps:wsgi_application")

Served in a process of its own only: importing it chooses this process's settings.
"""

import os

os.environ["DJANGO_SETTINGS_MODULE"] = "demo_project.budget_settings"

from django.core.asgi import get_asgi_application  # noqa: E402 (after the settings choice)
from django.core.wsgi import get_wsgi_application  # noqa: E402

asgi_application = get_asgi_application()
wsgi_application = get_wsgi_application()
