"""The one door to LLM providers: litellm, JSON output validated, re-asked once, errors mapped.

`COMPANION_LLM_MODEL` takes any litellm model string (`ollama/llama3.1`,
`openai/gpt-4o-mini`, `anthropic/…`, `azure/…`, or `openai/<name>` with
`COMPANION_LLM_API_BASE` for an OpenAI-compatible server). `offline` (the
default) means no provider at all: the offline drafter writes every draft.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlparse

from pydantic import BaseModel, ValidationError

from companion.errors import LLMAnswerTooLarge, LLMOutputInvalid, LLMUnavailable
from companion.settings import Settings
from prompts.render import RenderedPrompt

log = logging.getLogger(__name__)

OFFLINE = "offline"
LOCAL_PREFIXES = ("ollama/", "ollama_chat/", "llamafile/", "lm_studio/", "hosted_vllm/")
NO_KEY = "no-key-configured"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}

M = TypeVar("M", bound=BaseModel)


@dataclass
class Usage:
    """What one draft cost: recorded with it."""

    model: str
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    latency_ms: float = 0.0

    def add(self, response: Any, model: str, seconds: float) -> None:
        self.attempts += 1
        self.latency_ms += seconds * 1000
        usage = getattr(response, "usage", None)
        if usage is not None:
            self.prompt_tokens += getattr(usage, "prompt_tokens", 0) or 0
            self.completion_tokens += getattr(usage, "completion_tokens", 0) or 0
        self.model = getattr(response, "model", None) or model
        cost = _cost(response)
        if cost is not None:
            self.cost_usd = (self.cost_usd or 0.0) + cost


def _cost(response: Any) -> float | None:
    import litellm

    try:
        return float(litellm.completion_cost(completion_response=response))
    except Exception:  # noqa: BLE001 - litellm raises many kinds for unpriced models
        return None


class Gateway:
    """Talks to the configured provider; never logs or returns the API key."""

    def __init__(self, settings: Settings) -> None:
        self.model = settings.llm_model
        self.api_base = settings.llm_api_base
        self._api_key = settings.llm_api_key
        self.fallbacks = list(settings.llm_fallbacks)
        self.timeout = settings.llm_timeout_seconds
        self.retries = settings.llm_retries
        self.max_answer_bytes = settings.llm_max_answer_bytes

    @property
    def offline(self) -> bool:
        return self.model == OFFLINE

    @property
    def local(self) -> bool:
        """Offline, an Ollama-style local runtime, or a server on this machine."""
        if self.offline or self.model.startswith(LOCAL_PREFIXES):
            return True
        if self.api_base:
            return (urlparse(self.api_base).hostname or "") in LOCAL_HOSTS
        return False

    def generate(
        self,
        prompt: RenderedPrompt,
        output: type[M],
        *,
        context: dict[str, Any],
        mock_response: str | Exception | None = None,
        usage: Usage | None = None,
    ) -> tuple[M, Usage]:
        """Ask for JSON, validate it; on invalid output re-ask once with the error, then fail.

        `usage` (filled in as calls are made) lets the caller record what a failed
        generation cost too: every call is an attempt, answered or not.
        """
        messages = [
            {"role": "system", "content": prompt.system},
            {"role": "user", "content": prompt.user},
        ]
        usage = usage if usage is not None else Usage(model=self.model)
        response_format = self.response_format(output, prompt.name)
        content = self._complete(messages, usage, mock_response, response_format)
        try:
            return _parse(content, output, context), usage
        except (ValueError, ValidationError) as first:
            problem = _problem(first)
        messages += [
            {"role": "assistant", "content": content},
            {
                "role": "user",
                "content": "Your answer could not be used: "
                f"{problem}. Answer again with one JSON object that follows the schema "
                "and fixes this; nothing else.",
            },
        ]
        content = self._complete(messages, usage, mock_response, response_format)
        try:
            return _parse(content, output, context), usage
        except (ValueError, ValidationError) as second:
            raise LLMOutputInvalid(
                f"The model ({usage.model}) answered twice with output that does not fit "
                f"the {prompt.ref} schema: {_problem(second)}",
                details=[{"attempts": usage.attempts, "problems": _problem_kinds(second)}],
            ) from None

    def response_format(self, output: type[BaseModel], name: str) -> dict[str, Any]:
        """The kind's JSON schema where the provider can follow one (litellm knows which),
        else plain JSON mode: every prompt also states the schema in its text."""
        import litellm

        try:
            supported = litellm.supports_response_schema(model=self.model)
        except Exception:  # noqa: BLE001 - unknown models are simply not known to support it
            supported = False
        if not supported:
            return {"type": "json_object"}
        return {
            "type": "json_schema",
            # Not strict: OpenAI's strict mode refuses optional fields and defaults, which
            # the output models use; the answer is validated against the model anyway.
            "json_schema": {"name": name, "schema": output.model_json_schema(), "strict": False},
        }

    def _complete(
        self,
        messages: list[dict[str, str]],
        usage: Usage,
        mock_response: Any,
        response_format: dict[str, Any],
    ) -> str:
        """One answer, with the one retry layer: at most `retries` + 1 provider calls.

        litellm and the provider's client are told not to retry (their retries would
        multiply ours). A timeout, a dropped connection or a 5xx is tried again at
        once; a provider that says when to come back (`Retry-After`) is not called
        again: the error carries its delay to our own answer. So a request waits at
        most (`retries` + 1) x `timeout` per answer, and twice that when the first
        answer does not validate and is asked for again.
        """
        import litellm

        litellm.suppress_debug_info = True
        kwargs: dict[str, Any] = {
            "messages": messages,
            "timeout": self.timeout,
            "num_retries": 0,
            "max_retries": 0,
            "response_format": response_format,
        }
        if self.api_base:
            kwargs["api_base"] = self.api_base
        if self._api_key is not None:
            kwargs["api_key"] = self._api_key.get_secret_value()
        elif self.api_base:
            # Self-hosted OpenAI-compatible servers often need no key, but the
            # OpenAI client refuses to start without one.
            kwargs["api_key"] = NO_KEY
        if mock_response is not None:
            kwargs["mock_response"] = mock_response
        for attempt in range(self.retries + 1):
            started = time.perf_counter()
            try:
                if self.fallbacks:
                    response = self._router().completion(model=self.model, **kwargs)
                else:
                    response = litellm.completion(model=self.model, **kwargs)
            except Exception as exc:  # noqa: BLE001 - every provider failure maps to ours
                usage.attempts += 1
                usage.latency_ms += (time.perf_counter() - started) * 1000
                retry_after = _retry_after(exc)
                if retry_after is None and _transient(exc) and attempt < self.retries:
                    log.warning(
                        "LLM call to %s failed (%s); trying again", self.model, type(exc).__name__
                    )
                    continue
                raise _mapped(exc, self.model, retry_after) from None
            break
        # With fallbacks the answer may come from another model than ours; litellm
        # names the one that answered, for replies that do not say themselves.
        answered = (getattr(response, "_hidden_params", None) or {}).get("litellm_model_name")
        usage.add(response, answered or self.model, time.perf_counter() - started)
        try:
            content = response.choices[0].message.content or ""
        except (AttributeError, IndexError):
            return ""
        size = len(content.encode("utf-8"))
        if size > self.max_answer_bytes:
            raise LLMAnswerTooLarge(
                f"The model ({usage.model}) answered with {size:,} bytes of text; answers "
                f"are capped at {self.max_answer_bytes:,} bytes (COMPANION_LLM_MAX_ANSWER_BYTES). "
                "Nothing of it was kept; request the draft again.",
                details=[{"answer_bytes": size, "limit_bytes": self.max_answer_bytes}],
            )
        return content

    def _router(self) -> Any:
        import litellm

        names = [self.model, *self.fallbacks]
        params = {"api_base": self.api_base, "api_key": NO_KEY} if self.api_base else {}
        if self._api_key is not None:
            params["api_key"] = self._api_key.get_secret_value()
        return litellm.Router(
            model_list=[{"model_name": n, "litellm_params": {"model": n, **params}} for n in names],
            fallbacks=[{self.model: self.fallbacks}],
            num_retries=0,
            timeout=self.timeout,
        )


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def _parse(content: str, output: type[M], context: dict[str, Any]) -> M:
    fenced = _FENCE.match(content)
    text = fenced.group(1) if fenced else content.strip()
    if not text:
        raise ValueError("the answer was empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the answer is not JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(data, dict):
        raise ValueError("the answer must be one JSON object")
    return output.model_validate(data, context=context)


def _problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = []
        for error in exc.errors()[:5]:
            where = ".".join(str(p) for p in error["loc"]) or "the object"
            parts.append(f"{where}: {error['msg']}")
        return "; ".join(parts)
    return str(exc)


def _problem_kinds(exc: Exception) -> list[str]:
    """What went wrong, named without quoting the answer (error types, not messages)."""
    if isinstance(exc, ValidationError):
        return sorted({error["type"] for error in exc.errors()})
    return ["not one JSON object"]


# Provider failures worth trying again at once: nothing was said about when to come back.
_TRANSIENT = (
    "Timeout",
    "APIConnectionError",
    "InternalServerError",
    "ServiceUnavailableError",
    "BadGatewayError",
)
# The longest delay a provider's Retry-After is passed on with.
MAX_RETRY_AFTER = 3600


def _transient(exc: Exception) -> bool:
    import litellm

    kinds = tuple(getattr(litellm, name) for name in _TRANSIENT if hasattr(litellm, name))
    return isinstance(exc, kinds)


def _retry_after(exc: Exception) -> int | None:
    """The provider's Retry-After (seconds or an HTTP date), if it sent one."""
    headers = getattr(exc, "litellm_response_headers", None)
    if headers is None:
        headers = getattr(getattr(exc, "response", None), "headers", None)
    value = headers.get("retry-after") if headers is not None else None
    if not value:
        return None
    value = str(value).strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(MAX_RETRY_AFTER, max(1, math.ceil(seconds)))


def _mapped(exc: Exception, model: str, retry_after: int | None = None) -> Exception:
    """Provider errors as ours, without the key or the provider's raw payload."""
    import litellm

    name = type(exc).__name__
    if isinstance(exc, litellm.AuthenticationError):
        return LLMUnavailable(
            f"The LLM provider refused the credentials for {model}; check COMPANION_LLM_API_KEY.",
            retry_after=retry_after or 60,
        )
    if isinstance(exc, litellm.RateLimitError):
        wait = retry_after or 60
        return LLMUnavailable(
            f"The LLM provider is rate-limiting requests for {model}; retry in {wait} s.",
            retry_after=wait,
        )
    if isinstance(exc, litellm.NotFoundError | litellm.BadRequestError):
        return LLMUnavailable(
            f"The LLM provider rejected the request for {model} ({name}); check "
            "COMPANION_LLM_MODEL and COMPANION_LLM_API_BASE.",
            retry_after=retry_after or 60,
        )
    log.warning("LLM call to %s failed: %s", model, name)
    wait = retry_after or 30
    return LLMUnavailable(
        f"The LLM provider for {model} is unavailable ({name}); retry in {wait} s, or set "
        "COMPANION_LLM_MODEL=offline to draft without one.",
        retry_after=wait,
    )
