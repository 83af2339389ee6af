"""Keep petitions_signaturecounter in step with the confirmed signatures, in PostgreSQL.

Why triggers: every way a signature changes (the site, the admin, pruning,
a bulk load with COPY, a cascade) moves the count in the same transaction,
so the count is exact at every commit without each code path remembering to
do it. Statement-level triggers with transition tables: a statement touching
a million rows updates the counter once, not a million times.

Why shards: each statement adds its change to one of 16 rows chosen at
random (created on first use), so concurrent confirmations seldom wait for
the same row lock, unlike a `+1` on the petition row. The count is their sum.
Rows are locked in petition order, so multi-petition statements cannot
deadlock each other.
"""

from django.db import migrations

SHARDS = 16

FUNCTION = f"""
CREATE FUNCTION petitions_signature_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO petitions_signaturecounter AS c (petition_id, shard, confirmed, public, updated_at)
        SELECT petition_id, floor(random() * {SHARDS})::smallint, count(*), count(*) FILTER (WHERE show_name), now()
        FROM new_rows WHERE confirmed_at IS NOT NULL
        GROUP BY petition_id ORDER BY petition_id
        ON CONFLICT (petition_id, shard) DO UPDATE
        SET confirmed = c.confirmed + EXCLUDED.confirmed, public = c.public + EXCLUDED.public,
            updated_at = EXCLUDED.updated_at;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO petitions_signaturecounter AS c (petition_id, shard, confirmed, public, updated_at)
        SELECT petition_id, floor(random() * {SHARDS})::smallint, -count(*), -count(*) FILTER (WHERE show_name), now()
        FROM old_rows WHERE confirmed_at IS NOT NULL
        GROUP BY petition_id ORDER BY petition_id
        ON CONFLICT (petition_id, shard) DO UPDATE
        SET confirmed = c.confirmed + EXCLUDED.confirmed, public = c.public + EXCLUDED.public,
            updated_at = EXCLUDED.updated_at;
    ELSE
        INSERT INTO petitions_signaturecounter AS c (petition_id, shard, confirmed, public, updated_at)
        SELECT petition_id, floor(random() * {SHARDS})::smallint, sum(confirmed), sum(public), now()
        FROM (
            SELECT petition_id, 1 AS confirmed, show_name::int AS public
            FROM new_rows WHERE confirmed_at IS NOT NULL
            UNION ALL
            SELECT petition_id, -1, -show_name::int
            FROM old_rows WHERE confirmed_at IS NOT NULL
        ) AS changes
        GROUP BY petition_id
        -- Most updates (a reminder sent) change no count: touch nothing then.
        HAVING sum(confirmed) <> 0 OR sum(public) <> 0
        ORDER BY petition_id
        ON CONFLICT (petition_id, shard) DO UPDATE
        SET confirmed = c.confirmed + EXCLUDED.confirmed, public = c.public + EXCLUDED.public,
            updated_at = EXCLUDED.updated_at;
    END IF;
    RETURN NULL;
END
$$;
"""

TRIGGERS = """
CREATE TRIGGER petitions_signature_count_insert AFTER INSERT ON petitions_signature
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION petitions_signature_count();
CREATE TRIGGER petitions_signature_count_update AFTER UPDATE ON petitions_signature
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION petitions_signature_count();
CREATE TRIGGER petitions_signature_count_delete AFTER DELETE ON petitions_signature
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION petitions_signature_count();
"""

# Deleting a petition deletes its signatures first (Django's cascade), in an
# order that may put them after its counters: their trigger would then leave
# counter rows pointing to a deleted petition. This sweeps them once the
# petition row itself is gone (the foreign key is checked at commit).
PETITION_CLEANUP = """
CREATE FUNCTION petitions_petition_drop_counters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM petitions_signaturecounter WHERE petition_id IN (SELECT id FROM old_rows);
    RETURN NULL;
END
$$;
CREATE TRIGGER petitions_petition_drop_counters AFTER DELETE ON petitions_petition
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION petitions_petition_drop_counters();
"""

# A few rows updated hundreds of times a second: leave room on each page so
# that updates stay HOT (no index entry per update) and the page prunes itself,
# and vacuum the table often.
STORAGE = """
ALTER TABLE petitions_signaturecounter SET (
    fillfactor = 10, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000
);
"""

# Signatures already there when the triggers arrive.
BACKFILL = """
INSERT INTO petitions_signaturecounter (petition_id, shard, confirmed, public, updated_at)
SELECT petition_id, 0, count(*), count(*) FILTER (WHERE show_name), now()
FROM petitions_signature WHERE confirmed_at IS NOT NULL GROUP BY petition_id;
"""

DROP = """
DROP TRIGGER IF EXISTS petitions_signature_count_insert ON petitions_signature;
DROP TRIGGER IF EXISTS petitions_signature_count_update ON petitions_signature;
DROP TRIGGER IF EXISTS petitions_signature_count_delete ON petitions_signature;
DROP FUNCTION IF EXISTS petitions_signature_count();
DROP TRIGGER IF EXISTS petitions_petition_drop_counters ON petitions_petition;
DROP FUNCTION IF EXISTS petitions_petition_drop_counters();
DELETE FROM petitions_signaturecounter;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0002_signature_tokens_counters"),
    ]

    operations = [
        migrations.RunSQL(STORAGE + FUNCTION + TRIGGERS + PETITION_CLEANUP + BACKFILL, DROP),
    ]
