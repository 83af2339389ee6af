"""The widgets other sites embed.

One address whatever the reader's language (``?lang=en``): campaign/urls.py
puts them outside the language prefixes.
"""

from django.urls import path

from petitions import spread

app_name = "widgets"

urlpatterns = [
    path("widget/compteur/", spread.counter_frame, name="counter"),
    path("widget/compteur.svg", spread.counter_badge, name="badge"),
    path("widget/carte.png", spread.share_card, name="card"),
    path("oembed", spread.oembed, name="oembed"),
]
