"""The query batcher: concurrent callers share model calls, and each gets its own answer."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from embeddings import Encoder
from embeddings.batching import Batcher


class Gate:
    """A batch function that holds its first call until released, recording every batch."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.batches: list[list[str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.fail_on = fail_on

    def __call__(self, items: list[str]) -> list[str]:
        self.batches.append(list(items))
        if len(self.batches) == 1:
            self.entered.set()
            assert self.release.wait(30)
        if self.fail_on in items:
            raise ValueError(f"cannot encode {self.fail_on!r}")
        return [item.upper() for item in items]


def wait_for_queue(batcher: Batcher, size: int) -> None:
    """Until `size` callers wait behind the running call (no timing, just the state)."""
    for _ in range(10_000):
        with batcher._lock:
            if len(batcher._queue) >= size:
                return
        threading.Event().wait(0.001)
    raise AssertionError(f"{size} callers never queued")


def test_an_idle_batcher_runs_a_call_at_once_with_the_one_item() -> None:
    calls: list[list[int]] = []

    def square(items: list[int]) -> list[int]:
        calls.append(items)
        return [i * i for i in items]

    batcher = Batcher(square)
    assert [batcher(3), batcher(4)] == [9, 16]
    assert calls == [[3], [4]]


def test_callers_that_arrive_during_a_call_share_the_next_one_and_get_their_own_answer() -> None:
    gate = Gate()
    batcher = Batcher(gate, max_batch=16)
    with ThreadPoolExecutor(9) as pool:
        first = pool.submit(batcher, "first")
        assert gate.entered.wait(30)
        words = [f"word{i}" for i in range(8)]
        later = {word: pool.submit(batcher, word) for word in words}
        wait_for_queue(batcher, 8)
        gate.release.set()
        assert first.result(30) == "FIRST"
        assert {word: f.result(30) for word, f in later.items()} == {w: w.upper() for w in words}
    assert gate.batches[0] == ["first"]
    assert sorted(gate.batches[1]) == sorted(words)  # all eight in one call
    assert len(gate.batches) == 2
    assert (batcher.batches, batcher.items) == (2, 9)


def test_a_batch_holds_at_most_max_batch_items_and_the_rest_follow_in_order() -> None:
    gate = Gate()
    batcher = Batcher(gate, max_batch=3)
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(batcher, "first")
        assert gate.entered.wait(30)
        futures = []
        for i in range(7):  # queued one by one, so the queue's order is known
            futures.append(pool.submit(batcher, f"q{i}"))
            wait_for_queue(batcher, i + 1)
        gate.release.set()
        assert [f.result(30) for f in futures] == [f"Q{i}" for i in range(7)]
        first.result(30)
    assert gate.batches == [["first"], ["q0", "q1", "q2"], ["q3", "q4", "q5"], ["q6"]]


def test_an_error_reaches_every_caller_of_its_batch_and_the_batcher_stays_usable() -> None:
    gate = Gate(fail_on="poison")
    batcher = Batcher(gate)
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(batcher, "first")
        assert gate.entered.wait(30)
        same_batch = [pool.submit(batcher, item) for item in ("good", "poison", "also good")]
        wait_for_queue(batcher, 3)
        gate.release.set()
        assert first.result(30) == "FIRST"
        for future in same_batch:
            with pytest.raises(ValueError, match="cannot encode 'poison'"):
                future.result(30)
    assert batcher("after") == "AFTER"
    assert not batcher._running and not batcher._queue


def test_a_wrong_number_of_results_is_an_error_not_a_misplaced_answer() -> None:
    batcher = Batcher(lambda items: items[:-1])
    with pytest.raises(RuntimeError, match="a batch of 1 items gave 0 results"):
        batcher("lost")
    assert batcher._running is False


def test_many_threads_each_get_the_answer_to_their_own_item() -> None:
    batcher = Batcher(lambda items: [i * 10 for i in items], max_batch=5)
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(batcher, range(500))) == [i * 10 for i in range(500)]
    assert batcher.items == 500
    assert not batcher._running and not batcher._queue


def test_max_batch_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        Batcher(lambda items: items, max_batch=0)


QUERIES = [
    "how do I start the first session with a new mentee",
    "my mentee keeps cancelling",
    "setting goals",
    "what to do when the relationship has stalled for two months and nobody replies",
    "giving feedback that lands",
    "closing a mentoring relationship well at the end of the programme",
    "boundaries",
    "career change into software engineering after ten years in teaching",
]


def test_a_query_encoded_inside_a_batch_has_the_vector_it_has_alone(encoder: Encoder) -> None:
    encoder.clear_cache()
    alone = np.vstack([encoder.encode([q]) for q in QUERIES])
    encoder.clear_cache()
    together = encoder.encode(QUERIES)  # one model call, padded to the longest
    encoder.clear_cache()
    assert np.min(np.sum(alone * together, axis=1)) >= 0.99999


def test_concurrent_queries_share_model_calls_and_each_gets_its_own_vector(
    encoder: Encoder,
) -> None:
    texts = [f"{query} (reader {n})" for n in range(4) for query in QUERIES]
    encoder.clear_cache()
    alone = np.vstack([encoder.encode([text]) for text in texts])
    encoder.clear_cache()
    batches_before, items_before = encoder.queries.batches, encoder.queries.items
    start = threading.Barrier(len(texts))

    def query(text: str) -> np.ndarray:
        start.wait()
        return encoder.encode_one(text)

    with ThreadPoolExecutor(len(texts)) as pool:
        together = np.vstack(list(pool.map(query, texts)))
    encoder.clear_cache()
    assert np.min(np.sum(alone * together, axis=1)) >= 0.99999
    assert encoder.queries.items - items_before == len(texts)
    assert encoder.queries.batches - batches_before < len(texts)  # callers shared calls
