"""The one interface the TUI talks to. Every backend adapter implements it."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .models import (
    Event,
    Link,
    NewTask,
    OperatorLoad,
    Person,
    Queue,
    QueueStats,
    Resolution,
    Task,
    TaskChanges,
    TaskPage,
    TaskQuery,
)


@runtime_checkable
class Backend(Protocol):
    """An async work-queue backend, signed in as one person.

    Errors: methods raise :class:`~api_client.errors.BackendError` subclasses, never transport,
    JSON or decoding exceptions; ``str(err)`` is a sentence for the operator and ``__cause__``
    holds the underlying exception when there was one. Every method may raise:

    * :class:`~api_client.errors.AuthError`: the credentials are wrong (401), or the
      operator may not do this (403);
    * :class:`~api_client.errors.UnavailableError`: the backend cannot be reached or failed
      on its side (5xx); :class:`~api_client.errors.BackendTimeout`, a subclass, when it did
      not answer in time. The outcome of a write that timed out is unknown;
    * :class:`~api_client.errors.BadResponseError`: the answer cannot be read (not JSON, a
      missing field, a bad timestamp).

    The methods list further errors of their own. Every string in the models returned, and
    in the errors raised, is sanitised terminal text (:mod:`api_client.sanitize`). Task ids
    are the ``id`` of a Task this backend returned. Writes return the task (or event) as
    the server holds it afterwards.
    """

    #: A short human description of where this backend points, for the title bar.
    label: str
    #: The link as the last answer showed it ("online", "degraded", "offline"), for the header.
    link: Link
    #: Whether the app may read ahead the histories of the tasks beside the one on screen, so
    #: that moving onto them never waits: True where :meth:`events` is one light request.
    read_ahead: bool

    async def me(self) -> Person:
        """The person signed in. Cheap to call again (adapters may cache it)."""
        ...

    async def queues(self) -> list[Queue]:
        """Every queue the person can see, each with its counts of open (not closed) tasks:
        all of them, unclaimed, the person's own and breached (past due)."""
        ...

    async def tasks(self, query: TaskQuery, cursor: str | None = None) -> TaskPage:
        """One page of the tasks matching ``query``, in ``query.sort`` order, or in exactly the
        reverse of that order (ties included, the last task first) when ``query.reverse``;
        every sort ends with the task id, so the order is total and its reverse exact.

        ``query.q`` is the filter language (:mod:`api_client.filters`); an empty
        ``query.status`` means every status, and ``query.owner`` takes ``me``, ``none`` or a
        person's id. Cursors: ``None`` asks for the first page; pass the ``next_cursor`` of
        the page before to get the next one, with the same ``query``. A cursor is opaque and
        valid only for the query that produced it. ``next_cursor`` is None on the last page.
        A page holds at most ``query.limit`` tasks (a backend may cap it lower, RT at 100)
        and may hold fewer before the last page. ``total`` is None when the backend cannot
        count cheaply. Tasks written between two pages may be missed or seen twice. A task
        record that cannot be read does not fail the page: it is listed in ``unreadable``.

        Raises :class:`~api_client.filters.FilterError` (an InvalidRequestError) naming a bad
        token of ``query.q``; InvalidRequestError for a cursor not from this list or a
        filter the backend cannot express (``tag:`` where it keeps no tags).
        """
        ...

    async def task(self, task_id: str) -> Task:
        """The task as it is now, with its body and a version to write against.

        Raises NotFoundError when it does not exist or is hidden from the person.
        """
        ...

    async def events(self, task_id: str) -> list[Event]:
        """The task's history, oldest first: created, claimed, notes, closed, ...

        Raises NotFoundError when the task does not exist.
        """
        ...

    async def create_task(self, new: NewTask) -> Task:
        """Create a task in ``new.queue`` (a queue id) and return it.

        Raises InvalidRequestError (or NotFoundError) for an unknown queue or a field the
        backend rejects, AuthError when the person may not create tasks.
        """
        ...

    async def claim(self, task_id: str, *, force: bool = False, expected_owner: str | None = None) -> Task:
        """Take the task. Claiming one's own task changes nothing and returns it.

        ``force`` steals it from its current owner (the history records a ``stolen`` event);
        with ``expected_owner`` (a Person id), only from that person. Raises ConflictError when
        someone else holds it and ``force`` is false, or when it is no longer held by
        ``expected_owner`` (``claimed_by`` names the real holder, None for nobody), or when the
        task is closed; NotFoundError when it does not exist.
        """
        ...

    async def release(self, task_id: str) -> Task:
        """Give the task back, unclaimed.

        Raises ConflictError when the person does not hold it (``claimed_by`` names the
        holder, or is None when nobody holds it); NotFoundError when it does not exist.
        """
        ...

    async def add_note(self, task_id: str, body: str, *, idempotency_key: str) -> Event:
        """Add an internal note (never sent to a requester) and return its event.

        Retrying with the same key never adds a second note: it returns the first one's
        event. A key belongs to one note: do not reuse it for a different text.
        Raises InvalidRequestError for an empty body or key (and, on the Work Queue API, for
        a key already used for a different text), NotFoundError for an unknown task.
        """
        ...

    async def close(
        self,
        task_id: str,
        resolution: Resolution,
        *,
        note: str | None = None,
        version: str | None = None,
        force: bool = False,
    ) -> Task:
        """Close the task as ``resolution``, with ``note`` recorded first when given.

        With ``version`` (a Task's ``version``), raises StaleError if the task changed since
        that version was read; without it, closes whatever the task holds now. A task someone
        else holds is closed only with ``force`` (the history records who closed it); without
        it, raises ConflictError naming the holder in ``claimed_by``. Also raises
        ConflictError when it is already closed or the server will not let this person close
        it, NotFoundError when it does not exist, InvalidRequestError when the backend
        refuses the change.
        """
        ...

    async def reopen(self, task_id: str, *, version: str | None = None, force: bool = False) -> Task:
        """Open a closed task again (status open, no resolution, the owner kept).

        ``version`` and ``force`` as in :meth:`close` (StaleError; ConflictError naming the
        holder of a task someone else holds). Also raises ConflictError when the task is not
        closed or the server will not let this person reopen it, NotFoundError when it does
        not exist, InvalidRequestError when the backend refuses the change.
        """
        ...

    async def update(self, task_id: str, changes: TaskChanges, *, version: str | None = None) -> Task:
        """Change the fields ``changes`` sets (None leaves a field as it is).

        ``version`` as in :meth:`close` (StaleError). Raises InvalidRequestError for a value
        the backend rejects (an unknown queue) or did not apply, ConflictError when the
        server will not let this person change the task (closed, or held by someone else),
        NotFoundError when it does not exist.
        """
        ...

    # -- a lead's triage ---------------------------------------------------------------------
    # Changing a task for someone else (assign, move, priority through ``update``) is a lead's
    # action: an operator gets ForbiddenError (403), with a sentence saying only leads may.

    async def operators(self, search: str = "", *, queue: str | None = None, limit: int = 50) -> list[OperatorLoad]:
        """People who can hold tasks (in ``queue`` when given), with their load, least loaded
        first (fewest held, then fewest breached, then name). ``search`` matches names and ids,
        case-insensitively, on the server; at most ``limit`` people are returned."""
        ...

    async def assign(self, task_id: str, operator_id: str, *, version: str | None = None) -> Task:
        """Give the task to ``operator_id`` (a Person id), whoever holds it now; the history
        records who assigned it. ``version`` as in :meth:`close` (StaleError).

        Raises ForbiddenError when the person is not a lead, ConflictError when the task is
        closed, InvalidRequestError (or NotFoundError) for an unknown operator or one who may
        not hold tasks there, NotFoundError when the task does not exist.
        """
        ...

    async def move(self, task_id: str, queue_id: str, *, version: str | None = None) -> Task:
        """Move the task to another queue, keeping its owner. ``version`` as in :meth:`close`.

        Raises ForbiddenError when the person is not a lead, ConflictError when the task is
        closed, NotFoundError for an unknown task or queue.
        """
        ...

    async def queue_stats(self, queue_id: str) -> QueueStats:
        """The queue's health now, with per-operator load and up to 24 hourly points of history.

        Raises NotFoundError for an unknown queue.
        """
        ...

    async def aclose(self) -> None:
        """Release connections. The backend is not used afterwards; closing twice is harmless."""
        ...
