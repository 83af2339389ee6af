"""The organisation whose link brought a signer, and the confirmed signatures each link brought per day.

Like the counter shards (0003_signature_counter_triggers), PostgreSQL keeps
petitions_organisationreach in step with the signatures, in the transaction
that confirms, withdraws or erases one, whatever code path does it:
statement-level triggers with transition tables. Increases are upserts;
decreases only update rows that exist, so a cascade that deletes the figures
before the signatures (a petition or an organisation deleted) leaves nothing
behind. Days are Paris days (settings.TIME_ZONE, checked by a test).
"""

import django.db.models.deletion
from django.db import migrations, models


# One row per (organisation, petition, day) a statement touches, from the rows it changed.
CHANGES = """
SELECT via_id, petition_id, (confirmed_at AT TIME ZONE 'Europe/Paris')::date AS day, {sign} count(*) AS n
FROM {rows} WHERE confirmed_at IS NOT NULL AND via_id IS NOT NULL
GROUP BY 1, 2, 3
"""

FUNCTION = f"""
CREATE FUNCTION petitions_signature_reach() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        WITH changes AS ({CHANGES.format(sign="", rows="new_rows")})
        INSERT INTO petitions_organisationreach AS r (organisation_id, petition_id, day, signatures)
        SELECT via_id, petition_id, day, n FROM changes ORDER BY 1, 2, 3
        ON CONFLICT (organisation_id, petition_id, day) DO UPDATE SET signatures = r.signatures + EXCLUDED.signatures;
    ELSIF TG_OP = 'DELETE' THEN
        WITH changes AS ({CHANGES.format(sign="", rows="old_rows")})
        UPDATE petitions_organisationreach AS r SET signatures = r.signatures - changes.n
        FROM changes
        WHERE r.organisation_id = changes.via_id AND r.petition_id = changes.petition_id AND r.day = changes.day;
    ELSE
        WITH changes AS (
            SELECT via_id, petition_id, day, sum(n) AS n FROM (
                {CHANGES.format(sign="", rows="new_rows")}
                UNION ALL
                {CHANGES.format(sign="-", rows="old_rows")}
            ) AS both_sides
            GROUP BY 1, 2, 3
            -- Most updates (a reminder sent) change no figure: touch nothing then.
            HAVING sum(n) <> 0
        ), added AS (
            INSERT INTO petitions_organisationreach AS r (organisation_id, petition_id, day, signatures)
            SELECT via_id, petition_id, day, n FROM changes WHERE n > 0 ORDER BY 1, 2, 3
            ON CONFLICT (organisation_id, petition_id, day) DO UPDATE SET signatures = r.signatures + EXCLUDED.signatures
        )
        UPDATE petitions_organisationreach AS r SET signatures = r.signatures + changes.n
        FROM changes
        WHERE changes.n < 0
          AND r.organisation_id = changes.via_id AND r.petition_id = changes.petition_id AND r.day = changes.day;
    END IF;
    RETURN NULL;
END
$$;
"""

TRIGGERS = """
CREATE TRIGGER petitions_signature_reach_insert AFTER INSERT ON petitions_signature
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION petitions_signature_reach();
CREATE TRIGGER petitions_signature_reach_update AFTER UPDATE ON petitions_signature
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION petitions_signature_reach();
CREATE TRIGGER petitions_signature_reach_delete AFTER DELETE ON petitions_signature
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION petitions_signature_reach();
"""

DROP = """
DROP TRIGGER IF EXISTS petitions_signature_reach_insert ON petitions_signature;
DROP TRIGGER IF EXISTS petitions_signature_reach_update ON petitions_signature;
DROP TRIGGER IF EXISTS petitions_signature_reach_delete ON petitions_signature;
DROP FUNCTION IF EXISTS petitions_signature_reach();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0008_pagerevision_needs_review"),
        ("organisations", "0001_initial"),
        ("petitions", "0006_signature_figures"),
    ]

    operations = [
        migrations.CreateModel(
            name="OrganisationReach",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="jour")),
                ("signatures", models.IntegerField(default=0, verbose_name="signatures confirmées")),
            ],
            options={
                "verbose_name": "signatures apportées par une organisation",
                "verbose_name_plural": "signatures apportées par les organisations",
                "ordering": ["organisation", "day"],
            },
        ),
        migrations.AddField(
            model_name="signature",
            name="via",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="organisations.organisation",
                verbose_name="venue par le lien de",
            ),
        ),
        migrations.AddIndex(
            model_name="signature",
            index=models.Index(
                condition=models.Q(("via__isnull", False)), fields=["via"], name="petitions_signature_via_idx"
            ),
        ),
        migrations.AddField(
            model_name="organisationreach",
            name="organisation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="organisations.organisation",
                verbose_name="organisation",
            ),
        ),
        migrations.AddField(
            model_name="organisationreach",
            name="petition",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="petitions.petition",
                verbose_name="pétition",
            ),
        ),
        migrations.AddConstraint(
            model_name="organisationreach",
            constraint=models.UniqueConstraint(
                fields=("organisation", "petition", "day"), name="petitions_organisationreach_one_per_day"
            ),
        ),
        migrations.AddConstraint(
            model_name="organisationreach",
            constraint=models.CheckConstraint(
                condition=models.Q(("signatures__gte", 0)), name="petitions_organisationreach_not_negative"
            ),
        ),
        migrations.RunSQL(FUNCTION + TRIGGERS, DROP),
    ]
