"""Offline summaries stored under the topic's language are moved to the language they are written in.

The extractive backend quotes the paper, so its "zh-hans" summaries of English
papers were English text labelled Chinese. Each moves to the paper's own
language when that row is free. When the paper already has a summary there,
the mislabelled copy is deleted unless an editor ever changed it: an editor's
text is never thrown away (it stays for an editor to settle).
"""

from django.db import migrations

from papers.text import text_language

EDITOR_KINDS = ("edited", "reverted")


def summaries_relabel(apps, schema_editor):
    Summary = apps.get_model("papers", "Summary")
    SummaryRevision = apps.get_model("papers", "SummaryRevision")
    offline = Summary.objects.filter(live_revision__backend="extractive").select_related("paper").order_by("pk")
    for summary in offline.iterator():
        written = text_language(f"{summary.paper.title}\n{summary.paper.abstract}")
        if summary.language == written:
            continue
        if not Summary.objects.filter(paper_id=summary.paper_id, language=written).exists():
            Summary.objects.filter(pk=summary.pk).update(language=written)
            continue
        edited = summary.is_edited or SummaryRevision.objects.filter(summary=summary, kind__in=EDITOR_KINDS).exists()
        if not edited:
            summary.delete()


class Migration(migrations.Migration):
    dependencies = [("papers", "0005_content_affiliation_note_link_role")]

    operations = [migrations.RunPython(summaries_relabel, migrations.RunPython.noop, elidable=True)]
