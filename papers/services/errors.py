"""Errors a pipeline step raises; the pipeline records them on the paper."""

from __future__ import annotations


class PipelineError(Exception):
    """A step failed in a way an editor should see. ``str(err)`` is shown as-is."""

    step = ""


class MetadataError(PipelineError):
    step = "metadata"


class DownloadError(PipelineError):
    step = "download"


class PdfError(PipelineError):
    step = "parse"


class SummarizeError(PipelineError):
    step = "summarize"
