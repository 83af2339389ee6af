from django.urls import path
from django.utils.translation import pgettext_lazy

from actions import views

app_name = "actions"

# The addresses are translated: /agir/ in French, /en/act/ in English.
urlpatterns = [
    path(pgettext_lazy("URL", "agir/"), views.act, name="act"),
    path(pgettext_lazy("URL", "agir/<slug:slug>/"), views.letter, name="letter"),
]
