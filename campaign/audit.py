"""The audit log of staff access to personal data in bulk, and of changes to the public count.

``AuditedAdminMixin`` goes first in the bases of the ModelAdmin of any model
holding personal data (organisation contacts, signatures): every list view
and every export writes an ``AuditEntry`` (who, when, what, how many rows).
"""

import csv
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import admin
from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from campaign.models import AuditEntry

# A cell starting with one of these is a formula to a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def record_access(request, *, action, model, query="", rows=None):
    return AuditEntry.objects.create(
        user=request.user,
        user_email=request.user.email,
        action=action,
        model=model._meta.label_lower,
        query=query[:500],
        rows=rows,
    )


def record_change(user, *, action, instance, description, rows=None):
    """Record who changed ``instance`` and how (entered, accepted, refused, withdrew), in the current transaction."""
    return AuditEntry.objects.create(
        user=user,
        user_email=user.email,
        action=action,
        model=instance._meta.label_lower,
        query=description[:500],
        rows=rows,
    )


def spreadsheet_safe(value):
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


class AuditedAdminMixin(admin.ModelAdmin):
    """Record every changelist view and export of this model in the audit log.

    For a CSV export of the selected rows, itself recorded: set
    ``audit_export_fields = [(attribute or callable, header), …]`` and add
    ``"export_csv"`` to the admin's ``actions``.
    """

    audit_export_fields: Sequence[tuple[str | Callable[[Any], object], str | Promise]] = ()

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            record_access(
                request,
                action=AuditEntry.Action.LIST,
                model=self.model,
                query=request.GET.urlencode(),
                rows=len(changelist.result_list),
            )
        return response

    @admin.action(description=_("Exporter la sélection (CSV)"), permissions=["view"])
    def export_csv(self, request, queryset):
        rows = list(queryset)
        record_access(
            request,
            action=AuditEntry.Action.EXPORT,
            model=self.model,
            query=request.GET.urlencode(),
            rows=len(rows),
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.model._meta.model_name}.csv"'
        response.write("\ufeff")  # so that spreadsheets read UTF-8
        writer = csv.writer(response)
        writer.writerow([str(header) for _field, header in self.audit_export_fields])
        for row in rows:
            writer.writerow(
                [
                    spreadsheet_safe(field(row) if callable(field) else getattr(row, field))
                    for field, _header in self.audit_export_fields
                ]
            )
        return response
