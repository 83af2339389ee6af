from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from campaign.forms import BoundedFormMixin
from campaign.images import CleanImage, ImageUploadField
from campaign.models import User
from news import services
from news.models import Post, without_highlight_marks
from news.services import PendingImage, PublicationChoice
from organisations.models import Organisation
from organisations.permissions import organisations_for

CONTENT_FIELDS = ("title", "summary", "body", "image_alt", "organisation")


class PostForm(BoundedFormMixin, forms.ModelForm):
    """The editing page: text, cover image, and when the post appears.

    ``previewing`` relaxes the rules that only matter for publishing (title,
    summary, date), so an unfinished text can be previewed.
    """

    image = ImageUploadField(
        label=_("Image d'illustration (facultative)"),
        required=False,
        max_bytes=settings.NEWS_IMAGE_MAX_BYTES,
        max_side=settings.NEWS_IMAGE_MAX_SIDE,
    )
    # A signed reference to an image uploaded with an earlier submission of
    # this form (a preview, or a refused save): the file input cannot keep it.
    pending_image = forms.CharField(required=False, widget=forms.HiddenInput)
    remove_image = forms.BooleanField(label=_("Retirer l'image"), required=False)
    publication = forms.ChoiceField(
        label=_("Publication"),
        widget=forms.RadioSelect,
        choices=[
            (PublicationChoice.DRAFT, _("Garder en brouillon (invisible du public)")),
            (PublicationChoice.NOW, _("Publier maintenant")),
            (PublicationChoice.SCHEDULE, _("Programmer à la date ci-dessous")),
        ],
        initial=PublicationChoice.DRAFT,
    )
    scheduled_at = forms.DateTimeField(
        label=_("Date et heure de publication programmée"),
        required=False,
        help_text=_("Seulement pour « Programmer ». Heure de Paris, par exemple 2030-06-01 08:30."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    # About twenty printed pages; the Markdown renderer takes some 0.4 s at that size.
    max_lengths = {"body": 50_000}

    class Meta:
        model = Post
        fields = ["title", "summary", "body", "image_alt", "organisation"]
        labels = {
            "title": _("Titre"),
            "summary": _("Résumé"),
            "body": _("Texte"),
            "image_alt": _("Description de l'image"),
            "organisation": _("Publiée au nom de"),
        }
        help_texts = {
            "summary": _("Une ou deux phrases, reprises dans la liste, les flux et l'e-mail aux signataires."),
            "body": _(
                "En Markdown : une ligne vide entre les paragraphes, **gras**, *italique*, "
                "## intertitre, - liste, [texte du lien](https://adresse), > citation."
            ),
            "image_alt": _(
                "Ce que montre l'image, pour les personnes qui ne la voient pas. Obligatoire avec une image."
            ),
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 18}),
        }

    instance: Post

    def __init__(self, *args: Any, user: User | AnonymousUser, previewing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.previewing = previewing
        # The cover image already stored for this post, by this submission or an earlier one.
        self.stored_image: PendingImage | None = None
        organisations = organisations_for(user).approved()
        if self.instance.organisation_id:
            # A post keeps the organisation it was written for, even if that one left the campaign.
            organisations = organisations | Organisation.objects.filter(pk=self.instance.organisation_id)
        field = cast(forms.ModelChoiceField, self.fields["organisation"])
        field.queryset = organisations.distinct().order_by("name")
        field.required = not user.is_staff
        field.empty_label = _("La coalition (aucune organisation)") if user.is_staff else None
        if not user.is_staff:
            field.help_text = ""
        if not user.is_staff and not self.instance.pk and field.queryset.count() == 1:
            field.initial = field.queryset.first()
        if not self.instance.image:
            del self.fields["remove_image"]
        self.fields["publication"].initial = self._initial_publication()
        if self.instance.is_scheduled():
            self.fields["scheduled_at"].initial = timezone.localtime(self.instance.published_at)
        if self.instance.is_public():
            publication = cast(forms.ChoiceField, self.fields["publication"])
            choices = dict(cast(list[tuple[str, Any]], publication.choices))
            choices[PublicationChoice.NOW] = _("Publiée (depuis le %(date)s)") % {
                "date": date_format(timezone.localtime(self.instance.published_at), "DATETIME_FORMAT")
            }
            choices[PublicationChoice.DRAFT] = _("Dépublier : repasser en brouillon")
            publication.choices = list(choices.items())

    def _initial_publication(self) -> str:
        if self.instance.is_public():
            return PublicationChoice.NOW
        if self.instance.is_scheduled():
            return PublicationChoice.SCHEDULE
        return PublicationChoice.DRAFT

    def clean_title(self) -> str:
        # What the model removes on save must not be the whole title.
        return without_highlight_marks(self.cleaned_data["title"]).strip()

    def clean_summary(self) -> str:
        return without_highlight_marks(self.cleaned_data["summary"]).strip()

    def clean_pending_image(self) -> str:
        token = self.cleaned_data.get("pending_image") or ""
        self.stored_image = services.read_image_token(token) if token else None
        return token if self.stored_image else ""

    def clean(self) -> dict[str, Any]:
        cleaned = cast(dict[str, Any], super().clean())
        has_image = bool(
            isinstance(cleaned.get("image"), CleanImage)
            or self.stored_image
            or (self.instance.image and not cleaned.get("remove_image"))
        )
        if has_image and not cleaned.get("image_alt"):
            self.add_error("image_alt", _("Décrivez l'image pour les personnes qui ne la voient pas."))
        if self.previewing:
            return cleaned
        publication = cleaned.get("publication")
        if publication in (PublicationChoice.NOW, PublicationChoice.SCHEDULE):
            if not cleaned.get("title"):
                self.add_error("title", _("Donnez un titre à l'actualité avant de la publier."))
            if not cleaned.get("summary"):
                self.add_error(
                    "summary", _("Écrivez un résumé avant de publier : il apparaît dans la liste et les flux.")
                )
        if publication == PublicationChoice.SCHEDULE:
            scheduled_at = cleaned.get("scheduled_at")
            if scheduled_at is None:
                if "scheduled_at" not in self.errors:
                    self.add_error("scheduled_at", _("Indiquez la date et l'heure de publication."))
            elif scheduled_at <= timezone.now():
                self.add_error(
                    "scheduled_at",
                    _("Cette date est passée : choisissez une date à venir, ou « Publier maintenant »."),
                )
        return cleaned

    def keep_uploaded_image(self) -> PendingImage | None:
        """Store a valid new upload at once and remember it, so that a form shown again does not lose it."""
        image = self.cleaned_data.get("image") if hasattr(self, "cleaned_data") else None
        if isinstance(image, CleanImage):
            token = services.store_image(image)
            self.stored_image = services.read_image_token(token)
            data = cast(QueryDict, self.data).copy()
            data["pending_image"] = token
            self.data = data
            self.cleaned_data["pending_image"] = token
        return self.stored_image

    @property
    def content_changed(self) -> bool:
        return any(name in self.changed_data for name in CONTENT_FIELDS)

    def save_post(self, *, author: User) -> Post:
        post = self.instance
        if post.pk is None:
            post.author = author
        return services.save_post(
            post,
            publication=self.cleaned_data["publication"],
            scheduled_at=self.cleaned_data.get("scheduled_at"),
            image=self.stored_image,
            remove_image=self.cleaned_data.get("remove_image", False),
            content_changed=self.content_changed,
        )


class SearchForm(BoundedFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Rechercher dans l'appel et les actualités"),
        max_length=200,
        required=False,
        error_messages={
            "max_length": _("Votre recherche est trop longue : gardez quelques mots (200 caractères au plus).")
        },
        widget=forms.TextInput(attrs={"type": "search", "enterkeyhint": "search"}),
    )
