"""Slow tasks that must not hold up a response, also when there is no broker.

With a broker, `enqueue(task, *args)` is `task.delay(*args)`: a worker runs it. Without one
(the demo: Celery's `task_always_eager`), `.delay` would run the task inside the request that
queued it; `enqueue` hands it to one background thread of this process instead, so the response
goes out first. Only for work that takes seconds and has a row in the database saying it is
wanted (the report PDF: `reports.pdf_requests`), so a process that stops loses nothing that a
later request cannot ask for again. E-mails keep Celery's eager path (milliseconds in the demo).

`run_inline()` makes `enqueue` run the task in the caller's thread (seeding, commands), and
`wait_idle()` waits until the thread has done what it was given (tests, shutdown).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from celery import Task, current_app
from django.db import connections

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_state = threading.local()


def _pool() -> ThreadPoolExecutor:
    """One worker thread, made on first use: tasks run one after another, in order."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="background-task")
        return _executor


def _run(task: Task, args: tuple[Any, ...]) -> None:
    try:
        task.apply(args=args, throw=True)  # as Celery runs it eagerly, retries included
    except Exception:
        logger.exception("Background task %s%r failed", task.name, args)
    finally:
        # The thread's own database connection: never left open between tasks.
        connections.close_all()


def in_process() -> bool:
    """True when there is no broker and tasks run in this process (the demo)."""
    return bool(current_app.conf.task_always_eager)


def enqueue(task: Task, *args: Any) -> Future | None:
    """Run `task(*args)` outside the current request: on a worker, or in the background thread."""
    if not in_process():
        task.delay(*args)
        return None
    if getattr(_state, "inline", False):
        _run_inline(task, args)
        return None
    return _pool().submit(_run, task, args)


def _run_inline(task: Task, args: tuple[Any, ...]) -> None:
    try:
        task.apply(args=args, throw=True)
    except Exception:
        logger.exception("Task %s%r failed", task.name, args)


@contextlib.contextmanager
def run_inline() -> Iterator[None]:
    """Within this block (in this thread) `enqueue` runs tasks at once, in the caller's thread."""
    previous = getattr(_state, "inline", False)
    _state.inline = True
    try:
        yield
    finally:
        _state.inline = previous


def wait_idle(timeout: float = 120.0) -> None:
    """Return once every task given to the background thread so far has finished."""
    with _lock:
        executor = _executor
    if executor is not None:
        executor.submit(lambda: None).result(timeout=timeout)
