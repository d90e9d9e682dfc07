"""Reads that may lag go to the streaming replica; everything else goes to the primary.

With `DATABASE_REPLICA_URL` set, settings add a "replica" database and this module's router.
A read goes to the replica only when all of these hold:

- it runs inside a lag-tolerant view: one marked with `lag_tolerant` (function views) or built
  on `LagTolerantMixin` (DRF views). These are the pages whose figures may be a few seconds old
  without anyone being misled: the KPI dashboard and its export, the stats API, the registry
  export and the map's data;
- the client is not pinned to the primary: `ReadYourWritesMiddleware` pins a browser for
  `REPLICA_PIN_SECONDS` after any request of theirs that wrote, so a worker who has just closed
  a ticket sees it counted on the dashboard straight after, even while the replica lags;
- the default connection is not inside a transaction (a read there must see the transaction's
  own writes).

The session and the user are read before the lag-tolerant part starts, on the primary: a login
that the replica has not replayed yet still counts. Writes always go to the primary, and only
the primary is migrated.

The pin is a signed cookie holding nothing but a timestamp, not process memory: the next request
may be served by another web container. Without a replica none of this runs: the middleware
removes itself, the views skip the contextvar, and no router is installed.
"""

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

REPLICA = "replica"
PIN_COOKIE = "gp_primary"
PIN_SALT = "gridportal.replica.pin"
# Statements that change data. SELECT, SAVEPOINT, RELEASE, SET and the like are not writes.
WRITE_STATEMENT = re.compile(r"\s*(INSERT|UPDATE|DELETE|MERGE|TRUNCATE)\b", re.IGNORECASE)

# The database lag-tolerant reads go to in the current request: None (the primary) or REPLICA.
_read_from: ContextVar[str | None] = ContextVar("gridportal_read_from", default=None)


def replica_configured() -> bool:
    """Whether settings gave the "replica" database (DATABASE_REPLICA_URL)."""
    return bool(settings.DATABASE_REPLICA_URL)


def pinned_to_primary(request: HttpRequest) -> bool:
    """Whether this client wrote within the last REPLICA_PIN_SECONDS (its signed cookie says
    so, and the signature's timestamp is recent enough)."""
    return request.get_signed_cookie(PIN_COOKIE, default=None, salt=PIN_SALT,
                                     max_age=settings.REPLICA_PIN_SECONDS) is not None


def pin(response: HttpResponse) -> None:
    """Send this client's next lag-tolerant reads to the primary for REPLICA_PIN_SECONDS."""
    response.set_signed_cookie(PIN_COOKIE, "1", salt=PIN_SALT,
                               max_age=settings.REPLICA_PIN_SECONDS, httponly=True,
                               samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)


def _target_for(request: HttpRequest) -> str | None:
    if not replica_configured() or getattr(request, "pinned_to_primary", False):
        return None
    return REPLICA


@contextmanager
def reading_from(alias: str | None) -> Iterator[None]:
    token = _read_from.set(alias)
    try:
        yield
    finally:
        _read_from.reset(token)


def _each_item_reading_from(alias: str | None, items: Iterable) -> Iterator:
    """A streamed answer is produced after the view returned: each chunk is made inside the
    lag-tolerant block again (and only while it is made)."""
    iterator = iter(items)
    while True:
        with reading_from(alias):
            try:
                item = next(iterator)
            except StopIteration:
                return
        yield item


def _load_user_first(request: HttpRequest) -> None:
    user = getattr(request, "user", None)
    if user is not None:
        _ = user.is_authenticated  # the lazy user (and session) is read now, on the primary


View = Callable[..., HttpResponse | StreamingHttpResponse]


def lag_tolerant(view: View) -> View:
    """Mark a function view whose reads may come from the replica (see the module's doc)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any,
                **kwargs: Any) -> HttpResponse | StreamingHttpResponse:
        target = _target_for(request)
        if target is None:
            return view(request, *args, **kwargs)
        _load_user_first(request)
        with reading_from(target):
            response = view(request, *args, **kwargs)
        if isinstance(response, StreamingHttpResponse) and not response.is_async:
            # FileResponse too. (An async stream, under ASGI, is left as it is.)
            chunks = cast(Iterator[bytes], response.streaming_content)
            response.streaming_content = _each_item_reading_from(target, chunks)
        return response

    return wrapper


class LagTolerantMixin:
    """A DRF view whose handler's reads may come from the replica. Authentication, permissions
    and throttles run first, on the primary; `is_lag_tolerant` may narrow it to some answers."""

    _replica_token: Token[str | None] | None = None

    def is_lag_tolerant(self, request) -> bool:
        return True

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        target = _target_for(request._request)
        if target is not None and self.is_lag_tolerant(request):
            self._replica_token = _read_from.set(target)

    def finalize_response(self, request, response, *args, **kwargs):
        token, self._replica_token = self._replica_token, None
        if token is not None:
            _read_from.reset(token)
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]


class _WriteWatcher:
    """An execute wrapper on the default connection that notes whether anything was written."""

    def __init__(self) -> None:
        self.wrote = False

    def __call__(self, execute, sql, params, many, context):
        if not self.wrote and WRITE_STATEMENT.match(sql):
            self.wrote = True
        return execute(sql, params, many, context)


class ReadYourWritesMiddleware:
    """Pins a client to the primary for REPLICA_PIN_SECONDS after a request of theirs that wrote.

    "Wrote" is any INSERT, UPDATE or DELETE seen on the default connection while the request
    was handled, whatever its method: a POST whose form was refused (answered 200, nothing
    saved) pins nobody, and a GET that writes (an export's log row) does. A write made for the
    client elsewhere (a Celery task) is not seen: it reaches the replica as any other write.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        if not replica_configured():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.pinned_to_primary = pinned_to_primary(request)  # type: ignore[attr-defined]
        watcher = _WriteWatcher()
        # Each request starts on the primary, whatever an aborted one left in this thread.
        with reading_from(None), connections[DEFAULT_DB_ALIAS].execute_wrapper(watcher):
            response = self.get_response(request)
        if watcher.wrote:
            pin(response)
        return response


class ReplicaRouter:
    """db_for_read: the replica inside a lag-tolerant block of an unpinned client, outside a
    transaction; None (Django's default: the primary) otherwise. Writes and migrations: the
    primary only."""

    def db_for_read(self, model, **hints) -> str | None:
        alias = _read_from.get()
        if alias is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        return alias

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        both = {obj1._state.db, obj2._state.db}
        return True if both <= {DEFAULT_DB_ALIAS, REPLICA} else None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
