"""The demo project's settings plus one sync-only middleware (see budget_apps.py)."""

from demo_project.settings import *  # noqa: F403
from demo_project.settings import MIDDLEWARE

MIDDLEWARE = [*MIDDLEWARE, "demo_project.budget_middleware.SyncOnlyMiddleware"]
