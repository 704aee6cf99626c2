"""What the query workers (:mod:`cloudkader.stores.query_executor`) tell their callers: the
errors of a request they could not answer, and the pool's statistics.

Limits and their errors (all ``QueryUnavailable``, answered with 503 and ``Retry-After``):
``QueryTimeout`` (the query ran longer than ``timeout`` seconds), ``QueryBusy`` (no worker was
free within ``timeout`` seconds), ``WorkerLost`` (the worker died, e.g. out of memory).
"""

from __future__ import annotations

from dataclasses import dataclass, field


class QueryUnavailable(Exception):
    """The query could not be answered now; the HTTP answer is 503 with ``Retry-After``."""

    status = 503
    retry_after = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class QueryTimeout(QueryUnavailable):
    def __init__(self, timeout: float, what: str = "query"):
        if what == "query":
            advice = ("simplify it (a LIMIT, fewer unbound triple patterns) or run it on your own copy "
                      "of the corpus")
        else:
            advice = "send fewer or smaller service descriptions per request"
        super().__init__(f"the {what} ran longer than the time limit of {timeout:g} s and was stopped; {advice}")
        self.timeout = timeout


class QueryBusy(QueryUnavailable):
    def __init__(self, wait: float):
        super().__init__(f"every query worker is busy (waited {wait:g} s); try again shortly")


class WorkerLost(QueryUnavailable):
    def __init__(self, why: str):
        super().__init__(f"the query could not be completed: {why}")


@dataclass
class ExecutorStats:
    workers: int
    busy: int
    idle: int
    queries: int
    timeouts: int
    replaced: int
    lost: int
    busy_refusals: int
    pids: list[int] = field(default_factory=list)
