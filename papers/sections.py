"""The fixed sections of every summary, in display order (no Django imports, so parsers can use it)."""

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
# Sections that are ordered lists of short items rather than prose.
LIST_SECTIONS = frozenset({"key_takeaways", "keywords", "method_steps"})
