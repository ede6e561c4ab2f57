"""The fixed sections of every summary, in display order, and their labels.

Only ``django.utils.translation`` is imported, and lazily translated labels need
no settings until shown, so parsers can use this without a configured project.
"""

from django.utils.translation import gettext_lazy as _

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
# The analysis: prose paragraphs a page shows under the key takeaways (method steps apart, a list).
ANALYSIS_SECTIONS = (
    "background",
    "prior_work",
    "method",
    "results",
    "significance",
    "innovation",
    "performance",
    "workload",
)
# Sections that are ordered lists of short items rather than prose.
LIST_SECTIONS = frozenset({"key_takeaways", "keywords", "method_steps"})
# What readers, editors and exported posts call each section.
SECTION_LABELS = {
    "one_line": _("One-line summary"),
    "key_takeaways": _("Key takeaways"),
    "translated_title": _("Translated title"),
    "keywords": _("Keywords"),
    "background": _("Background"),
    "prior_work": _("Prior work and its problems"),
    "method": _("This paper's method"),
    "results": _("Results"),
    "method_steps": _("Method steps"),
    "significance": _("Significance"),
    "innovation": _("Innovation"),
    "performance": _("Performance"),
    "workload": _("Workload"),
}
