"""Keep the figures (per département, per day, per role) in step with the confirmed signatures, in PostgreSQL.

The counter's approach (0003_signature_counter_triggers): statement-level
triggers with transition tables, so that every way a signature changes (the
site, the admin, a bulk load, a cascade) moves the figures in the same
transaction; each statement adds its change to one of a few shards chosen at
random, so concurrent confirmations from one département, or on one day,
seldom wait for the same row.

Erasing a closed petition's signers keeps its figures: `services.archive`
sets `petitions.keep_figures` for the statement that deletes them, and the
DELETE branch then leaves the figures alone. Withdrawal (any other delete)
lowers them.

The day is the confirmation's, in the site's time zone, like the tallies
`services.archive` keeps.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SHARDS = 8
ZONE = settings.TIME_ZONE.replace("'", "")


def _upserts(changes):
    """One statement: the changes (petition_id, departement, day, role, delta) added to the three tables."""
    return f"""
    WITH changes AS ({changes}),
    by_departement AS (
        INSERT INTO petitions_departementfigure AS f (petition_id, departement, shard, signatures)
        SELECT petition_id, departement, chosen_shard, sum(delta) FROM changes
        GROUP BY petition_id, departement HAVING sum(delta) <> 0 ORDER BY petition_id, departement
        ON CONFLICT (petition_id, departement, shard) DO UPDATE SET signatures = f.signatures + EXCLUDED.signatures
    ),
    by_role AS (
        INSERT INTO petitions_rolefigure AS f (petition_id, role, shard, signatures)
        SELECT petition_id, role, chosen_shard, sum(delta) FROM changes
        GROUP BY petition_id, role HAVING sum(delta) <> 0 ORDER BY petition_id, role
        ON CONFLICT (petition_id, role, shard) DO UPDATE SET signatures = f.signatures + EXCLUDED.signatures
    )
    INSERT INTO petitions_dayfigure AS f (petition_id, day, shard, signatures)
    SELECT petition_id, day, chosen_shard, sum(delta) FROM changes
    GROUP BY petition_id, day HAVING sum(delta) <> 0 ORDER BY petition_id, day
    ON CONFLICT (petition_id, day, shard) DO UPDATE SET signatures = f.signatures + EXCLUDED.signatures;
    """


def _rows(table, sign):
    return f"""
        SELECT petition_id, departement, (confirmed_at AT TIME ZONE '{ZONE}')::date AS day, role, {sign} AS delta
        FROM {table} WHERE confirmed_at IS NOT NULL
    """


FUNCTION = f"""
CREATE FUNCTION petitions_signature_figures() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    chosen_shard smallint := floor(random() * {SHARDS})::smallint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_upserts(_rows("new_rows", "1"))}
    ELSIF TG_OP = 'DELETE' THEN
        IF coalesce(current_setting('petitions.keep_figures', true), '') = 'on' THEN
            RETURN NULL;
        END IF;
        {_upserts(_rows("old_rows", "-1"))}
    ELSE
        {_upserts(_rows("new_rows", "1") + " UNION ALL " + _rows("old_rows", "-1"))}
    END IF;
    RETURN NULL;
END
$$;
"""

TRIGGERS = """
CREATE TRIGGER petitions_signature_figures_insert AFTER INSERT ON petitions_signature
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION petitions_signature_figures();
CREATE TRIGGER petitions_signature_figures_update AFTER UPDATE ON petitions_signature
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION petitions_signature_figures();
CREATE TRIGGER petitions_signature_figures_delete AFTER DELETE ON petitions_signature
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION petitions_signature_figures();
"""

# As for the counter: a petition's cascade may delete its figures before its
# signatures, whose trigger would then write figures of a deleted petition.
PETITION_CLEANUP = """
CREATE FUNCTION petitions_petition_drop_figures() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM petitions_departementfigure WHERE petition_id IN (SELECT id FROM old_rows);
    DELETE FROM petitions_dayfigure WHERE petition_id IN (SELECT id FROM old_rows);
    DELETE FROM petitions_rolefigure WHERE petition_id IN (SELECT id FROM old_rows);
    RETURN NULL;
END
$$;
CREATE TRIGGER petitions_petition_drop_figures AFTER DELETE ON petitions_petition
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION petitions_petition_drop_figures();
"""

STORAGE = """
ALTER TABLE petitions_departementfigure SET (
    fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000
);
ALTER TABLE petitions_dayfigure SET (
    fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000
);
ALTER TABLE petitions_rolefigure SET (
    fillfactor = 10, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000
);
"""

# Signatures already there, and what erased petitions left in their tallies.
BACKFILL = f"""
INSERT INTO petitions_departementfigure (petition_id, departement, shard, signatures)
SELECT petition_id, departement, 0, sum(n) FROM (
    SELECT petition_id, departement, count(*) AS n FROM petitions_signature
    WHERE confirmed_at IS NOT NULL GROUP BY petition_id, departement
    UNION ALL
    SELECT petition_id, departement, sum(signatures) FROM petitions_signaturetally GROUP BY petition_id, departement
) AS rows GROUP BY petition_id, departement;
INSERT INTO petitions_dayfigure (petition_id, day, shard, signatures)
SELECT petition_id, day, 0, sum(n) FROM (
    SELECT petition_id, (confirmed_at AT TIME ZONE '{ZONE}')::date AS day, count(*) AS n FROM petitions_signature
    WHERE confirmed_at IS NOT NULL GROUP BY 1, 2
    UNION ALL
    SELECT petition_id, day, sum(signatures) FROM petitions_signaturetally GROUP BY petition_id, day
) AS rows GROUP BY petition_id, day;
INSERT INTO petitions_rolefigure (petition_id, role, shard, signatures)
SELECT petition_id, role, 0, count(*) FROM petitions_signature
WHERE confirmed_at IS NOT NULL GROUP BY petition_id, role;
"""

DROP = """
DROP TRIGGER IF EXISTS petitions_signature_figures_insert ON petitions_signature;
DROP TRIGGER IF EXISTS petitions_signature_figures_update ON petitions_signature;
DROP TRIGGER IF EXISTS petitions_signature_figures_delete ON petitions_signature;
DROP FUNCTION IF EXISTS petitions_signature_figures();
DROP TRIGGER IF EXISTS petitions_petition_drop_figures ON petitions_petition;
DROP FUNCTION IF EXISTS petitions_petition_drop_figures();
"""



def _figure(name, key_field, verbose):
    return migrations.CreateModel(
        name=name,
        fields=[
            ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
            key_field,
            ("shard", models.PositiveSmallIntegerField()),
            ("signatures", models.BigIntegerField(default=0, verbose_name="signatures")),
            (
                "petition",
                models.ForeignKey(
                    db_index=False,
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="+",
                    to="petitions.petition",
                ),
            ),
        ],
        options={"verbose_name": verbose, "verbose_name_plural": verbose},
    )


ROLE_CHOICES = [
    ("parent", "Parent d'élève"),
    ("enseignant", "Enseignant·e"),
    ("personnel", "Autre personnel de l'éducation"),
    ("autre", "Autre"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0005_organisations_and_audit_log_moved"),
    ]

    operations = [
        _figure(
            "DepartementFigure",
            ("departement", models.CharField(max_length=8, verbose_name="département")),
            "signatures par département",
        ),
        _figure("DayFigure", ("day", models.DateField(verbose_name="jour")), "signatures par jour"),
        _figure(
            "RoleFigure",
            ("role", models.CharField(choices=ROLE_CHOICES, max_length=12, verbose_name="qualité")),
            "signatures par qualité",
        ),
        migrations.CreateModel(
            name="RoleTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("role", models.CharField(choices=ROLE_CHOICES, max_length=12, verbose_name="qualité")),
                ("signatures", models.PositiveIntegerField(verbose_name="signatures")),
                (
                    "petition",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="role_tallies",
                        to="petitions.petition",
                    ),
                ),
            ],
            options={
                "verbose_name": "total anonyme par qualité",
                "verbose_name_plural": "totaux anonymes par qualité",
                "ordering": ["role"],
            },
        ),
        migrations.AddConstraint(
            model_name="departementfigure",
            constraint=models.UniqueConstraint(
                fields=("petition", "departement", "shard"), name="petitions_departementfigure_one_per_shard"
            ),
        ),
        migrations.AddConstraint(
            model_name="dayfigure",
            constraint=models.UniqueConstraint(fields=("petition", "day", "shard"), name="petitions_dayfigure_one_per_shard"),
        ),
        migrations.AddConstraint(
            model_name="rolefigure",
            constraint=models.UniqueConstraint(
                fields=("petition", "role", "shard"), name="petitions_rolefigure_one_per_shard"
            ),
        ),
        migrations.AddConstraint(
            model_name="roletally",
            constraint=models.UniqueConstraint(fields=("petition", "role"), name="petitions_roletally_one_per_role"),
        ),
        migrations.RunSQL(STORAGE + FUNCTION + TRIGGERS + PETITION_CLEANUP + BACKFILL, DROP),
    ]
