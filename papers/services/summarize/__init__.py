"""The summary stage: one summary per paper and topic language, from a pluggable backend.

``papers_summarize(*, papers)`` summarizes each paper for the language of each
of its topics with up to ``LLM_CONCURRENCY`` requests in flight, and returns
``{paper_id: None | SummarizeError}``: one bad paper never stops the batch and
nothing is raised. It is a ``SummaryStream`` fed the whole list at once; the
pipeline feeds one paper at a time, as each is parsed. Worker threads only
run the backend (HTTP); the calling thread reads the rows and stores every
result through ``summary_record_generated``, so an editor's text is never
overwritten (a regeneration after an edit becomes a candidate revision).

A summary is stored under the language its backend writes
(``SummaryBackend.written_language``), which is the topic's for a model and
the paper's own for the extractive backend: a paper in an English and a
Chinese topic gets one offline English summary, never an English text
labelled Chinese.

A paper/language is skipped, with no backend call, when its live summary or
its latest generated revision already came from the same paper version,
prompt version, backend and model.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections

from papers.models import Language, Paper, PaperContent, RevisionKind, Summary
from papers.services.errors import SummarizeError
from papers.services.revisions import Generation, summary_record_generated
from papers.services.summarize.backends import SummaryBackend, SummaryRequest, SummaryResult, backend_get
from papers.services.summarize.budget import input_token_budget, source_build
from papers.services.summarize.prompt import PROMPT_VERSION

__all__ = ["PROMPT_VERSION", "SummaryStream", "paper_summarize", "papers_summarize", "summary_is_current"]

logger = logging.getLogger("paperdigest.summarize")

_MATCH_FIELDS = ("source_version", "prompt_version", "backend", "model_name")


@dataclass
class _Job:
    paper: Paper
    language: str  # the summary's: what the backend writes, not always ``request.language``
    request: SummaryRequest


def _backend(backend: SummaryBackend | str | None, model: str = "") -> SummaryBackend:
    return backend if isinstance(backend, SummaryBackend) else backend_get(backend, model_name=model)


def paper_languages(*, paper: Paper) -> list[str]:
    """Return the output languages of the paper's topics (English when it has none)."""
    return sorted({topic.language for topic in paper.topics.all()}) or [Language.EN]


def summary_is_current(*, paper: Paper, language: str, backend: SummaryBackend) -> bool:
    """Return True when this backend already summarized this version of the paper with this prompt.

    ``language`` is the summary's own, the one the backend writes (``_written_language``).
    """
    wanted = {
        "source_version": paper.version,
        "prompt_version": backend.prompt_version,
        "backend": backend.name,
        "model_name": backend.model_name,
    }
    summary = Summary.objects.filter(paper=paper, language=language).select_related("live_revision").first()
    if summary is None:
        return False
    if all(getattr(summary, name) == value for name, value in wanted.items()):
        return True
    # After an edit the live row keeps the editor's text; a waiting (or dismissed)
    # candidate from the same inputs must not be generated again.
    latest = summary.revisions.filter(kind=RevisionKind.GENERATED).order_by("-created_at", "-id").first()
    return latest is not None and all(getattr(latest, name) == value for name, value in wanted.items())


def _written_language(*, paper: Paper, language: str, backend: SummaryBackend) -> str:
    """The language ``backend`` writes when asked for ``language``: the summary row it fills."""
    # Title and abstract are enough to decide; the source is cut to the budget only for a real job.
    probe = SummaryRequest(
        arxiv_id=paper.arxiv_id, version=paper.version, language=language, title=paper.title, abstract=paper.abstract
    )
    return backend.written_language(probe)


def _request(*, paper: Paper, language: str, backend: SummaryBackend) -> SummaryRequest:
    try:
        content = paper.content
    except PaperContent.DoesNotExist:
        content = None
    source = ""
    if backend.uses_budget:
        source = source_build(
            title=paper.title,
            abstract=paper.abstract,
            content=content,
            token_budget=input_token_budget(model_name=backend.model_name),
        )
    return SummaryRequest(
        arxiv_id=paper.arxiv_id,
        version=paper.version,
        language=language,
        title=paper.title,
        abstract=paper.abstract,
        sections=dict(content.sections or {}) if content is not None else {},
        source=source,
    )


def _record(*, job: _Job, backend: SummaryBackend, result: SummaryResult) -> Summary:
    summary_record_generated(
        paper=job.paper,
        language=job.language,
        content=result.content,
        generation=Generation(
            backend=backend.name,
            model_name=backend.model_name,
            prompt_version=backend.prompt_version,
            source_version=job.request.version,
            input_tokens=result.input_tokens,
            output_tokens=result.output_tokens,
            latency_ms=result.latency_ms,
        ),
    )
    return Summary.objects.get(paper=job.paper, language=job.language)


def _generate(backend: SummaryBackend, request: SummaryRequest) -> SummaryResult:
    try:
        return backend.summarize(request)
    finally:
        # A backend may use the database (the shared request budget); a thread must not leak its connection.
        connections.close_all()


def paper_summarize(
    *,
    paper: Paper,
    language: str,
    backend: SummaryBackend | str | None = None,
    force: bool = False,
    model: str = "",
) -> Summary:
    """Summarize one paper for one topic language; raise SummarizeError when the backend cannot.

    Returns the summary stored, which is in the language the backend writes.
    """
    backend = _backend(backend, model)
    written = _written_language(paper=paper, language=language, backend=backend)
    if not force and summary_is_current(paper=paper, language=written, backend=backend):
        return Summary.objects.get(paper=paper, language=written)
    job = _Job(paper=paper, language=written, request=_request(paper=paper, language=language, backend=backend))
    result = backend.summarize(job.request)
    return _record(job=job, backend=backend, result=result)


def _as_summarize_error(language: str, exc: Exception) -> SummarizeError:
    if isinstance(exc, SummarizeError):
        return SummarizeError(f"[{language}] {exc}")
    logger.exception("Summary of a paper failed unexpectedly", exc_info=exc)
    return SummarizeError(f"[{language}] Summarizing failed unexpectedly: {type(exc).__name__}: {exc}")


def papers_summarize(
    *, papers, backend: SummaryBackend | str | None = None, force: bool = False, model: str = ""
) -> dict[int, Exception | None]:
    """Summarize every paper in each of its topics' languages; return failures, never raise them.

    A lost database connection is raised instead: it is no paper's failure.
    ``force`` regenerates current summaries too; ``model`` overrides ``DIGEST_LLM_MODEL``.
    Call it outside a transaction: the request threads reserve the shared
    request budget on their own connections (on SQLite they would wait for
    the caller's write lock).
    """
    with SummaryStream(backend=backend, force=force, model=model) as stream:
        for paper in papers:
            stream.submit(paper)
        return dict(stream.finished(wait=True))


class SummaryStream:
    """Summaries submitted paper by paper, answered by ``LLM_CONCURRENCY`` request threads.

    ``submit`` reads the paper's rows and queues its requests at once, so a
    caller can keep preparing the next paper while the model answers;
    ``finished`` records every answer that has arrived and yields
    ``(paper_id, None | SummarizeError)`` for each paper whose requests are all
    answered. Both run in the calling thread, which therefore does every
    database write of a result (``summary_record_generated``); the request
    threads only run the backend. A lost database connection is raised, any
    other failure is the paper's. Use it as a context manager: leaving it
    cancels requests not yet started and waits for those in flight.
    """

    def __init__(self, *, backend: SummaryBackend | str | None = None, force: bool = False, model: str = ""):
        self.force = force
        self._start_error: Exception | None = None
        try:
            self.backend = _backend(backend, model)
        except Exception as exc:  # a misconfiguration fails every paper, visibly
            self.backend = None
            self._start_error = SummarizeError(f"Cannot start the summary backend: {exc}")
        self._pool: ThreadPoolExecutor | None = None
        self._futures: dict[Future, _Job] = {}
        self._waiting: dict[int, int] = {}  # paper id -> requests not yet recorded
        self._errors: dict[int, list[SummarizeError]] = {}
        self._complete: list[int] = []  # papers with every request recorded, not yet yielded

    def __enter__(self) -> SummaryStream:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, paper: Paper) -> None:
        """Queue the paper's summaries (one per language the backend writes) that are not current."""
        if paper.pk in self._waiting:
            return
        if self._start_error is not None:
            self._errors[paper.pk] = [self._start_error]
            self._complete.append(paper.pk)
            return
        jobs: list[_Job] = []
        try:
            jobs = self._jobs(paper)
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:
            self._errors.setdefault(paper.pk, []).append(_as_summarize_error("-", exc))
        if not jobs:
            self._complete.append(paper.pk)
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                max_workers=max(1, settings.LLM_CONCURRENCY), thread_name_prefix="summarize"
            )
        self._waiting[paper.pk] = len(jobs)
        for job in jobs:
            self._futures[self._pool.submit(_generate, self.backend, job.request)] = job

    def _jobs(self, paper: Paper) -> list[_Job]:
        jobs: list[_Job] = []
        written_seen: set[str] = set()
        for language in paper_languages(paper=paper):
            written = _written_language(paper=paper, language=language, backend=self.backend)
            if written in written_seen:  # two topic languages, one text (the offline backend)
                continue
            written_seen.add(written)
            if self.force or not summary_is_current(paper=paper, language=written, backend=self.backend):
                request = _request(paper=paper, language=language, backend=self.backend)
                jobs.append(_Job(paper=paper, language=written, request=request))
        return jobs

    def finished(self, *, wait: bool = False) -> Iterator[tuple[int, Exception | None]]:
        """Record the answers that have arrived; yield each paper now complete with its outcome.

        With ``wait`` it blocks until every submitted paper is complete.
        """
        yield from self._yield_complete()
        if wait:
            pending = as_completed(list(self._futures))
        else:
            pending = [future for future in list(self._futures) if future.done()]
        for future in pending:
            self._record(future)
            yield from self._yield_complete()

    def _record(self, future: Future) -> None:
        job = self._futures.pop(future)
        try:
            _record(job=job, backend=self.backend, result=future.result())
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:
            self._errors.setdefault(job.paper.pk, []).append(_as_summarize_error(job.language, exc))
        self._waiting[job.paper.pk] -= 1
        if not self._waiting[job.paper.pk]:
            del self._waiting[job.paper.pk]
            self._complete.append(job.paper.pk)

    def _yield_complete(self) -> Iterator[tuple[int, Exception | None]]:
        while self._complete:
            paper_id = self._complete.pop(0)
            failures = self._errors.pop(paper_id, [])
            if not failures:
                yield paper_id, None
            elif len(failures) == 1:
                yield paper_id, failures[0]
            else:
                yield paper_id, SummarizeError("; ".join(str(f) for f in failures))
