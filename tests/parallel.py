"""Real parallel requests for race tests: each call runs in its own thread, with its own database
connection, released at the same moment by a barrier.

The waits are upper limits on a condition (every thread reached the barrier, every thread ended),
generous so that a fully loaded machine still passes; none is a sleep.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection
from django.test import Client

START_TIMEOUT_SECONDS = 60
FINISH_TIMEOUT_SECONDS = 180


def in_parallel(*calls: Callable[[], object]) -> list[object]:
    """Run the calls at the same moment; return their results in order, re-raise the first error
    (a 500 raises in the test client) and fail if a call never finishes."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=START_TIMEOUT_SECONDS)
            results[index] = call()
        except BaseException as error:  # noqa: BLE001 - handed to the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=FINISH_TIMEOUT_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a parallel call never finished"
    if errors:
        raise errors[0]
    return results


def clients_of(user, count: int = 6) -> list[Client]:
    """`count` test clients signed in as `user`: the tabs (or double clicks) of a race test."""
    clients = [Client() for _ in range(count)]
    for client in clients:
        client.force_login(user)
    return clients


def queued_tasks(broker_queue) -> list[tuple[str, list]]:
    """Take every message off the broker (tests/conftest.py `broker_queue`): (task name, args)."""
    messages = [broker_queue.get(block=False) for _ in range(broker_queue.qsize())]
    return [(message.headers["task"], message.payload[0]) for message in messages]
