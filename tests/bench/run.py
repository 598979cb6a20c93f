"""The issue 10 benchmark: one command, one table, every comparison taken side by side in one run.

    python tests/bench/run.py [--quick] [--million] [--no-rt] [--only PARTS] [--presses N] [--rows N] [--shift N]

The real app runs in a real pty (120 x 40) against the reference server (``backdesk serve``, its
own process) and, for the write flow, against the local Request Tracker; a counting, delaying
proxy (``proxy.py``) sits between them where requests are counted. Figures only: nothing is
asserted, and pytest never collects these files. A row that fails says ``error: ...`` and the
run carries on. ``--quick`` is a smoke run of a minute or two with fewer samples.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # tests/bench (these helpers), tests/ (rt_env)

import flows  # noqa: E402
import server_speed  # noqa: E402
from proxy import CountingProxy, Traffic  # noqa: E402
from pty_app import KeyCost, median, percentile  # noqa: E402
from servers import Served, backdesk, bare  # noqa: E402


@dataclass
class Row:
    """One line of the table."""

    figure: str
    backdesk: str
    reference: str
    target: str
    met: str = ""


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.0995 else f"{seconds * 1000:.1f} ms"


def kb(count: float) -> str:
    return f"{count / 1000:.1f} KB"


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("✓" if ok else "✗")


def traffic(t: Traffic) -> str:
    return f"{t.requests} requests, {t.connections} new connections, {kb(t.sent + t.received)}"


class Bench:
    """The parts of the benchmark, each giving rows, and the servers they share."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.quick = args.quick
        self.presses = args.presses or (8 if args.quick else 30)
        self.rows: list[Row] = []
        self.scratch = Path(tempfile.mkdtemp(prefix="backdesk-bench-"))
        tempfile.tempdir = str(self.scratch)  # the apps' fresh homes go here too
        self.servers: dict[int, Served] = {}

    # -- plumbing ----------------------------------------------------------------------------

    def measure(self, figure: str, target: str, make: Callable[[], list[Row]]) -> None:
        """Run one part of the benchmark; its rows, or one row saying why it failed."""
        started = time.perf_counter()
        print(f"… {figure}", file=sys.stderr, flush=True)
        try:
            self.rows += make()
        except Exception as exc:  # one row failing must not stop the others
            reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:160]
            if self.args.verbose:
                traceback.print_exc()
            self.rows.append(Row(figure, f"error: {reason}", "", target))
        print(f"  ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)

    def server(self, tasks: int) -> Served:
        """The reference server over a demo database of ``tasks`` tasks, kept for the whole run."""
        if tasks not in self.servers:
            started = time.perf_counter()
            self.servers[tasks] = Served(self.scratch / f"demo-{tasks}.sqlite3", demo=tasks)
            print(f"  seeded and serving {tasks:,} tasks in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        return self.servers[tasks]

    def first_title(self, served: Served) -> str:
        """What tells that the app's first rows are on screen: the start of the first task's title."""
        return served.default_list(limit=1)[0]["title"][:20]

    def close(self) -> None:
        for served in self.servers.values():
            served.stop()
        shutil.rmtree(self.scratch, ignore_errors=True)

    # -- 1. start-up ---------------------------------------------------------------------------

    def startup(self) -> list[Row]:
        served = self.server(100)
        title = self.first_title(served)
        ours, theirs = [], []
        for _ in range(5 if self.quick else 11):  # interleaved, so both see the same machine
            with backdesk(served.url) as app:
                ours.append(app.wait_for(title))
            with bare() as app:
                theirs.append(app.wait_for("Bare task 000"))
        ratio = median(ours) / median(theirs)
        return [
            Row(
                f"1. first rows on screen, median of {len(ours)} interleaved launches in a pty",
                f"{median(ours):.2f} s ({ratio:.2f}×)",
                f"bare Textual app, 100-row DataTable: {median(theirs):.2f} s",
                "≤ 1.3×",
                verdict(ratio <= 1.3),
            )
        ]

    # -- 2. queue size -------------------------------------------------------------------------

    def queue_size(self) -> list[Row]:
        sizes = [100, 100_000] + ([1_000_000] if self.args.million else [])
        served = {n: self.server(n) for n in sizes}
        titles = {n: self.first_title(s) for n, s in served.items()}
        first: dict[int, list[float]] = {n: [] for n in sizes}
        for _ in range(1 if self.quick else 3):
            for n in sizes:
                with backdesk(served[n].url) as app:
                    first[n].append(app.wait_for(titles[n]))
        rows_to_page = self.args.rows or (1000 if self.quick else 5000)
        found = {n: self._page_and_jump(served[n], titles[n], rows_to_page) for n in sizes}
        out = []
        base = found[100]["rss_g"]
        for n in sizes:
            f = found[n]
            grew = f["rss_g"] - base
            out.append(
                Row(
                    f"2. {n:,}-task queue: first rows; RSS at start → after paging {rows_to_page:,} rows "
                    f"(`pagedown` held; it reached row {f['reached']}) → after `G`",
                    f"{median(first[n]):.2f} s; {f['rss0']:.0f} → {f['rss_paged']:.0f} → {f['rss_g']:.0f} MB"
                    f" (+{grew:.0f} MB over 100 tasks); `G` {ms(f['g'].last)}, {kb(f['g'].written)}, "
                    + ("on the true last task" if f["last"] else "not on the last task"),
                    "the 100-task queue" if n != 100 else "—",
                    "RSS ≤ +20 MB over 100 tasks; `G` reaches the true last task",
                    verdict(grew <= 20 and f["last"]) if n != 100 else verdict(f["last"]),
                )
            )
        return out

    def _page_and_jump(self, served: Served, title: str, rows: int) -> dict:
        ranks = {t["id"]: i + 1 for i, t in enumerate(served.default_list(limit=500, pages=rows // 500 + 4))}
        last = served.last_task()["id"]
        with backdesk(served.url) as app:
            app.wait_for(title)
            app.drain(1.0)
            rss0 = app.rss_mb()
            for _ in range(rows // 18 + 1):  # 18 rows a page at 40 lines; held at 25 presses a second
                app.type("pagedown")
                until = time.perf_counter() + 0.04
                while (left := until - time.perf_counter()) > 0:
                    app.read(left)
            app.drain(1.5, limit=300)
            seen = app.text_since(0)
            shown, at = task_ids(seen), position(seen)
            by_id = next((f"{ranks[i]:,}" for i in reversed(shown) if i in ranks), None)
            # The detail pane's "#ID  Title" line is written whole; the title's "N of M" only from
            # its first changed cell (4,986 -> 4,987 writes "7 of ..."), so it is the fallback.
            reached = by_id or (f"{at[0]:,}" if at else f"> {len(ranks):,}")
            rss_paged = app.rss_mb()
            mark = len(app.output)
            g = app.press("G", quiet=1.0, limit=60)
            at = position(app.text_since(0))
            on_last = (task_ids(app.text_since(mark)) or shown or [""])[-1] == last or bool(at and at[0] == at[1])
            rss_g = app.rss_mb()
        return {"rss0": rss0, "rss_paged": rss_paged, "rss_g": rss_g, "g": g, "last": on_last, "reached": reached}

    # -- 3. per key ----------------------------------------------------------------------------

    def per_key(self) -> list[Row]:
        served = self.server(100_000)
        title = self.first_title(served)
        costs: dict[str, list[KeyCost]] = {k: [] for k in ("j", "pagedown", "G", "enter", "bare")}
        with backdesk(served.url) as app, bare() as ref:
            app.wait_for(title)
            ref.wait_for("Bare task 000")
            app.drain(1.0)
            ref.drain(0.5)
            # Every measured key lands on a task not seen before (a history fetched once is kept), but `G`.
            for _ in range(self.presses):  # interleaved, so both see the same machine
                costs["bare"].append(ref.press("down"))
                costs["j"].append(app.press("j"))
            for _ in range(self.presses):
                costs["pagedown"].append(app.press("pagedown"))
            for _ in range(self.presses):
                costs["enter"].append(app.press("enter"))
                app.press("escape")
                app.press("j")
            for _ in range(self.presses):
                costs["G"].append(app.press("G"))
                app.press("g")
        ref_row = costs["bare"]
        reference = (
            f"bare DataTable `↓`: {kb(median([c.written for c in ref_row]))}; last byte "
            f"{ms(median([c.last for c in ref_row]))} / {ms(percentile([c.last for c in ref_row], 0.95))}; "
            f"first frame p95 {ms(percentile([c.frame for c in ref_row], 0.95))}; "
            f"CPU {ms(sum(c.cpu for c in ref_row) / len(ref_row))}"
        )
        targets = {"j": ("≤ 2 KB; p95 last byte ≤ 16 ms", 2000, 0.016), "pagedown": ("—", None, None)}
        targets |= {"G": ("p95 ≤ 150 ms", None, 0.150), "enter": ("≤ 8 KB", 8000, None)}
        out = []
        for key in ("j", "pagedown", "G", "enter"):
            row = costs[key]
            written, p95 = median([c.written for c in row]), percentile([c.last for c in row], 0.95)
            target, max_bytes, max_p95 = targets[key]
            checks = [written <= max_bytes] if max_bytes else []
            checks += [p95 <= max_p95] if max_p95 else []
            out.append(
                Row(
                    f"3. `{key}` in the 100,000-task queue, {len(row)} presses: bytes to the pty; "
                    "last byte p50 / p95; first frame p95; CPU a press",
                    f"{kb(written)}; {ms(median([c.last for c in row]))} / {ms(p95)}; "
                    f"{ms(percentile([c.frame for c in row], 0.95))}; {ms(sum(c.cpu for c in row) / len(row))}",
                    reference if key == "j" else "—",
                    target,
                    verdict(all(checks)) if checks else "",
                )
            )
        return out

    # -- 4. requests for one claim + note + close ----------------------------------------------

    def requests(self) -> list[Row]:
        served = self.server(100)
        word = f"Flowbench{int(time.time())}"
        task_id = served.create(f"{word} refund for a damaged parcel", priority="urgent")
        with CountingProxy(served.address) as proxy, backdesk(proxy.url) as app:
            app.wait_for("signed in as")
            flows.narrow_to(app, proxy, word)
            steps = flows.claim_note_close(app, proxy, task_id)
        with served.api() as api:
            task = api.get(f"/tasks/{task_id}").raise_for_status().json()
            notes = [e for e in api.get(f"/tasks/{task_id}/events").json()["items"] if e["kind"] == "note"]
        if task["status"] != "closed" or len(notes) != 1:
            raise RuntimeError(f"the flow did not happen: status {task['status']}, {len(notes)} notes")
        total = sum_traffic(steps.values())
        per = ", ".join(f"{name} {t.requests}" for name, t in steps.items())
        print(f"  backdesk's requests: {paths(steps.values())}", file=sys.stderr)
        return [
            Row(
                "4. one claim + note + close, reference server: requests (each step and what follows it)",
                f"{traffic(total)} ({per})",
                "3 writes are needed",
                "≤ 4 requests",
                verdict(total.requests <= 4),
            )
        ]

    def requests_rt(self) -> list[Row]:
        import rt_web
        from rt_env import OPERATORS, QUEUE, RT_URL

        if RT_URL is None:
            raise RuntimeError("RT is not set up here (tests/rt/setup_rt.sh)")
        user, password = "ana", OPERATORS["ana"]
        word = f"Flowbench{int(time.time())}"
        ticket_id = rt_web.create_ticket(RT_URL, (user, password), QUEUE, f"{word} refund for a damaged parcel")
        address = RT_URL.split("//", 1)[1]
        with CountingProxy(address) as proxy, backdesk(proxy.url, user, rt_password=password) as app:
            app.wait_for("signed in as", timeout=120)
            flows.narrow_to(app, proxy, word)
            steps = flows.claim_note_close(app, proxy, ticket_id)
        if rt_web.ticket(RT_URL, (user, password), ticket_id)["Status"] != "resolved":
            raise RuntimeError("the ticket was not resolved")
        comments = rt_web.comments(RT_URL, (user, password), ticket_id)
        twice = "" if comments == 1 else f"; ⚠ RT recorded the note {comments} times"
        web_ticket = rt_web.create_ticket(RT_URL, (user, password), QUEUE, f"{word} web UI")
        web = rt_web.web_ui(RT_URL, user, password, web_ticket)
        rest_ticket = rt_web.create_ticket(RT_URL, (user, password), QUEUE, f"{word} REST")
        with CountingProxy(address) as proxy:
            rest = rt_web.rest_minimum(proxy, user, password, rest_ticket)
        total = sum_traffic(steps.values())
        per = ", ".join(f"{name} {t.requests}" for name, t in steps.items())
        less = (web.sent + web.received) / max(total.sent + total.received, 1)
        than_web = f"{less:.0f}× less than the web UI" if less >= 1 else f"{1 / less:.1f}× the web UI's bytes"
        print(f"  backdesk's requests to RT: {paths(steps.values())}", file=sys.stderr)
        return [
            Row(
                "4. the same against Request Tracker 5 (claim + comment + resolve)",
                f"{traffic(total)} ({per}); {than_web}{twice}",
                f"RT's web UI: {web.requests} requests, {kb(web.sent + web.received)} of HTML; "
                f"REST minimum: {rest.requests} requests, {kb(rest.sent + rest.received)}",
                "≤ 8 requests, ≤ 10 KB (≥ 25× less than the web UI)",
                verdict(total.requests <= 8 and total.sent + total.received <= 10_000 and less >= 25),
            )
        ]

    # -- 5. a slow link ----------------------------------------------------------------------------

    def slow_link(self) -> list[Row]:
        tasks = self.args.shift or (5 if self.quick else 20)
        served = Served(self.scratch / "shift.sqlite3")
        try:
            for who in ("ana", "ben"):
                for n in range(tasks):
                    served.create(f"Shift{who} task {n:02}", queue="returns")
            delays = {"ana": 0.0, "ben": 0.150}
            with (
                CountingProxy(served.address, delay=delays["ana"]) as near,
                CountingProxy(served.address, delay=delays["ben"]) as far,
                backdesk(near.url, "ana") as app_near,
                backdesk(far.url, "ben") as app_far,
            ):
                shifts = {}
                for who, app, proxy in (("ana", app_near, near), ("ben", app_far, far)):
                    app.wait_for("signed in as", timeout=120)
                    flows.narrow_to(app, proxy, f"Shift{who}")
                    shifts[who] = flows.Shift(app)
                for proxy in (near, far):
                    proxy.wait_idle(flows.SETTLE)
                    proxy.reset()
                for _ in range(tasks):  # interleaved, a task at a time
                    for who in ("ana", "ben"):
                        shifts[who].work(1)
                link = {"ana": near.reset(), "ben": far.reset()}
        finally:
            served.stop()
        fast, slow = shifts["ana"].seconds, shifts["ben"].seconds
        added = (slow - fast) / tasks
        waited = {who: t.busy / tasks for who, t in link.items()}
        asked = {who: t.requests / tasks for who, t in link.items()}
        print(f"  steps at 0 ms: {steps(shifts['ana'])}; at 150 ms: {steps(shifts['ben'])}", file=sys.stderr)
        return [
            Row(
                f"5. a shift of {tasks} tasks (claim → template note → close → next), 150 ms added round trip vs 0 ms",
                f"{slow:.1f} s vs {fast:.1f} s ({slow / fast:.2f}×); a task: {slow / tasks:.2f} s vs "
                f"{fast / tasks:.2f} s ({added:+.2f} s), {asked['ben']:.1f} vs {asked['ana']:.1f} requests, "
                f"a request open for {waited['ben']:.2f} s vs {waited['ana']:.2f} s of it",
                "—",
                "≤ 1.5×",
                verdict(slow / fast <= 1.5),
            )
        ]

    # -- 6. the reference server -------------------------------------------------------------------

    def server_rows(self) -> list[Row]:
        served = self.server(100_000)
        db = self.scratch / "demo-100000.sqlite3"
        served.stop()  # server_speed serves the same file from a process of its own
        del self.servers[100_000]
        server_speed.REQUESTS = 64 if self.quick else 320
        server_speed.TOKEN = "bench-ana"
        proc, host, port = server_speed.serve(db)
        try:
            workloads = {
                "filtered, sorted page": ("/api/v1/tasks?" + server_speed.urlencode(server_speed.FILTERED), 0.015),
                "page 1": ("/api/v1/tasks?" + server_speed.urlencode(server_speed.LIST), 0.015),
                "page 300": (server_speed.page_300(host, port), 0.015),
                "/queues": ("/api/v1/queues", 0.010),
            }
            out = []
            for name, (path, target) in workloads.items():
                cells, single = [], 0.0
                for clients in server_speed.CLIENTS:
                    p50, p95, _ = server_speed.measure(host, port, path, clients)
                    cells.append(f"{p50:.1f} / {p95:.1f}")
                    single = p95 if clients == 1 else single
                out.append(
                    Row(
                        f"6. reference server at 100,000 tasks, {name}: p50 / p95 ms with 1 · 8 · 32 clients",
                        " · ".join(cells),
                        "—",
                        f"p95 ≤ {target * 1000:.0f} ms (1 client)"
                        + ("; flat with depth" if name == "page 300" else ""),
                        verdict(single <= target * 1000),
                    )
                )
            return out
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def position(text: str) -> tuple[int, int] | None:
    """The last "N of M" the table's title showed, if it shows one."""
    found = re.findall(r"· (\d[\d,]*) of (\d[\d,]*) ·", text)
    return (int(found[-1][0].replace(",", "")), int(found[-1][1].replace(",", ""))) if found else None


def task_ids(text: str) -> list[str]:
    """Task ids the detail pane showed ("#123  Title"), in order."""
    return re.findall(r"#(\d+)  \S", text)


def steps(shift: flows.Shift) -> str:
    return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in shift.steps.items())


def paths(parts: Iterable[Traffic]) -> str:
    """The requests made, ids and query strings left out, most frequent first."""
    counted = Counter(re.sub(r"/\d+(?=/|$)", "/N", p.split("?")[0]) for t in parts for p in t.paths)
    return ", ".join(f"{n}× {path}" for path, n in counted.most_common())


def sum_traffic(parts: Iterable[Traffic]) -> Traffic:
    total = Traffic()
    for t in parts:
        total.requests += t.requests
        total.connections += t.connections
        total.sent += t.sent
        total.received += t.received
    return total


def machine(loads: tuple[str, str]) -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in lines if "model name" in line), platform.processor())
    from importlib.metadata import version

    return (
        f"Machine: {cpu}, {os.cpu_count()} cores; load average {loads[0]} at start, {loads[1]} at the end; "
        f"Python {platform.python_version()}, Textual {version('textual')}, {platform.system()} {platform.release()}"
    )


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def table(rows: list[Row]) -> str:
    lines = ["| figure | backdesk | reference (same run) | target | met |", "|---|---|---|---|---|"]
    lines += [f"| {r.figure} | {r.backdesk} | {r.reference} | {r.target} | {r.met} |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of a minute or two, fewer samples")
    parser.add_argument("--million", action="store_true", help="also a 1,000,000-task queue (seeding takes minutes)")
    parser.add_argument(
        "--rt", action=argparse.BooleanOptionalAction, help="the RT rows (default: on, off with --quick)"
    )
    parser.add_argument("--presses", type=int, help="key presses per key (default 30, 8 with --quick)")
    parser.add_argument("--rows", type=int, help="rows to page through in the queue-size rows (default 5,000)")
    parser.add_argument("--shift", type=int, help="tasks in the slow-link shift (default 20)")
    parser.add_argument("--only", help="comma-separated parts to run: startup,size,keys,requests,rt,link,server")
    parser.add_argument("--verbose", action="store_true", help="print the traceback of a failing row")
    args = parser.parse_args()
    bench = Bench(args)
    started, at_start = time.perf_counter(), load()
    parts = {
        "startup": ("1. start-up", "≤ 1.3×", bench.startup),
        "size": ("2. queue size", "flat memory", bench.queue_size),
        "keys": ("3. per key", "≤ 2 KB, ≤ 16 ms", bench.per_key),
        "requests": ("4. claim + note + close, reference server", "≤ 4", bench.requests),
        "rt": ("4. claim + note + close, RT", "≤ 8 requests, ≤ 10 KB", bench.requests_rt),
        "link": ("5. slow link", "≤ 1.5×", bench.slow_link),
        "server": ("6. reference server", "p95 ≤ 15 ms", bench.server_rows),
    }
    wanted = args.only.split(",") if args.only else list(parts)
    if args.rt is False or (args.rt is None and args.quick and not args.only):
        wanted = [w for w in wanted if w != "rt"]
    try:
        for name in wanted:
            bench.measure(*parts[name])
    finally:
        bench.close()
    print(machine((at_start, load())))
    command = f"python tests/bench/run.py {' '.join(sys.argv[1:])}".rstrip()
    print(f"Command: {command} (took {time.perf_counter() - started:.0f} s)")
    print()
    print(table(bench.rows))


if __name__ == "__main__":
    main()
