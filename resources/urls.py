"""The resource library's pages (`resources:<name>`)."""

from django.urls import path

from resources import views
from resources.collections import views as collection_views

app_name = "resources"
urlpatterns = [
    path("", views.library, name="library"),
    path("new/", views.resource_new, name="new"),
    path("approvals/", views.approvals, name="approvals"),
    path("suggest/", views.strategy_suggest, name="suggest"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path("suggestions/<int:resource_id>/", views.suggestion, name="suggestion"),
    path("suggestions/<int:resource_id>/withdraw/", views.suggestion_withdraw, name="suggestion_withdraw"),
    path("for-you/", views.for_you, name="for_you"),
    path("coverage/", views.coverage, name="coverage"),
    path("<int:resource_id>/", views.resource_detail, name="detail"),
    path("<int:resource_id>/edit/", views.resource_edit, name="edit"),
    path("<int:resource_id>/share/", views.resource_share, name="share"),
    path("<int:resource_id>/copy/", views.resource_copy, name="copy"),
    path("<int:resource_id>/delete/", views.resource_delete, name="delete"),
    path("<int:resource_id>/review/", views.review_save, name="review"),
    path("<int:resource_id>/feedback/", views.feedback, name="feedback"),
    path("<int:resource_id>/versions/new/", views.version_new, name="version_new"),
    path("<int:resource_id>/versions/<int:version_id>/file", views.version_download, name="download"),
]

# Featured collections (resources.collections).
urlpatterns += [
    path("collections/", collection_views.collections, name="collections"),
    path("collections/new/", collection_views.collection_new, name="collection_new"),
    path("collections/<int:collection_id>/", collection_views.collection_detail, name="collection"),
    path("collections/<int:collection_id>/edit/", collection_views.collection_edit, name="collection_edit"),
    path("collections/<int:collection_id>/delete/", collection_views.collection_delete, name="collection_delete"),
    path("collections/<int:collection_id>/items/", collection_views.collection_items, name="collection_items"),
    path(
        "collections/<int:collection_id>/items/<int:item_id>/remove/",
        collection_views.collection_item_remove,
        name="collection_item_remove",
    ),
    path(
        "collections/<int:collection_id>/items/<int:item_id>/move/",
        collection_views.collection_item_move,
        name="collection_item_move",
    ),
]
