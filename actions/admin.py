from django.contrib import admin

from actions.models import DataProtectionOfficer


@admin.register(DataProtectionOfficer)
class DataProtectionOfficerAdmin(admin.ModelAdmin):
    list_display = ["academie", "designation", "email", "source", "updated_at"]
    search_fields = ["academie"]
    fields = ["academie", "designation", "address", "email", "source"]
