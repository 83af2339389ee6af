from django.core.management.base import BaseCommand

from petitions import services


class Command(BaseCommand):
    help = (
        "Delete unconfirmed signatures whose link has expired, and erase the signers of petitions closed "
        "for longer than SIGNATURE_RETENTION_MONTHS (keeping counts per département and day)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report what would be deleted; change nothing.")

    def handle(self, *args, dry_run=False, **options):
        report = services.prune(dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(f"{verb} {report.unconfirmed} unconfirmed signature(s).")
        for slug, count in report.erased.items():
            verb = "Would erase" if dry_run else "Erased"
            self.stdout.write(f"{verb} the {count} signature(s) of closed petition {slug!r}; counts kept.")
