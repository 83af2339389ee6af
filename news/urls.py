"""News: list, posts, feeds, search, editing."""

from django.urls import path

from news import feeds, views

app_name = "news"

urlpatterns = [
    path("actualites/", views.post_list, name="list"),
    path("actualites/rss/", feeds.LatestPostsFeed(), name="rss"),
    path("actualites/atom/", feeds.LatestPostsAtomFeed(), name="atom"),
    path("actualites/desabonnement/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("actualites/<slug:slug>/", views.post_detail, name="detail"),
    path("organisations/<slug:slug>/rss/", feeds.OrganisationPostsFeed(), name="organisation_rss"),
    path("recherche/", views.search, name="search"),
    path("espace/actualites/", views.manage_list, name="manage"),
    path("espace/actualites/nouvelle/", views.manage_create, name="create"),
    path("espace/actualites/<int:pk>/", views.manage_edit, name="edit"),
    path("espace/actualites/<int:pk>/depublier/", views.manage_unpublish, name="unpublish"),
    path("espace/actualites/<int:pk>/envoyer/", views.manage_send, name="send"),
]
