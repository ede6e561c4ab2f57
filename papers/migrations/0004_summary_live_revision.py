"""Summary provenance moves to its live revision; flags get indexed columns.

Every existing revision is kept. Each summary's live revision is its newest
applied revision whose text is the summary's text; a summary with none (rows
written before revisions existed, or changed by hand) gets one recorded from
its own columns, so nothing it said about itself is lost. Edits and reverts
that carry no provenance take the summary's, which is what the page showed.
"""

from django.db import migrations, models
import django.db.models.deletion

PROVENANCE = ("backend", "model_name", "prompt_version", "source_version")
COST = ("input_tokens", "output_tokens", "latency_ms")
SECTION_FIELDS = (
    "one_line",
    "key_takeaways",
    "translated_title",
    "keywords",
    "background",
    "prior_work",
    "method",
    "results",
    "method_steps",
    "significance",
    "innovation",
    "performance",
    "workload",
)


def _flag_columns(flags):
    codes = sorted({str(f.get("code", "")) for f in flags or [] if f.get("code")})
    return {
        "has_blocking_flags": any(f.get("blocking") for f in flags or []),
        "flag_codes": f" {' '.join(codes)} " if codes else "",
    }


def forwards(apps, schema_editor):
    Summary = apps.get_model("papers", "Summary")
    SummaryRevision = apps.get_model("papers", "SummaryRevision")
    for summary in Summary.objects.iterator():
        text = {name: getattr(summary, name) for name in SECTION_FIELDS}
        live = SummaryRevision.objects.filter(summary=summary, state="applied").order_by("-created_at", "-id").first()
        if live is not None and {name: live.content.get(name) for name in SECTION_FIELDS} != text:
            live = None
        if live is None:
            live = SummaryRevision.objects.create(
                summary=summary,
                kind="edited" if summary.is_edited else "generated",
                state="applied",
                content=text,
                flags=summary.flags,
                created_at=summary.updated_at,
                **{name: getattr(summary, name) for name in PROVENANCE + COST},
            )
        elif not live.backend:
            for name in PROVENANCE:
                setattr(live, name, getattr(summary, name))
            live.save(update_fields=list(PROVENANCE))
        summary.live_revision = live
        for name, value in _flag_columns(summary.flags).items():
            setattr(summary, name, value)
        summary.save(update_fields=["live_revision", "has_blocking_flags", "flag_codes"])


def backwards(apps, schema_editor):
    Summary = apps.get_model("papers", "Summary")
    for summary in Summary.objects.select_related("live_revision").iterator():
        live = summary.live_revision
        if live is not None:
            for name in PROVENANCE + COST:
                setattr(summary, name, getattr(live, name))
            summary.save(update_fields=list(PROVENANCE + COST))


class Migration(migrations.Migration):
    dependencies = [("papers", "0003_rateslot_recent")]

    operations = [
        migrations.AddField(
            model_name="summary",
            name="live_revision",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="papers.summaryrevision",
            ),
        ),
        migrations.AddField(
            model_name="summary",
            name="has_blocking_flags",
            field=models.BooleanField(db_index=True, default=False, editable=False),
        ),
        migrations.AddField(
            model_name="summary",
            name="flag_codes",
            field=models.CharField(blank=True, editable=False, help_text='" code1 code2 "', max_length=500),
        ),
        migrations.RunPython(forwards, backwards),
        *(migrations.RemoveField(model_name="summary", name=name) for name in PROVENANCE + COST),
        migrations.AlterField(
            model_name="summaryrevision",
            name="backend",
            field=models.CharField(blank=True, help_text='e.g. "extractive", "openai"', max_length=40),
        ),
        migrations.AlterField(
            model_name="summaryrevision",
            name="source_version",
            field=models.PositiveSmallIntegerField(
                blank=True, help_text="The paper version the text was written from.", null=True
            ),
        ),
    ]
