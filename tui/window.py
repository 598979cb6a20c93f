"""The rows of a long list the table holds: a window of pages around the cursor.

A list is read in pages from either end. The *top chain* is the query as it is (its page 0
is the list's first page); the *end chain* is the same query reversed (its page 0 is the
list's last page, its rows last first). Cursors are opaque and only go forward, so each chain
keeps the cursor that fetched every page it has seen (short strings) and where that page
starts; a page dropped from memory is fetched again with its own cursor.

The window holds one run of adjacent pages of one chain, at most :attr:`TaskWindow.max_pages`,
around the cursor, and drops the far end as it grows. Positions count rows from the top; row
``k`` of the end chain is at ``size - 1 - k``, so the end chain is used only when the list's
size is known. Plain Python: the workspace drives it, the table renders it.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from backdesk.api_client import Task, TaskPage

TOP, END = "top", "end"


@dataclass(frozen=True)
class PageRef:
    """One page to fetch: its chain, its number there and the cursor that fetches it."""

    chain: str
    number: int
    cursor: str | None


@dataclass
class Chain:
    """What is known of one direction: the cursor and first row of every page seen so far.

    ``cursors[i]`` fetches page ``i`` and ``starts[i]`` is its first row (counted from this
    chain's own start); the last entry is the frontier, a page not fetched yet, unless the
    chain ``ended`` (its last page was seen and ``starts[-1]`` is its length).
    """

    cursors: list[str | None] = field(default_factory=lambda: [None])
    starts: list[int] = field(default_factory=lambda: [0])
    ended: bool = False

    def page_for(self, row: int) -> int | None:
        """The page holding ``row``, or the frontier page on the way to it; None past the end."""
        if self.ended and row >= self.starts[-1]:
            return None
        number = bisect.bisect_right(self.starts, row) - 1
        return min(number, len(self.cursors) - 1)

    def seen(self, number: int, count: int, next_cursor: str | None) -> None:
        """Page ``number`` held ``count`` rows and pointed to ``next_cursor``. Later pages
        keep their cursors: a page fetched again does not forget the way past it."""
        end = self.starts[number] + count
        if next_cursor is None:
            del self.cursors[number + 1 :], self.starts[number + 1 :]
            self.starts.append(end)
            self.ended = True
        elif number + 1 < len(self.cursors):
            self.cursors[number + 1], self.starts[number + 1] = next_cursor, end
        else:
            del self.starts[number + 1 :]
            self.cursors.append(next_cursor)
            self.starts.append(end)
            self.ended = False

    def pages_to(self, row: int, page_size: int) -> int:
        """How many fetches reach ``row`` from what is known (0: its page is known)."""
        frontier = len(self.cursors) - 1
        if self.ended or row < self.starts[frontier]:
            return 0
        return 1 + (row - self.starts[frontier]) // max(1, page_size)


@dataclass
class TaskWindow:
    """The pages held around the cursor, and which to fetch next."""

    page_size: int
    max_pages: int = 4
    #: Rows of margin kept loaded on either side of the cursor, so moving never waits.
    margin: int = 20
    #: The number of tasks the server says match (None until told, or when it cannot count).
    total: int | None = None
    cursor: int = 0
    chain: str = TOP
    held: dict[int, list[Task]] = field(default_factory=dict)
    chains: dict[str, Chain] = field(default_factory=lambda: {TOP: Chain(), END: Chain()})
    #: Pages asked for and not yet arrived, so none is asked for twice.
    inflight: set[PageRef] = field(default_factory=set)
    _rows: list[Task] | None = None

    # -- size and rows -----------------------------------------------------------------------

    @property
    def size(self) -> int | None:
        """How many rows the list has: the server's total, else the length once seen."""
        if self.total is not None:
            return self.total
        ended = [c.starts[-1] for c in self.chains.values() if c.ended]
        return ended[0] if ended else None

    @property
    def extent(self) -> int:
        """Rows the table scrolls over: the size, else what is known so far."""
        size = self.size
        if size is not None:
            return max(size, self.offset + len(self.rows))
        return max(self.offset + len(self.rows), self.chains[TOP].starts[-1])

    @property
    def rows(self) -> list[Task]:
        """The held rows, top to bottom, each task once."""
        if self._rows is None:
            numbers = sorted(self.held, reverse=self.chain == END)
            pages = [self.held[n][::-1] if self.chain == END else self.held[n] for n in numbers]
            rows: dict[str, Task] = {}
            for page in pages:
                for task in page:
                    rows.setdefault(task.id, task)
            self._rows = list(rows.values())
        return self._rows

    @property
    def offset(self) -> int:
        """The position of the first held row. An end-chain run is placed from its bottom page
        up, so a row put in (see :meth:`insert`) moves the rows above it, not the last row."""
        if not self.held:
            return 0
        chain = self.chains[self.chain]
        if self.chain == TOP:
            return chain.starts[min(self.held)]
        return (self.size or 0) - chain.starts[min(self.held)] - len(self.rows)

    def at(self, position: int) -> Task | None:
        index = position - self.offset
        rows = self.rows
        return rows[index] if 0 <= index < len(rows) else None

    def position_of(self, task_id: str) -> int | None:
        return next((self.offset + i for i, t in enumerate(self.rows) if t.id == task_id), None)

    def holds(self, position: int) -> bool:
        return 0 <= position - self.offset < len(self.rows)

    # -- what to fetch ---------------------------------------------------------------------

    def fit(self, height: int) -> None:
        """Size the margin and the window for a table showing ``height`` rows."""
        self.margin = max(10, height + height // 2)
        self.max_pages = max(4, math.ceil((height + 2 * self.margin) / max(1, self.page_size)) + 2)

    def reset(self) -> None:
        """Forget everything: the list starts over."""
        self.total, self.cursor, self.chain = None, 0, TOP
        self.held, self.inflight, self._rows = {}, set(), None
        self.chains = {TOP: Chain(), END: Chain()}

    def wants(self) -> list[PageRef]:
        """Pages to fetch now: the cursor's own when it is not held, else the neighbours
        within the margin of it. Pages already asked for, or held (a gap left by a task
        listed twice), are left out."""
        refs = [self._ref_for(self.cursor)] if not self.holds(self.cursor) else self._neighbours()
        return [
            ref
            for ref in refs
            if ref is not None
            and ref not in self.inflight
            and not (ref.chain == self.chain and ref.number in self.held)
        ]

    def _ref_for(self, position: int) -> PageRef | None:
        """The page to fetch for ``position``: from the end that knows the way, the held
        chain on a tie (so the run stays one)."""
        size = self.size
        ways = {TOP: self.chains[TOP].pages_to(position, self.page_size)}
        if size is not None and 0 <= position < size:
            ways[END] = self.chains[END].pages_to(size - 1 - position, self.page_size)
        best = min(ways.values())
        name = self.chain if ways.get(self.chain) == best else min(ways, key=lambda n: ways[n])
        row = position if name == TOP else (size or 0) - 1 - position
        return self._ref(name, self.chains[name].page_for(max(0, row)))

    def _ref(self, name: str, number: int | None) -> PageRef | None:
        chain = self.chains[name]
        if number is None or not 0 <= number < len(chain.cursors):
            return None
        return PageRef(name, number, chain.cursors[number])

    def _neighbours(self) -> list[PageRef]:
        """The pages just above and below the held run, when the cursor is near that edge."""
        first, last = self.offset, self.offset + len(self.rows) - 1
        low, high = min(self.held), max(self.held)
        up, down = (low - 1, high + 1) if self.chain == TOP else (high + 1, low - 1)
        refs = []
        if self.cursor - first < self.margin and first > 0:
            refs.append(self._ref(self.chain, up))
        size = self.size
        if last - self.cursor < self.margin and (size is None or last < size - 1):
            refs.append(self._ref(self.chain, down))
        return [r for r in refs if r is not None]

    # -- what arrives ------------------------------------------------------------------------

    def arrived(self, ref: PageRef, page: TaskPage) -> bool:
        """A page came: learn its chain, keep it if it belongs to the run (or starts the run
        the cursor needs), drop pages far from the cursor. True when the rows changed."""
        self.inflight.discard(ref)
        chain = self.chains[ref.chain]
        if ref.number >= len(chain.cursors) or chain.cursors[ref.number] != ref.cursor:
            return False  # the chain moved on meanwhile
        wanted = None if self.holds(self.cursor) else self._ref_for(self.cursor)
        chain.seen(ref.number, len(page.items), page.next_cursor)
        if page.total is not None:
            self.total = page.total
        items = list(page.items)
        if ref.chain == self.chain and self.held and (ref.number in self.held or self._adjacent(ref.number)):
            self.held[ref.number] = items
        elif ref == wanted:
            self.chain, self.held = ref.chain, {ref.number: items}
        else:
            return False
        self._rows = None
        self._trim()
        return True

    def _adjacent(self, number: int) -> bool:
        return number in (min(self.held) - 1, max(self.held) + 1)

    def _trim(self) -> None:
        """Drop the end pages farther from the cursor until the run fits."""
        while len(self.held) > self.max_pages:
            low, high = min(self.held), max(self.held)
            first, last = self.offset, self.offset + len(self.rows) - 1
            top_page, bottom_page = (low, high) if self.chain == TOP else (high, low)
            drop = top_page if self.cursor - first > last - self.cursor else bottom_page
            del self.held[drop]
            self._rows = None

    def refreshed(self, pages: Iterable[tuple[PageRef, TaskPage]]) -> None:
        """Fresh copies of the pages held (see :meth:`refresh_refs`); the first page when none was."""
        if not self.held:
            self.chain = TOP
        for ref, page in pages:
            chain = self.chains[ref.chain]
            if ref.number < len(chain.cursors) and chain.cursors[ref.number] == ref.cursor:
                chain.seen(ref.number, len(page.items), page.next_cursor)
            if page.total is not None:
                self.total = page.total
            if ref.chain == self.chain and (ref.number in self.held or ref == PageRef(TOP, 0, None)):
                self.held[ref.number] = list(page.items)
        self._rows = None

    def refresh_refs(self) -> list[PageRef]:
        """The pages a refresh reads again: those held, else the first."""
        chain = self.chains[self.chain]
        refs = [PageRef(self.chain, n, chain.cursors[n]) for n in sorted(self.held) if n < len(chain.cursors)]
        return refs or [PageRef(TOP, 0, None)]

    # -- tasks in place ----------------------------------------------------------------------

    def replace(self, task: Task) -> bool:
        """Put the server's new copy of a held task in place; False when it is not held."""
        for items in self.held.values():
            for index, held in enumerate(items):
                if held.id == task.id:
                    items[index] = task
                    self._rows = None
                    return True
        return False

    def insert(self, position: int, task: Task) -> None:
        """Show ``task`` at ``position`` although the list does not hold it there (a task
        that left the list under the cursor, or one play mode served)."""
        if not self.held:
            self.chain, self.held = TOP, {0: [task]}
            self._rows = None
            return
        rows = self.rows
        index = min(max(0, position - self.offset), len(rows))
        below = rows[index] if index < len(rows) else None
        target = below or (rows[-1] if rows else None)
        for items in self.held.values():
            ids = [t.id for t in items]
            if target is None or target.id in ids:
                at = ids.index(target.id) if target else 0
                items.insert(at + 1 if below is None and self.chain == TOP else at, task)
                break
        self._rows = None
