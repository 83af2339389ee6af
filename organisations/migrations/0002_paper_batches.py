"""Paper signature batches, their lines per département, and the accepted totals per département.

Why triggers: a batch counts from the moment staff accept it to the moment
they withdraw it, whatever path changes it (the site, the admin, a script).
Row triggers move ``organisations_papertally`` in the same transaction, so
the paper count is exact at every commit without any code path remembering
to do it. One row per département, touched only on a staff decision: no hot
row for the counter to fear.

A deferred constraint trigger checks, at commit, that a batch's lines add
up to its ``signatures`` and number at most 50: bounds that no single-row
CHECK can express.
"""


import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MAX_LINES = 50

TALLY = """
CREATE FUNCTION organisations_paper_tally_add(code varchar, amount integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- Subtract with an UPDATE: PostgreSQL checks an INSERT's row (a negative
    -- count) against the CHECK before ON CONFLICT turns it into an update.
    IF amount < 0 THEN
        UPDATE organisations_papertally SET signatures = signatures + amount, updated_at = now()
        WHERE departement = code;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no paper tally for % to take % from', code, -amount
                USING ERRCODE = 'check_violation', CONSTRAINT = 'organisations_papertally_not_negative';
        END IF;
    ELSE
        INSERT INTO organisations_papertally AS t (departement, signatures, updated_at)
        VALUES (code, amount, now())
        ON CONFLICT (departement) DO UPDATE
        SET signatures = t.signatures + EXCLUDED.signatures, updated_at = EXCLUDED.updated_at;
    END IF;
END
$$;

CREATE FUNCTION organisations_paperline_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
        SELECT 1 FROM organisations_paperbatch WHERE id = OLD.batch_id AND status = 'accepted'
    ) THEN
        PERFORM organisations_paper_tally_add(OLD.departement, -OLD.signatures);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
        SELECT 1 FROM organisations_paperbatch WHERE id = NEW.batch_id AND status = 'accepted'
    ) THEN
        PERFORM organisations_paper_tally_add(NEW.departement, NEW.signatures);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER organisations_paperline_tally AFTER INSERT OR UPDATE OR DELETE ON organisations_paperbatchline
    FOR EACH ROW EXECUTE FUNCTION organisations_paperline_tally();

CREATE FUNCTION organisations_paperbatch_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    direction integer;
BEGIN
    IF NEW.status = 'accepted' THEN
        direction := 1;
    ELSIF OLD.status = 'accepted' THEN
        direction := -1;
    ELSE
        RETURN NULL;
    END IF;
    -- In département order, so that two decisions never lock tally rows in opposite orders.
    PERFORM organisations_paper_tally_add(departement, direction * signatures)
    FROM (
        SELECT departement, signatures FROM organisations_paperbatchline
        WHERE batch_id = NEW.id ORDER BY departement
    ) AS lines;
    RETURN NULL;
END
$$;
CREATE TRIGGER organisations_paperbatch_tally AFTER UPDATE OF status ON organisations_paperbatch
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND 'accepted' IN (OLD.status, NEW.status))
    EXECUTE FUNCTION organisations_paperbatch_tally();
"""

LINES_CHECK = f"""
CREATE FUNCTION organisations_paperbatch_check_lines() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    target bigint;
    expected integer;
    total integer;
    line_count integer;
BEGIN
    IF TG_TABLE_NAME = 'organisations_paperbatch' THEN
        target := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        target := OLD.batch_id;
    ELSE
        target := NEW.batch_id;
    END IF;
    SELECT b.signatures, coalesce(sum(l.signatures), 0), count(l.id)
    INTO expected, total, line_count
    FROM organisations_paperbatch b LEFT JOIN organisations_paperbatchline l ON l.batch_id = b.id
    WHERE b.id = target GROUP BY b.signatures;
    IF NOT FOUND THEN
        RETURN NULL;  -- the batch itself was deleted
    END IF;
    IF total <> expected THEN
        RAISE EXCEPTION 'paper batch % has % signatures but its lines add up to %', target, expected, total
            USING ERRCODE = 'check_violation', CONSTRAINT = 'organisations_paperbatch_lines_sum';
    END IF;
    IF line_count > {MAX_LINES} THEN
        RAISE EXCEPTION 'paper batch % has % lines, more than {MAX_LINES}', target, line_count
            USING ERRCODE = 'check_violation', CONSTRAINT = 'organisations_paperbatch_lines_max';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER organisations_paperbatch_lines_sum AFTER INSERT OR UPDATE OF signatures
    ON organisations_paperbatch DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION organisations_paperbatch_check_lines();
CREATE CONSTRAINT TRIGGER organisations_paperline_lines_sum AFTER INSERT OR UPDATE OR DELETE
    ON organisations_paperbatchline DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION organisations_paperbatch_check_lines();
"""

DROP = """
DROP TRIGGER IF EXISTS organisations_paperline_lines_sum ON organisations_paperbatchline;
DROP TRIGGER IF EXISTS organisations_paperbatch_lines_sum ON organisations_paperbatch;
DROP FUNCTION IF EXISTS organisations_paperbatch_check_lines();
DROP TRIGGER IF EXISTS organisations_paperbatch_tally ON organisations_paperbatch;
DROP FUNCTION IF EXISTS organisations_paperbatch_tally();
DROP TRIGGER IF EXISTS organisations_paperline_tally ON organisations_paperbatchline;
DROP FUNCTION IF EXISTS organisations_paperline_tally();
DROP FUNCTION IF EXISTS organisations_paper_tally_add(varchar, integer);
"""


class Migration(migrations.Migration):

    dependencies = [
        ('organisations', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PaperBatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('collected_on', models.DateField(verbose_name='date de la collecte')),
                ('signatures', models.PositiveIntegerField(verbose_name='signatures')),
                ('note', models.TextField(blank=True, max_length=1000, verbose_name='remarque')),
                ('status', models.CharField(choices=[('pending', 'En attente'), ('accepted', 'Acceptée'), ('refused', 'Refusée'), ('withdrawn', 'Retirée')], default='pending', max_length=10, verbose_name='état')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='saisi le')),
                ('reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='examiné le')),
                ('withdrawn_at', models.DateTimeField(blank=True, null=True, verbose_name='retiré le')),
                ('reason', models.TextField(blank=True, verbose_name='motif du refus ou du retrait')),
                ('entered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='saisi par')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='paper_batches', to='organisations.organisation', verbose_name='organisation')),
            ],
            options={
                'verbose_name': 'lot de signatures papier',
                'verbose_name_plural': 'lots de signatures papier',
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='PaperBatchLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('departement', models.CharField(max_length=8, verbose_name='département')),
                ('signatures', models.PositiveIntegerField(verbose_name='signatures')),
                ('batch', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='organisations.paperbatch', verbose_name='lot')),
            ],
            options={
                'verbose_name': "ligne d'un lot",
                'verbose_name_plural': 'lignes du lot',
                'ordering': ['batch', 'departement'],
            },
        ),
        migrations.CreateModel(
            name='PaperTally',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('departement', models.CharField(max_length=8, unique=True, verbose_name='département')),
                ('signatures', models.IntegerField(default=0, verbose_name='signatures')),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='mis à jour le')),
            ],
            options={
                'verbose_name': "total papier d'un département",
                'verbose_name_plural': 'totaux papier par département',
                'ordering': ['departement'],
                'constraints': [models.CheckConstraint(condition=models.Q(('signatures__gte', 0)), name='organisations_papertally_not_negative')],
            },
        ),
        migrations.AddIndex(
            model_name='paperbatch',
            index=models.Index(fields=['status', 'created_at'], name='organisations_paper_status_idx'),
        ),
        migrations.AddConstraint(
            model_name='paperbatch',
            constraint=models.CheckConstraint(condition=models.Q(('signatures__gte', 1), ('signatures__lte', 2000)), name='organisations_paperbatch_signatures_bounds'),
        ),
        migrations.AddConstraint(
            model_name='paperbatch',
            constraint=models.CheckConstraint(condition=models.Q(('status', 'pending'), ('reviewed_at__isnull', False), _connector='OR'), name='organisations_paperbatch_reviewed_has_date'),
        ),
        migrations.AddConstraint(
            model_name='paperbatch',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'withdrawn'), _negated=True), ('withdrawn_at__isnull', False), _connector='OR'), name='organisations_paperbatch_withdrawn_has_date'),
        ),
        migrations.AddConstraint(
            model_name='paperbatch',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status__in', ['refused', 'withdrawn']), _negated=True), models.Q(('reason', ''), _negated=True), _connector='OR'), name='organisations_paperbatch_refusal_has_reason'),
        ),
        migrations.AddConstraint(
            model_name='paperbatchline',
            constraint=models.UniqueConstraint(fields=('batch', 'departement'), name='organisations_paperline_unique'),
        ),
        migrations.AddConstraint(
            model_name='paperbatchline',
            constraint=models.CheckConstraint(condition=models.Q(('signatures__gte', 1), ('signatures__lte', 2000)), name='organisations_paperline_signatures_bounds'),
        ),
        migrations.AddConstraint(
            model_name='paperbatchline',
            constraint=models.CheckConstraint(condition=models.Q(('departement__in', ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12', '13', '14', '15', '16', '17', '18', '19', '2A', '2B', '21', '22', '23', '24', '25', '26', '27', '28', '29', '30', '31', '32', '33', '34', '35', '36', '37', '38', '39', '40', '41', '42', '43', '44', '45', '46', '47', '48', '49', '50', '51', '52', '53', '54', '55', '56', '57', '58', '59', '60', '61', '62', '63', '64', '65', '66', '67', '68', '69', '70', '71', '72', '73', '74', '75', '76', '77', '78', '79', '80', '81', '82', '83', '84', '85', '86', '87', '88', '89', '90', '91', '92', '93', '94', '95', '971', '972', '973', '974', '975', '976', '977', '978', '984', '986', '987', '988', 'etranger'])), name='organisations_paperline_departement_known'),
        ),
        migrations.RunSQL(TALLY + LINES_CHECK, DROP),
    ]
