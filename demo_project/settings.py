"""Settings for the demo project: safe defaults, for local use only.

Environment variables:
    DJANGO_SECRET_KEY  the secret key (a development-only fallback is used when unset)
    DJANGO_DEBUG       "1" turns DEBUG on (off by default)
    DEMO_DB_PATH       the SQLite file (default: db.sqlite3 beside manage.py)
    DEMO_DATABASE      a JSON object that replaces DATABASES["default"] (course.postgres sets it)
    DEMO_URLCONF       another ROOT_URLCONF (course.postgres: demo_project.pg_urls)
    DEMO_EXTRA_APPS    more INSTALLED_APPS, comma-separated (course.postgres: django_async_backend)
"""

import json
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

# DEVELOPMENT ONLY: this fallback key is public. Set DJANGO_SECRET_KEY anywhere else.
SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "django-insecure-development-only-key-do-not-deploy"
)
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
# Loopback only: the demo is never meant to be reachable from another machine.
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "demo_project.catalog",
    *filter(None, os.environ.get("DEMO_EXTRA_APPS", "").split(",")),
]

# Both are MiddlewareMixin subclasses: sync-and-async capable, so no adapter wraps the chain,
# but under ASGI MiddlewareMixin.__acall__ runs each process_request/process_response through
# sync_to_async(thread_sensitive=True): four hops to the request's thread per request
# (django/utils/deprecation.py, Django 5.2 and 6.x alike).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = os.environ.get("DEMO_URLCONF", "demo_project.urls")
WSGI_APPLICATION = "demo_project.wsgi.application"
ASGI_APPLICATION = "demo_project.asgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEMO_DB_PATH", str(BASE_DIR / "db.sqlite3")),
        # Wait for a lock instead of failing at once when requests write concurrently.
        "OPTIONS": {"timeout": 20},
    }
}
if os.environ.get("DEMO_DATABASE"):
    DATABASES["default"] = json.loads(os.environ["DEMO_DATABASE"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
