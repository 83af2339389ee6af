"""Paper batches: bounds kept by PostgreSQL, staff's decisions, the totals they move, the audit log."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from campaign import outbox
from campaign.db import violated_constraint
from campaign.models import AuditEntry, OutgoingEmail
from organisations import paper
from organisations.models import PAPER_DEPARTEMENTS, PaperBatch, PaperBatchLine, PaperTally
from tests.campaign.factories import make_user
from tests.organisations.factories import make_batch, make_editor, make_organisation

pytestmark = pytest.mark.django_db


def constraint_of(function):
    """The name of the constraint ``function`` violates, deferred ones checked as at commit."""
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        function()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return violated_constraint(raised.value)


def tallies():
    return dict(PaperTally.objects.values_list("departement", "signatures"))


# --- Bounds -----------------------------------------------------------------


def test_a_batch_holds_between_1_and_2000_signatures():
    organisation = make_organisation()

    def batch_of(n):
        return lambda: PaperBatch.objects.create(
            organisation=organisation, collected_on=date(2026, 11, 1), signatures=n
        )

    assert constraint_of(batch_of(0)) == "organisations_paperbatch_signatures_bounds"
    assert constraint_of(batch_of(2001)) == "organisations_paperbatch_signatures_bounds"


def test_the_lines_must_add_up_to_the_batch():
    batch = make_batch(counts={"38": 10})

    def add_line():
        PaperBatchLine.objects.create(batch=batch, departement="75", signatures=5)

    assert constraint_of(add_line) == "organisations_paperbatch_lines_sum"


def test_a_batch_has_at_most_50_departements():
    organisation = make_organisation()
    codes = PAPER_DEPARTEMENTS[:51]

    def enter():
        paper.enter_batch(
            organisation, collected_on=date(2026, 11, 1), counts=dict.fromkeys(codes, 1), user=make_user()
        )

    assert constraint_of(enter) == "organisations_paperbatch_lines_max"


def test_an_unknown_departement_is_refused():
    def enter():
        paper.enter_batch(make_organisation(), collected_on=date(2026, 11, 1), counts={"99": 3}, user=make_user())

    assert constraint_of(enter) == "organisations_paperline_departement_known"


def test_a_refused_batch_needs_a_reason():
    batch = make_batch()

    def refuse_silently():
        PaperBatch.objects.filter(pk=batch.pk).update(status="refused", reviewed_at=batch.created_at)

    assert constraint_of(refuse_silently) == "organisations_paperbatch_refusal_has_reason"


# --- Decisions and totals ---------------------------------------------------


def test_only_accepted_batches_count_and_every_figure_follows():
    organisation = make_organisation()
    staff = make_user(staff=True)
    pending = make_batch(organisation, {"38": 12, "etranger": 3})
    accepted = make_batch(organisation, {"38": 5, "2A": 7}, accepted=True)
    refused = paper.refuse(make_batch(organisation, {"75": 40}), user=staff, reason="Doublon du lot précédent.")

    assert (pending.status, accepted.status, refused.status) == ("pending", "accepted", "refused")
    assert paper.accepted_by_departement() == {"2A": 7, "38": 5}
    assert paper.accepted_total() == 12
    assert paper.accepted_for(organisation) == 12
    assert paper.true_by_departement() == paper.accepted_by_departement()

    paper.accept(pending, user=staff)

    assert paper.accepted_by_departement() == {"2A": 7, "38": 17, "etranger": 3}
    assert paper.accepted_total() == 27
    assert paper.accepted_for(organisation) == 27

    paper.withdraw(accepted, user=staff, reason="Feuilles signées deux fois.")

    assert paper.accepted_by_departement() == {"38": 12, "etranger": 3}
    assert tallies() == {"2A": 0, "38": 12, "etranger": 3}
    assert paper.accepted_total() == 15
    assert paper.accepted_for(organisation) == 15
    assert paper.true_by_departement() == paper.accepted_by_departement()


def test_a_decision_applies_once():
    staff = make_user(staff=True)
    batch = make_batch(accepted=True)

    with pytest.raises(paper.InvalidTransition):
        paper.accept(batch, user=staff)
    with pytest.raises(paper.InvalidTransition):
        paper.refuse(batch, user=staff, reason="Trop tard.")
    paper.withdraw(batch, user=staff, reason="Erreur de saisie.")
    with pytest.raises(paper.InvalidTransition):
        paper.withdraw(batch, user=staff, reason="Encore.")

    assert paper.accepted_total() == 0


def test_deleting_an_accepted_batch_takes_its_signatures_off():
    batch = make_batch(counts={"38": 4}, accepted=True)

    batch.delete()

    assert tallies() == {"38": 0}


def test_every_step_is_in_the_audit_log():
    organisation = make_organisation(name="SUD éducation 38")
    editor = make_editor(organisation, "redaction@example.org")
    staff = make_user("equipe@example.org", staff=True)

    batch = paper.enter_batch(
        organisation, collected_on=date(2026, 11, 20), counts={"38": 12, "etranger": 3}, user=editor
    )
    paper.accept(batch, user=staff)
    paper.withdraw(batch, user=staff, reason="Feuilles perdues.")

    entries = list(AuditEntry.objects.order_by("pk").values_list("user_email", "action", "model", "query", "rows"))
    description = f"#{batch.pk} SUD éducation 38 (2026-11-20) — 38: 12, etranger: 3"
    assert entries == [
        ("redaction@example.org", "enter", "organisations.paperbatch", description, 15),
        ("equipe@example.org", "accept", "organisations.paperbatch", description, 15),
        ("equipe@example.org", "withdraw", "organisations.paperbatch", description, 15),
    ]


def test_refusal_and_withdrawal_email_the_reason_to_the_editors():
    organisation = make_organisation(name="SNUipp 82")
    one = make_editor(organisation, "une@example.org")
    two = make_editor(organisation, "deux@example.org")
    make_editor(make_organisation(), "autre@example.org")
    staff = make_user(staff=True)

    refused = paper.refuse(make_batch(organisation), user=staff, reason="Les feuilles ne portent pas de date.")
    withdrawn = paper.withdraw(make_batch(organisation, accepted=True), user=staff, reason="Lot saisi deux fois.")

    emails = list(OutgoingEmail.objects.order_by("pk"))
    assert [(email.recipient, email.key) for email in emails] == [
        ("une@example.org", f"organisations.paper_batch_refused:{refused.pk}:{one.pk}"),
        ("deux@example.org", f"organisations.paper_batch_refused:{refused.pk}:{two.pk}"),
        ("une@example.org", f"organisations.paper_batch_withdrawn:{withdrawn.pk}:{one.pk}"),
        ("deux@example.org", f"organisations.paper_batch_withdrawn:{withdrawn.pk}:{two.pk}"),
    ]
    # Rendered as the worker renders them when it sends.
    rendered = [outbox.render(email) for email in emails]
    assert [(message.to, message.subject) for message in rendered[1:3]] == [
        ("deux@example.org", "Signatures papier de SNUipp 82 : lot refusé"),
        ("une@example.org", "Signatures papier de SNUipp 82 : lot retiré du compte"),
    ]
    assert "Les feuilles ne portent pas de date." in rendered[0].text
    assert "Lot saisi deux fois." in rendered[2].text
    assert f"/espace/organisations/{organisation.slug}/papier/" in rendered[0].text


# --- Reconciliation ---------------------------------------------------------


def test_reconcile_finds_and_fixes_a_drift_in_the_tallies():
    make_batch(counts={"38": 12, "etranger": 3}, accepted=True)
    PaperTally.objects.filter(departement="38").update(signatures=40)
    PaperTally.objects.create(departement="75", signatures=2)

    checked = paper.reconcile(fix=False)
    fixed = paper.reconcile()
    again = paper.reconcile()

    assert (checked.stored, checked.actual) == ({"38": 40, "75": 2, "etranger": 3}, {"38": 12, "etranger": 3})
    assert fixed.differs
    assert not again.differs
    assert tallies() == {"38": 12, "etranger": 3}


def test_reconcile_counts_reports_paper_too():
    make_batch(counts={"38": 12}, accepted=True)
    PaperTally.objects.filter(departement="38").update(signatures=10)
    out = StringIO()

    call_command("reconcile_counts", "--check", stdout=out)

    assert out.getvalue() == "paper: stored 10, counted 12 (38 10→12): not fixed (--check).\n1 count(s) were wrong.\n"
