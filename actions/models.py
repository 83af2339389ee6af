from django.db import models
from django.utils.translation import gettext_lazy as _


class DataProtectionOfficer(models.Model):
    """An académie's data protection officer, to whom a parent may address a request about their child's data.

    Staff fill the list from each académie's own published page, named in
    ``source``: none is shipped, since no address may be typed from memory.
    Parents choose one in the access request's form.
    """

    academie = models.CharField(_("académie"), max_length=100, unique=True)
    designation = models.CharField(
        _("destinataire"),
        max_length=200,
        help_text=_(
            "La première ligne de l'adresse, telle que l'académie la donne (par exemple « Délégué à la "
            "protection des données, Rectorat de l'académie de … »)."
        ),
    )
    address = models.TextField(_("adresse postale"), max_length=300, help_text=_("Sur plusieurs lignes."))
    email = models.EmailField(_("adresse e-mail"), blank=True)
    source = models.URLField(
        _("source"), max_length=500, help_text=_("La page officielle de l'académie où ces coordonnées sont publiées.")
    )
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("délégué·e à la protection des données d'une académie")
        verbose_name_plural = _("délégué·e·s à la protection des données des académies")
        ordering = ["academie"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(academie="") & ~models.Q(designation="") & ~models.Q(address=""),
                name="actions_dpo_has_academie_designation_and_address",
            ),
            models.CheckConstraint(
                condition=models.Q(source__regex=r"^https?://"), name="actions_dpo_source_is_a_web_page"
            ),
        ]

    def __str__(self) -> str:
        return self.academie
