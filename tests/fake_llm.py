"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1 for tests and benches.

The real ``openai`` client talks to it over HTTP. Each request takes the next
scripted step (``server.script(...)``); when the script is empty the
``responder`` answers (by default: ``Reply`` of ``server.default_answer``).
Every request is recorded with its body, arrival time and the number of
requests in flight, so tests can assert what the client sent and how many it
sent at once.

    with FakeLLM() as llm:
        llm.script(Status(429, headers={"Retry-After": "1"}), Reply(answer))
        settings.OPENAI_BASE_URL = llm.base_url
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """A 200 answer whose message content is ``content`` (a dict is sent as JSON)."""

    content: Any = None
    delay: float = 0.0
    prompt_tokens: int = 900
    completion_tokens: int = 400
    finish_reason: str = "stop"
    wait_for: threading.Event | None = None  # hold the answer until the test sets it


@dataclass
class Status:
    """An HTTP error answer, e.g. 429 with Retry-After, 500, 503, 400."""

    code: int
    message: str = "scripted error"
    headers: dict = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Drop:
    """Close the connection without answering."""

    delay: float = 0.0


@dataclass
class Raw:
    """A 200 answer with this exact body (for bodies that are not a chat completion)."""

    body: str
    delay: float = 0.0


def truncated(content: dict, keep: float = 0.6) -> str:
    """Return ``content`` as JSON cut off part-way, as a model that hit its token limit sends."""
    text = json.dumps(content, ensure_ascii=False)
    return text[: int(len(text) * keep)]


@dataclass
class Recorded:
    body: dict
    path: str
    headers: dict
    received_at: float
    in_flight: int

    @property
    def response_format(self) -> str | None:
        fmt = self.body.get("response_format") or {}
        return fmt.get("type")

    @property
    def prompt(self) -> str:
        return "\n".join(str(m.get("content", "")) for m in self.body.get("messages", []))


class FakeLLM:
    """A real threaded HTTP server implementing POST /v1/chat/completions."""

    def __init__(self, *, responder: Callable[[dict], Any] | None = None, default_answer: Any = None):
        self._lock = threading.Lock()
        self._steps: list = []
        self.responder = responder
        self.default_answer = default_answer
        self.requests: list[Recorded] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.reject_json_schema = False
        self._released = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                with server._lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    record = Recorded(
                        body=body,
                        path=self.path,
                        headers=dict(self.headers),
                        received_at=time.monotonic(),
                        in_flight=server.in_flight,
                    )
                    server.requests.append(record)
                    step = server._next_step(body)
                try:
                    server._answer(self, body, step)
                finally:
                    with server._lock:
                        server.in_flight -= 1

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # -- lifecycle ---------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()  # let held answers finish so threads end
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- scripting ---------------------------------------------------------
    def script(self, *steps) -> None:
        with self._lock:
            self._steps.extend(steps)

    def _next_step(self, body: dict):
        if self.reject_json_schema and (body.get("response_format") or {}).get("type") == "json_schema":
            return Status(400, "response_format json_schema is not supported by this server")
        if self._steps:
            return self._steps.pop(0)
        if self.responder is not None:
            return self.responder(body)
        return Reply(self.default_answer)

    # -- answering ---------------------------------------------------------
    def _answer(self, handler: BaseHTTPRequestHandler, body: dict, step) -> None:
        if isinstance(step, (dict, str)):
            step = Reply(step)
        delay = getattr(step, "delay", 0.0)
        if delay:
            self._released.wait(delay)
        if isinstance(step, Drop):
            # Close the socket under the client: it sees a connection error.
            handler.connection.shutdown(socket.SHUT_RDWR)
            handler.close_connection = True
            return
        if isinstance(step, Status):
            payload = {"error": {"message": step.message, "type": "scripted", "code": step.code}}
            self._send(handler, step.code, json.dumps(payload), step.headers)
            return
        if isinstance(step, Raw):
            self._send(handler, 200, step.body, {})
            return
        if step.wait_for is not None:
            step.wait_for.wait(30)
        content = step.content
        if isinstance(content, (dict, list)):
            content = json.dumps(content, ensure_ascii=False)
        completion = {
            "id": f"chatcmpl-fake-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake-model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": step.finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": step.prompt_tokens,
                "completion_tokens": step.completion_tokens,
                "total_tokens": step.prompt_tokens + step.completion_tokens,
            },
        }
        self._send(handler, 200, json.dumps(completion, ensure_ascii=False), {})

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, code: int, text: str, headers: dict) -> None:
        data = text.encode("utf-8")
        handler.send_response(code)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        try:
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            pass


# -- answers and fixtures for tests ----------------------------------------

EN_ANSWER = {
    "one_line": "The paper studies diffusion models for image generation and reports strong results on ImageNet.",
    "key_takeaways": [
        "Diffusion models are studied for image generation.",
        "The study focuses on image generation with diffusion.",
        "Results on ImageNet are strong.",
        "The diffusion models are evaluated on ImageNet.",
        "The study reports its image generation results in detail.",
    ],
    "translated_title": "A study of diffusion models",
    "keywords": ["diffusion models", "image generation", "ImageNet"],
    "background": "Diffusion models are a leading approach to image generation.",
    "prior_work": "Earlier studies of diffusion models for image generation reported weaker results.",
    "method": "The paper studies diffusion models and how they generate images.",
    "results": "The diffusion models report strong results on ImageNet, which supports the study's goal.",
    "method_steps": ["Study diffusion models.", "Generate images.", "Report results on ImageNet."],
    "significance": "The study shows diffusion models are strong for image generation.",
    "innovation": "A careful study of diffusion models for image generation.",
    "performance": "Strong results on ImageNet image generation.",
    "workload": "The study trains diffusion models for image generation on ImageNet.",
}

ZH_ANSWER = {
    "one_line": "本文研究用于图像生成的扩散模型，并在 ImageNet 上取得了很好的结果。",
    "key_takeaways": [
        "本文研究扩散模型在图像生成中的应用。",
        "扩散模型是图像生成的主流方法之一。",
        "作者在 ImageNet 上评估了扩散模型。",
        "实验结果表明该方法效果很好。",
        "研究为后续图像生成工作提供了参考。",
    ],
    "translated_title": "扩散模型研究",
    "keywords": ["扩散模型", "图像生成", "ImageNet"],
    "background": "扩散模型已成为图像生成的重要方法，但仍有许多问题需要研究。",
    "prior_work": "以往的图像生成方法在质量和稳定性上存在不足。",
    "method": "本文系统地研究了扩散模型的图像生成过程。",
    "results": "在 ImageNet 上的结果很好，支持了本文的研究目标。",
    "method_steps": ["研究扩散模型。", "生成图像。", "在 ImageNet 上报告结果。"],
    "significance": "本工作说明扩散模型在图像生成中非常有效。",
    "innovation": "对扩散模型进行了细致的研究。",
    "performance": "在 ImageNet 上表现良好。",
    "workload": "需要在 ImageNet 上训练扩散模型，计算量较大。",
}


def answer(language: str = "en", **overrides) -> dict:
    """Return a valid model answer in ``language`` with some sections replaced."""
    base = EN_ANSWER if language == "en" else ZH_ANSWER
    return {**base, **overrides}


def language_responder(body: dict) -> Reply:
    """Answer in the language the system prompt asks for."""
    system = str(body.get("messages", [{}])[0].get("content", ""))
    return Reply(answer("zh-hans" if "简体中文" in system else "en"))
