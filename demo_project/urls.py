from django.urls import include, path

from demo_project import streaming, views, wsgi_views
from demo_project.catalog import views as catalog

urlpatterns = [
    path("health/", views.health, name="health"),
    path("sleep/sync/", views.sleep_sync, name="sleep-sync"),
    path("sleep/async/", views.sleep_async, name="sleep-async"),
    path("upstream/<str:name>/", views.upstream, name="upstream"),
    path("books/sync/", catalog.books_sync, name="books-sync"),
    path("books/async/", catalog.books_async, name="books-async"),
    path("authors/<int:author_id>/", catalog.author_detail, name="author-detail"),
    path("stream/events/", streaming.stream_events, name="stream-events"),
    path("stream/events/sync/", streaming.stream_events_sync, name="stream-events-sync"),
    path("stream/cleanups/", streaming.stream_cleanups, name="stream-cleanups"),
    path("poll/wait/", streaming.poll_wait, name="poll-wait"),
    path("poll/publish/", streaming.poll_publish, name="poll-publish"),
    path("budget/", include("demo_project.budget_views")),  # notebook 03's thread budget
    path("wsgi/gathered/", wsgi_views.gathered, name="wsgi-gathered"),
    path("wsgi/shared-client/", wsgi_views.shared_client_call, name="wsgi-shared-client"),
]
