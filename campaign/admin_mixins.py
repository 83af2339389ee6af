"""Admin building blocks shared by the apps."""

from django.contrib import admin


class ReadOnlyAdminMixin(admin.options.BaseModelAdmin):
    """Records staff may read but nobody may add, change or delete from the admin (history, logs, tallies).

    ``deletable = True`` keeps deletion (signatures: staff erase one on request).
    """

    deletable = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.deletable and super().has_delete_permission(request, obj)
