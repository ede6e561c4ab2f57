"""Any OpenAI-compatible chat-completions server, through the official ``openai`` client.

The client retries requests itself (``max_retries=LLM_MAX_RETRIES``): 408,
409, 429 and 5xx answers, timeouts and dropped connections, honouring
Retry-After; every request it sends, retries included, first takes a place in
the server's shared request budget. What no HTTP retry mends, an unusable
answer (empty, cut off, not JSON, wrong shape), is asked again here with the
bad answer in context. Every failure ends in one readable ``SummarizeError``.
Structured output is tried strictest first (JSON schema, then JSON mode, then
plain text) and the first mode the server accepts is remembered.
"""

from __future__ import annotations

import logging
import threading
import time

import openai
from django.conf import settings

from papers.services.errors import SummarizeError
from papers.services.ratelimit import rate_key, rate_window_acquire
from papers.services.summarize.backends.base import SummaryBackend, SummaryRequest, SummaryResult
from papers.services.summarize.prompt import PROMPT_VERSION, prompt_messages, response_formats, schema_reminder
from papers.services.summarize.schema import SchemaViolation, content_parse

logger = logging.getLogger("paperdigest.summarize")

MAX_BAD_ANSWERS = 3  # re-ask at most twice after an unusable answer
BUDGET_WINDOW_SECONDS = 60.0  # LLM_REQUESTS_PER_MINUTE counts requests in any window this long
RETRY_COUNT_HEADER = "x-stainless-retry-count"  # the openai client numbers its retries in this header


class OpenAIBackend(SummaryBackend):
    name = "openai"
    prompt_version = PROMPT_VERSION
    uses_budget = True
    accepts_model = True

    def __init__(self, *, model_name: str | None = None, base_url: str | None = None, api_key: str | None = None):
        self.model_name = model_name or settings.DIGEST_LLM_MODEL
        self.base_url = base_url if base_url is not None else settings.OPENAI_BASE_URL
        self._budget = rate_key("llm", self.base_url or "https://api.openai.com/v1")
        self.client = openai.OpenAI(
            base_url=self.base_url or None,
            # Local servers (Ollama, vLLM) accept any key; the client insists on one.
            api_key=(api_key if api_key is not None else settings.OPENAI_API_KEY) or "not-needed",
            timeout=settings.LLM_TIMEOUT_SECONDS,
            max_retries=settings.LLM_MAX_RETRIES,
            http_client=openai.DefaultHttpxClient(event_hooks={"request": [self._budget_acquire]}),
        )
        self._formats = response_formats()
        self._format_lock = threading.Lock()

    def _budget_acquire(self, request) -> None:
        # The budget is per server and shared by every worker process; the hook sees each retry too.
        rate_window_acquire(key=self._budget, limit=settings.LLM_REQUESTS_PER_MINUTE, window=BUDGET_WINDOW_SECONDS)

    def summarize(self, request: SummaryRequest) -> SummaryResult:
        messages = prompt_messages(language=request.language, source=request.source)
        bad_answers = 0
        input_tokens = output_tokens = 0
        started = time.monotonic()
        while True:
            fmt = self._formats[0]
            try:
                completion = self.client.chat.completions.create(
                    model=self.model_name,
                    messages=messages,
                    temperature=0.2,
                    **({"response_format": fmt} if fmt else {}),
                )
            except openai.BadRequestError as exc:
                if self._downgrade_format(fmt):
                    logger.info("Server refused %s output (%s); trying a simpler mode.", fmt and fmt["type"], exc)
                    continue
                raise SummarizeError(f"The LLM server refused the request: {self._describe(exc)}") from exc
            except (openai.RateLimitError, openai.InternalServerError, openai.APIConnectionError) as exc:
                raise SummarizeError(
                    f"The LLM server failed {self._tries(exc)} times; last error: {self._describe(exc)}"
                ) from exc
            except openai.APIStatusError as exc:
                raise SummarizeError(f"The LLM server answered with an error: {self._describe(exc)}") from exc

            if completion.usage:
                input_tokens += completion.usage.prompt_tokens or 0
                output_tokens += completion.usage.completion_tokens or 0
            choice = completion.choices[0] if completion.choices else None
            text = choice.message.content if choice and choice.message else None
            try:
                if choice is not None and choice.finish_reason == "length" and text:
                    raise SchemaViolation("the answer was cut off at the model's output limit")
                content = content_parse(text)
            except SchemaViolation as exc:
                bad_answers += 1
                if bad_answers >= MAX_BAD_ANSWERS:
                    raise SummarizeError(
                        f"The model gave {bad_answers} unusable answers; last problem: {exc}."
                    ) from exc
                # Re-ask with the bad answer in context so the model sees what to fix.
                messages = messages[:2] + [
                    {"role": "assistant", "content": (text or "")[:2000]},
                    {"role": "user", "content": schema_reminder()},
                ]
                continue
            return SummaryResult(
                content=content,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                latency_ms=int((time.monotonic() - started) * 1000),
            )

    @staticmethod
    def _tries(exc: openai.APIError) -> int:
        """How many requests the client sent before giving up with ``exc``."""
        retries = exc.request.headers.get(RETRY_COUNT_HEADER)
        return int(retries) + 1 if retries and retries.isdigit() else settings.LLM_MAX_RETRIES + 1

    def _downgrade_format(self, fmt) -> bool:
        """Drop ``fmt`` from the modes to try; return False when nothing simpler is left."""
        with self._format_lock:
            if len(self._formats) > 1 and self._formats[0] is fmt:
                self._formats.pop(0)
                return True
            return len(self._formats) > 0 and self._formats[0] is not fmt

    @staticmethod
    def _describe(exc: Exception) -> str:
        if isinstance(exc, openai.APITimeoutError):
            return "timed out"
        if isinstance(exc, openai.APIConnectionError):
            return f"could not connect ({exc.__cause__ or exc})"
        if isinstance(exc, openai.APIStatusError):
            body = exc.body.get("error", exc.body) if isinstance(exc.body, dict) else None
            message = body.get("message") if isinstance(body, dict) and body.get("message") else exc.message
            return f"HTTP {exc.status_code}: {message}"[:300]
        return str(exc)[:300]
