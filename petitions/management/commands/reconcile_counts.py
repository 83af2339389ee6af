from django.core.management.base import BaseCommand

from organisations import paper
from petitions import counter, figures
from petitions.models import Petition


class Command(BaseCommand):
    help = (
        "Compare each petition's stored count and figures (per département, day and role) with its signatures "
        "counted one by one, and the paper totals per département with the accepted batches; fix any difference "
        "and report it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Report differences without fixing them.")

    def handle(self, *args, check=False, **options):
        differences = 0
        for petition in Petition.objects.order_by("pk"):
            result = counter.reconcile(petition, fix=not check)
            (stored, stored_public), (actual, actual_public) = result.stored, result.actual
            if result.differs:
                action = "not fixed (--check)" if check else "fixed"
                self.stdout.write(
                    f"{petition.slug}: stored {stored} confirmed / {stored_public} public, "
                    f"counted {actual} / {actual_public}: {action}."
                )
            else:
                self.stdout.write(f"{petition.slug}: {actual} confirmed / {actual_public} public, exact.")
            breakdown = figures.reconcile(petition.pk, fix=not check)
            if breakdown.differs:
                action = "not fixed (--check)" if check else "fixed"
                self.stdout.write(
                    f"{petition.slug}: figures per {', '.join(breakdown.differences())} differ from the signatures: "
                    f"{action}."
                )
            differences += result.differs or breakdown.differs
        result = paper.reconcile(fix=not check)
        if result.differs:
            differences += 1
            wrong = sorted(
                f"{code} {result.stored.get(code, 0)}→{result.actual.get(code, 0)}"
                for code in result.stored.keys() | result.actual.keys()
                if result.stored.get(code, 0) != result.actual.get(code, 0)
            )
            action = "not fixed (--check)" if check else "fixed"
            self.stdout.write(
                f"paper: stored {result.stored_total}, counted {result.actual_total} ({', '.join(wrong)}): {action}."
            )
        else:
            self.stdout.write(f"paper: {result.actual_total} accepted, exact.")
        if differences:
            self.stdout.write(f"{differences} count(s) were wrong.")
        else:
            self.stdout.write("Nothing to fix.")
