"""Natural batching: concurrent callers share one call of a function over many items.

A caller that arrives while no call is running runs one at once, on its own thread,
with only its own item: an idle process adds no delay. A caller that arrives while a
call is running waits; when that call ends, the first of the waiters runs the next
call for itself and every item that queued meanwhile (at most `max_batch`). There is
no timer: a batch is whatever arrived during the call before it.

One model call over n short queries costs less CPU per query than n calls
(docs/performance.md, "Throughput"), and the server's request threads already keep
the cores busy, so batching queries lowers the CPU a search costs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class _Waiter(Generic[Item, Result]):
    __slots__ = ("done", "error", "item", "result", "turn")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.turn = threading.Event()  # set when answered, or when it is this caller's turn
        self.done = False
        self.result: Result | None = None
        self.error: BaseException | None = None


class Batcher(Generic[Item, Result]):
    """Runs `run_batch` over the items of concurrent callers, one call at a time.

    `run_batch` takes a list of items and returns one result per item, in order. If it
    raises, every caller of that batch gets the exception; the next batch runs as usual.
    """

    def __init__(
        self, run_batch: Callable[[list[Item]], Sequence[Result]], *, max_batch: int = 16
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._run_batch = run_batch
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Waiter[Item, Result]] = []
        self._running = False
        self.batches = 0  # calls of run_batch so far, for tests and benchmarks
        self.items = 0

    def __call__(self, item: Item) -> Result:
        waiter: _Waiter[Item, Result] = _Waiter(item)
        with self._lock:
            self._queue.append(waiter)
            # Invariant: while no call runs, the queue is empty, so this caller is first.
            leads = not self._running
            self._running = True
        if not leads:
            waiter.turn.wait()
        if not waiter.done:
            self._run_next()
        if waiter.error is not None:
            raise waiter.error
        return waiter.result  # type: ignore[return-value]

    def _run_next(self) -> None:
        """Run one call for the first waiters of the queue (this caller is the first)."""
        with self._lock:
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
        try:
            results = self._run_batch([w.item for w in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"a batch of {len(batch)} items gave {len(results)} results")
        except BaseException as error:  # noqa: BLE001 - every caller of the batch hears of it
            for waiter in batch:
                waiter.error = error
        else:
            for waiter, result in zip(batch, results, strict=True):
                waiter.result = result
        finally:
            with self._lock:
                self.batches += 1
                self.items += len(batch)
                if self._queue:
                    self._queue[0].turn.set()  # its caller runs the next batch
                else:
                    self._running = False
            for waiter in batch:
                waiter.done = True
                waiter.turn.set()
