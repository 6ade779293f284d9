"""The await graph as a Qt tree model: who awaits whom in a run, right now.

Roots are the live tasks nobody waits on.  Under a task is what it waits on: the awaited task itself
(``await task``), or a group node ("gather of 3", "TaskGroup of 2", "asyncio.wait") with the tasks it
waits on under it.  A task waiting on anything else is a leaf that says what ("sleep(1)",
"Queue.get", "a future") in its "Waiting on" column.  It reads the engine's fold
(``TaskRow.targets``, ``TaskTable.awaited_by``/``await_chain``), never the tasks themselves, and
keeps in step with the table incrementally: a frame only touches the nodes of the tasks it changed.
``ui/await_view.py`` shows it.

Big runs: a parent (the top level included) shows its first ``PAGE`` children, and ``PAGE`` more
each time the view asks (``canFetchMore``/``fetchMore``, or ``reveal`` of one task).  Nodes exist
only for the rows shown, so a gather of 100,000 tasks costs ``PAGE`` nodes, and a ``QTreeView``,
which lays out every expanded row again on any row inserted or removed, lays out a few hundred rows
instead of every task of the run.
"""
from __future__ import annotations

from bisect import bisect_left
from itertools import islice

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from asyncio_playground.vocab import LIVE_STATES, TaskState, WaitKind
from . import colors
from .task_model import contiguous as _contiguous

_ROOT = QModelIndex()
_DISPLAY, _DECORATION, _TOOLTIP, _FONT, _BACKGROUND = 0, 1, 3, 6, 8   # Qt.ItemDataRole values
_WAITING, _TASK = TaskState.WAITING, WaitKind.TASK
_STATE_HELP = {state: state.doc for state in TaskState}
# Beyond this many changed tasks in one refresh (a hidden view catching up), rebuilding the tree
# (one modelReset) is cheaper than looking at each one.
_REBUILD_OVER = 20_000
# Beyond this many separate row ranges under one parent, one dataChanged spans them all.
_MAX_RANGES = 16
# The children a parent shows at first, and how many more each fetch shows.  Qt's tree view lays
# out every expanded row again whenever a row comes or goes (two Python calls a row, ~5 us): a
# few hundred rows keep that within a frame, 100,000 took a second and more.
PAGE = 100
# reveal() shows at most this many children of one parent to bring a task into view; a task
# further down is represented by the nearest node above it that is shown.
REVEAL_MAX = 1000

TASK, GROUP, _TOP = "task", "group", "root"


class _Node:
    """One row of the tree.  ``tid`` is the task's (``task``) or its awaiter's (``group``).

    ``children`` are the nodes shown under it: the first ``limit`` of the ``total`` it should have
    (the rest are not made until fetched)."""

    __slots__ = ("parent", "children", "kind", "tid", "row", "cycle", "total", "limit")

    def __init__(self, parent, kind, tid, row, limit=PAGE):
        self.parent = parent
        self.children: list[_Node] = []
        self.kind = kind
        self.tid = tid
        self.row = row
        self.cycle = False   # a task already above it on this branch: not expanded again
        self.total = 0       # the children it should have; len(children) <= total
        self.limit = limit   # how many of them it shows

    @property
    def key(self):
        return self.kind, self.tid

    def __repr__(self):
        return f"<_Node {self.kind} {self.tid} row={self.row} {len(self.children)}/{self.total}>"


class AwaitTreeModel(QAbstractItemModel):
    """Adapts a ``playground.TaskTable``'s await graph to a Qt tree (three columns).

    Column 0 names the node (a task's name, or "gather of 3"), with a swatch of the task's state
    colour or the wait kind's colour; column 1 is the task's state word or the group's wait kind;
    column 2, on a waiting task with nothing under it, what it waits on ("sleep(1)", "Queue.get").
    A task awaited by several tasks appears under each of them; a task in an await cycle (a
    deadlock) is shown once more where the cycle closes, marked and not expanded again.

    A parent shows its first ``page`` children; ``canFetchMore``/``fetchMore`` show ``page`` more
    (not while ``fetch_blocked``: the view sets it while Qt lays out its rows, which would
    otherwise fetch a page of every such parent at each layout).

    Roles:
        TidRole: the task's tid on a task node; the awaiting task's tid on a group node.
        KindRole: ``"task"`` or ``"group"``.
        StateRole: the task's state word (the awaiter's, on a group node).
        ChainRole: True when the node is on the highlighted task's await chain.

    Attributes:
        COLUMNS: header titles.
        chain_brush: background of the nodes on the highlighted chain (the view sets it from its
            palette).
        page: children shown at first under each parent, and more per fetch (``PAGE``).
        fetch_blocked: while True, ``fetchMore`` does nothing.
    """

    TidRole = Qt.ItemDataRole.UserRole + 1
    KindRole = Qt.ItemDataRole.UserRole + 2
    StateRole = Qt.ItemDataRole.UserRole + 3
    ChainRole = Qt.ItemDataRole.UserRole + 4

    COLUMNS = ("Task / awaits", "State", "Waiting on")

    def __init__(self, parent=None, page: int = PAGE):
        super().__init__(parent)
        tint = QColor(colors.color("focus"))
        tint.setAlpha(60)
        self.chain_brush = QBrush(tint)   # the view sets it from its palette's highlight
        self._bold = QFont()
        self._bold.setBold(True)
        self.page = max(1, page)
        self.fetch_blocked = False
        self._changing = False   # inside a change of ours: a fetch from a slot of its signals waits
        self._table = None
        self._top = _Node(None, _TOP, -1, 0, self.page)
        self._nodes: dict[int, list[_Node]] = {}   # tid -> its task nodes (one per place shown)
        self._top_tids: list[int] = []             # sorted tids of the top-level tasks (all)
        self._cycle_tops: set[int] = set()         # top-level only because stuck in an await cycle
        self._targets: dict[int, tuple] = {}       # tid -> the targets last shown for it
        self._placed: set[int] = set()             # tids whose place (top level or not) is known
        self._count = 0                            # nodes in the tree
        self._groups: dict[int, tuple] = {}        # awaiter tid -> its big group's tasks (see _group_tids)
        self._chain_tid = -1
        self._chain: set[int] = set()
        self._graveyard: list = []                 # nodes removed by the last refresh (see _forget)
        self.show_library = False                  # tasks libraries made for their own ends: hidden
        # row -> (short, full) words for a task waiting on one of the run's Locks, Queues…: the
        # object, its place in line, its holder (the Resources feature; None: the wait kind only).
        self.wait_words = None

    # -- feeding -----------------------------------------------------------------------------
    def set_table(self, table) -> None:
        """Show *table* (a new run's ``TaskTable``, possibly already holding rows)."""
        self._table = table
        self._chain_tid = -1
        self._chain = set()
        self._rebuild()

    def table(self):
        return self._table

    def refresh(self, changed) -> None:
        """Bring the tree up to date with the tids *changed* by ``table.apply(events)``.

        Only the nodes of those tasks (and the top-level places of what they waited on before and
        wait on now) are looked at; nothing happens when *changed* is empty.  None, or a very
        large batch, rebuilds the whole tree (one ``modelReset``).  Rows come and go in one
        signal per contiguous run under a parent, and only among the rows shown (a parent's
        first ``limit`` children): 10,000 new top-level tasks are one ``rowsInserted`` of a page.
        """
        table = self._table
        if table is None:
            return
        if changed is None or len(changed) > _REBUILD_OVER:
            self._rebuild()
            return
        if not changed:
            return
        by_tid = table.by_tid
        placed = self._placed
        targets_of = self._targets
        affected = set(self._cycle_tops)
        under_free: set = set()   # new targets of tasks nobody waits on: not top-level, surely
        hidden = self._hidden()
        moved = False          # did any task's targets change (the chains only follow targets)?
        for tid in changed:
            row = by_tid.get(tid)
            if row is None:
                continue
            old = targets_of.get(tid, ())
            new = row.targets
            if old is not new:
                moved = True
                self._groups.pop(tid, None)
                affected.add(tid)
                affected.update(old)
                if len(new) > 16 and row.state in LIVE_STATES and tid not in hidden \
                        and not self._awaited_by(tid):
                    under_free.update(new)   # main's gather of 100,000: no look at each one
                else:
                    affected.update(new)
                if new:
                    targets_of[tid] = new
                else:
                    targets_of.pop(tid, None)
            elif tid not in placed or row.state not in LIVE_STATES:
                # New (placed nowhere yet) or ended: its place may change.  A live task already
                # placed keeps its place while its targets stay: who waits on it changes only with
                # another task's targets, and those are affected above.  (A 10,000-task run
                # changes ~1,500 tasks a frame; looking up each one's place cost ~5 ms.)
                affected.add(tid)
        add, drop = self._plan_top(affected, under_free - affected)
        self._graveyard = []
        touched: set = set()   # nodes whose cells changed
        nodes = self._nodes
        for tid in changed:
            for node in list(nodes.get(tid, ())):
                if node.parent is None:   # removed meanwhile (under another changed node)
                    continue
                touched.add(node)
                self._sync(node, touched)
        if drop or add:
            self._move_top(add, drop)
        if self._chain_tid >= 0 and (moved or self._chain_tid in changed):
            self._update_chain(touched)
        self._emit_changed(touched)

    # -- the chain ---------------------------------------------------------------------------
    def set_chain(self, tid: int) -> None:
        """Mark the await chain of *tid* (``table.await_chain``), or nothing for -1."""
        self._chain_tid = tid
        touched: set = set()
        self._update_chain(touched)
        self._emit_changed(touched)

    def chain(self) -> set[int]:
        """The tids on the highlighted chain."""
        return set(self._chain)

    def _update_chain(self, touched) -> None:
        table = self._table
        tid = self._chain_tid
        chain = set(table.await_chain(tid)) if table is not None and tid >= 0 else set()
        nodes = self._nodes
        for t in chain.symmetric_difference(self._chain):
            for node in nodes.get(t, ()):
                touched.add(node)
                touched.update(child for child in node.children if child.kind == GROUP)
        self._chain = chain

    # -- lookups -----------------------------------------------------------------------------
    def index_of(self, tid: int) -> QModelIndex:
        """The first (outermost) place task *tid* is shown, or an invalid index (also when it is
        not shown yet: further down a parent than its rows shown; see ``reveal``)."""
        nodes = self._nodes.get(tid)
        if not nodes:
            return QModelIndex()
        node = min(nodes, key=_depth)
        return self.createIndex(node.row, 0, node)

    def indexes_of(self, tid: int) -> list[QModelIndex]:
        """Every place task *tid* is shown (a task awaited by two tasks is under both)."""
        return [self.createIndex(n.row, 0, n) for n in self._nodes.get(tid, ())]

    def reveal(self, tid: int) -> QModelIndex:
        """Like ``index_of``, but a task not shown yet because it is further down a parent's
        children than the rows shown is fetched into view (up to ``REVEAL_MAX`` children of one
        parent; beyond, the index of the nearest node above it that is shown)."""
        node = self._reveal(tid, set())
        return self.createIndex(node.row, 0, node) if node is not None else QModelIndex()

    def top_tids(self) -> list[int]:
        """The tids of the top-level tasks (nobody waits on them), in creation order (all of them,
        also those not shown yet)."""
        return list(self._top_tids)

    def node_count(self) -> int:
        """How many nodes (rows, at every level) the tree has now."""
        return self._count

    def node_index(self, node) -> QModelIndex:
        """The index of *node* (column 0); the invalid index for the top level."""
        return self._index_of_node(node)

    # -- building ----------------------------------------------------------------------------
    def _rebuild(self) -> None:
        changing, self._changing = self._changing, True
        try:
            self._rebuild_nodes()
        finally:
            self._changing = changing

    def _rebuild_nodes(self) -> None:
        self.beginResetModel()
        self._graveyard = [self._top]
        self._top = _Node(None, _TOP, -1, 0, self.page)
        self._nodes, self._top_tids, self._cycle_tops, self._targets = {}, [], set(), {}
        self._placed, self._count, self._groups = set(), 0, {}
        table = self._table
        if table is not None:
            self._targets = {row.tid: row.targets for row in table.rows if row.targets}
            self._top_tids = sorted(row.tid for row in table.rows if self._is_top(row.tid))
            self._cycle_tops = {tid for tid in self._top_tids if self._awaited_by(tid)}
            self._placed = set(table.by_tid)
            self._grow(self._top)
            if self._chain_tid >= 0:
                self._chain = set(table.await_chain(self._chain_tid))
        self.endResetModel()

    def _wanted(self, node) -> tuple[list[tuple], int]:
        """(The keys of the children *node* shows now, the first ``node.limit`` of them; how many
        it should have in all)."""
        limit = node.limit
        if node.kind == _TOP:
            tids = self._top_tids
            return [(TASK, t) for t in tids[:limit]], len(tids)
        by_tid = self._table.by_tid
        row = by_tid.get(node.tid)
        if row is None:
            return [], 0
        hidden = self._hidden()
        if node.kind == GROUP:
            targets = self._group_tids(row, hidden)
            return [(TASK, t) for t in islice(targets, limit)], len(targets)
        node.cycle = _on_path(node)
        if node.cycle or row.state != _WAITING or row.waiting is None:
            return [], 0
        targets = [t for t in row.targets if t not in hidden] if hidden else row.targets
        if len(row.targets) == 1 and row.waiting[0] == _TASK:
            keys = [(TASK, targets[0])] if targets and targets[0] in by_tid else []
        else:
            keys = [(GROUP, node.tid)] if targets else []
        return keys, len(keys)

    def _group_tids(self, row, hidden):
        """The tasks a group node of *row*'s wait shows, in order (a dict or a list).  Kept for a
        big group while its wait lasts (``row.targets`` is the same tuple until the next wait):
        each page fetched, each refresh of its awaiter, reads it again."""
        key = row.targets
        big = len(key) > 64
        if big:
            hit = self._groups.get(row.tid)
            if hit is not None and hit[0] is key and hit[1] == len(hidden):
                return hit[2]
        targets = dict.fromkeys(key)     # each once, in order (C speed, also for 100k)
        by_tid = self._table.by_tid
        if hidden or not targets.keys() <= by_tid.keys():
            targets = [t for t in targets if t in by_tid and t not in hidden]
        if big:
            self._groups[row.tid] = (key, len(hidden), targets)
        return targets

    # -- library tasks -----------------------------------------------------------------------
    def set_show_library(self, show: bool) -> None:
        """Show (or leave out, the default) the tasks libraries create for their own ends
        (``table.library_tids``), as the task table and the timeline do."""
        if bool(show) != self.show_library:
            self.show_library = bool(show)
            self._rebuild()

    def _hidden(self):
        table = self._table
        return () if self.show_library or table is None else table.library_tids

    def _awaited_by(self, tid):
        """The tasks awaiting *tid* that are shown."""
        above = self._table.awaited_by(tid)
        hidden = self._hidden()
        return [t for t in above if t not in hidden] if hidden and above else above

    def _grow(self, node) -> None:
        """Give a new *node* its subtree, as far as it is shown (no signals: it is being inserted
        or reset)."""
        nodes, page = self._nodes, self.page
        stack = [node]
        while stack:
            n = stack.pop()
            self._count += 1
            if n.kind == TASK:
                nodes.setdefault(n.tid, []).append(n)
            keys, n.total = self._wanted(n)
            if keys:
                n.children = [_Node(n, kind, tid, i, page) for i, (kind, tid) in enumerate(keys)]
                stack.extend(n.children)

    def _forget(self, node) -> None:
        """*node* and its subtree left the tree."""
        # Qt may still hold plain indexes into removed nodes until the view has processed the
        # removal: keep them alive until the next refresh, so no index points at freed memory.
        self._graveyard.append(node)
        stack = [node]
        while stack:
            n = stack.pop()
            self._count -= 1
            if n.kind == TASK:
                nodes = self._nodes.get(n.tid)
                if nodes is not None:
                    try:
                        nodes.remove(n)
                    except ValueError:
                        pass
                    if not nodes:
                        del self._nodes[n.tid]
            n.parent = None
            stack.extend(n.children)

    def _sync(self, node, touched) -> None:
        """Make *node*'s children match what its task waits on now (row signals as needed)."""
        if not node.children and not self._table.by_tid[node.tid].targets:
            return   # a leaf that stays one: the common case, a step or a sleep
        self._splice(node, *self._wanted(node))
        for child in node.children:
            if child.kind == GROUP:   # its label and its tasks follow the awaiter's wait
                touched.add(child)
                self._splice(child, *self._wanted(child))

    def _splice(self, parent, wanted, total) -> None:
        """Replace *parent*'s children by nodes for *wanted* keys, keeping the ones that stay."""
        old = parent.children
        if len(old) == len(wanted) and all(c.key == k for c, k in zip(old, wanted)):
            parent.total = total
            return
        changing, self._changing = self._changing, True
        try:
            self._splice_rows(parent, wanted)
        finally:
            self._changing = changing
        parent.total = total

    def _splice_rows(self, parent, wanted) -> None:
        old = parent.children
        parent_index = self._index_of_node(parent)
        wanted_set = set(wanted)
        kept = [c.key for c in old if c.key in wanted_set]
        it = iter(wanted)
        in_order = all(k in it for k in kept)   # kept keys a subsequence of wanted?
        doomed = [c.row for c in old if not in_order or c.key not in wanted_set]
        for first, last in reversed(_contiguous(doomed)):
            self.beginRemoveRows(parent_index, first, last)
            for child in old[first:last + 1]:
                self._forget(child)
            del old[first:last + 1]
            _renumber(old, first)
            self.endRemoveRows()
        pos = 0
        i = 0
        page = self.page
        while i < len(wanted):
            if pos < len(old) and old[pos].key == wanted[i]:
                pos += 1
                i += 1
                continue
            run = []
            while i < len(wanted) and not (pos < len(old) and old[pos].key == wanted[i]):
                run.append(wanted[i])
                i += 1
            self.beginInsertRows(parent_index, pos, pos + len(run) - 1)
            new = [_Node(parent, kind, tid, pos + j, page) for j, (kind, tid) in enumerate(run)]
            old[pos:pos] = new
            _renumber(old, pos + len(run))
            for child in new:
                self._grow(child)
            self.endInsertRows()
            pos += len(run)

    # -- fetching ------------------------------------------------------------------------------
    def canFetchMore(self, parent=_ROOT):  # noqa: N802 (Qt's virtual)
        node = self._node_at(parent)
        return node is not None and node.total > len(node.children)

    def fetchMore(self, parent=_ROOT):  # noqa: N802 (Qt's virtual)
        """Show ``page`` more children of *parent* (nothing while ``fetch_blocked``)."""
        node = self._node_at(parent)
        if node is not None and not (self.fetch_blocked or self._changing) and self._table is not None:
            self._show(node, len(node.children) + self.page)

    def _node_at(self, index):
        if not index.isValid():
            return self._top
        if index.column() != 0:
            return None
        node = index.internalPointer()
        return node if node.parent is not None else None

    def _show(self, node, count) -> None:
        """Show at least the first *count* children of *node* (or all it has)."""
        if count <= node.limit and len(node.children) >= min(count, node.total):
            return
        node.limit = max(node.limit, count)
        self._splice(node, *self._wanted(node))

    def _reveal(self, tid, seen):
        nodes = self._nodes.get(tid)
        if nodes:
            return min(nodes, key=_depth)
        if tid in seen or self._table is None or tid not in self._table.by_tid:
            return None
        seen.add(tid)
        tops = self._top_tids
        i = bisect_left(tops, tid)
        if i < len(tops) and tops[i] == tid:
            if i >= REVEAL_MAX:
                return None
            self._show(self._top, i + 1)
            return self._top.children[i] if i < len(self._top.children) else None
        nearest = None
        for awaiter in self._awaited_by(tid):
            up = self._reveal(awaiter, seen)
            if up is None:
                continue
            for child in up.children:   # a task node has one child: the task, or a group
                if child.key == (TASK, tid):
                    return child
                if child.kind == GROUP:
                    row = self._table.by_tid.get(up.tid)
                    targets = list(self._group_tids(row, self._hidden())) if row is not None else []
                    try:
                        pos = targets.index(tid)
                    except ValueError:
                        continue
                    if pos >= REVEAL_MAX:
                        nearest = nearest or child
                        continue
                    self._show(child, pos + 1)
                    if pos < len(child.children):
                        return child.children[pos]
        return nearest

    # -- the top level -------------------------------------------------------------------------
    def _is_top(self, tid) -> bool:
        return self._top_status(tid)[0]

    def _top_status(self, tid) -> tuple[bool, bool]:
        """(Is *tid* a top-level task, is it stranded: awaited, and no task above it waits freely).

        A top-level task is live and nobody waits on it — or it is the least tid of an await
        cycle that nothing outside waits on (a deadlock: otherwise it would be shown nowhere).
        """
        row = self._table.by_tid.get(tid)
        if row is None or row.state not in LIVE_STATES or tid in self._hidden():
            return False, False
        if not self._awaited_by(tid):
            return True, False
        up = self._above(tid)
        if up is None:
            return False, False
        # Everything above it is also below it: its cycle is all there is above it.
        return tid in up and tid == min(up) and up <= self._below(tid), True

    def _above(self, tid):
        """Every task waiting on *tid*, transitively (None: one of them waits freely — nobody
        waits on it — so *tid* is shown under that one)."""
        awaited_by = self._awaited_by
        seen, frontier = set(), [tid]
        while frontier:
            nxt = []
            for t in frontier:
                above = awaited_by(t)
                if not above:
                    return None
                for a in above:
                    if a not in seen:
                        seen.add(a)
                        nxt.append(a)
            frontier = nxt
        return seen

    def _below(self, tid) -> set[int]:
        """Every task *tid* waits on, transitively, and *tid*."""
        by_tid = self._table.by_tid
        seen, stack = {tid}, [tid]
        while stack:
            row = by_tid.get(stack.pop())
            if row is not None:
                for t in row.targets:
                    if t not in seen:
                        seen.add(t)
                        stack.append(t)
        return seen

    def _plan_top(self, affected, not_top=frozenset()) -> tuple[list[int], set[int]]:
        """The top-level changes the *affected* tids (and the cycles they may have closed) need,
        and the tids *not_top* (known to be shown under a task nobody waits on):
        (sorted tids to add, tids to drop from the top level)."""
        tops = self._top_tids
        cycle_tops = self._cycle_tops
        self._placed |= affected
        drop = set()
        if not_top:
            self._placed |= not_top
            cycle_tops -= not_top
            drop = not_top.intersection(tops)
        by_tid = self._table.by_tid
        hidden = self._hidden()
        awaited_by = self._awaited_by if hidden else self._table.awaited_by
        live = LIVE_STATES
        free: dict[int, bool] = {}   # tid -> nobody (shown) waits on it
        add, stranded = [], []
        for tid in affected:
            # _top_status, with the common cases first: ended; nobody waits on it; a task that
            # nobody waits on waits on it (one lookup each; a big gather's tasks come as not_top).
            row = by_tid.get(tid)
            if row is None or row.state not in live or tid in hidden:
                want = stuck = False
            else:
                above = awaited_by(tid)
                if not above:
                    want, stuck = True, False
                else:
                    for a in above:
                        f = free.get(a)
                        if f is None:
                            f = free[a] = not awaited_by(a)
                        if f:
                            want = stuck = False
                            break
                    else:
                        want, stuck = self._top_status(tid)
            i = bisect_left(tops, tid)
            have = i < len(tops) and tops[i] == tid
            if want and not have:
                add.append(tid)
            elif have and not want:
                drop.add(tid)
            if want and stuck:
                cycle_tops.add(tid)
            else:
                cycle_tops.discard(tid)
                if stuck:
                    stranded.append(tid)   # below a cycle whose least tid may not be affected
        for tid in stranded:
            for t in self._above(tid) or ():
                if t not in add and self._is_top(t):
                    i = bisect_left(tops, t)
                    if not (i < len(tops) and tops[i] == t):
                        add.append(t)
                        cycle_tops.add(t)
        return sorted(add), drop

    def _move_top(self, add, drop) -> None:
        """Drop the top-level tasks *drop* (a set), add the sorted tids *add*, then bring the rows
        shown up to date (only the first ``limit`` of the top level are rows)."""
        tids = self._top_tids
        if len(drop) > 32:
            tids[:] = [t for t in tids if t not in drop]
        else:
            for t in sorted(drop, reverse=True):
                del tids[bisect_left(tids, t)]
        if add:
            grows = not tids or add[0] > tids[-1]   # the common case: new tasks, appended
            tids.extend(add)
            if not grows:
                tids.sort()   # two sorted runs: a linear merge
        top = self._top
        self._splice(top, *self._wanted(top))

    # -- signals -----------------------------------------------------------------------------
    def _index_of_node(self, node) -> QModelIndex:
        return _ROOT if node is self._top else self.createIndex(node.row, 0, node)

    def _emit_changed(self, touched) -> None:
        """One ``dataChanged`` per contiguous run of *touched* nodes under each parent."""
        last_col = len(self.COLUMNS) - 1
        by_parent: dict = {}
        for node in touched:
            if node.parent is not None:   # None: removed from the tree this refresh
                by_parent.setdefault(node.parent, []).append(node.row)
        for parent, rows in by_parent.items():
            rows.sort()
            ranges = _contiguous(rows)
            if len(ranges) > _MAX_RANGES:
                ranges = [(rows[0], rows[-1])]
            for first, last in ranges:
                self.dataChanged.emit(self.createIndex(first, 0, parent.children[first]),
                                      self.createIndex(last, last_col, parent.children[last]))

    # -- QAbstractItemModel ----------------------------------------------------------------
    # index(), parent() and rowCount() are called for every expanded row at each of the view's
    # layouts: kept to the fewest calls into Qt.
    def index(self, row, column, parent=_ROOT):
        if parent.isValid():
            if parent.column():
                return QModelIndex()
            children = parent.internalPointer().children
        else:
            children = self._top.children
        if 0 <= row < len(children) and 0 <= column < 3:
            return self.createIndex(row, column, children[row])
        return QModelIndex()

    def parent(self, index=None):
        if index is None:   # QObject.parent()
            return QObject.parent(self)
        if not index.isValid():
            return QModelIndex()
        up = index.internalPointer().parent
        if up is None or up is self._top:
            return QModelIndex()
        return self.createIndex(up.row, 0, up)

    def rowCount(self, parent=_ROOT):
        if not parent.isValid():
            return len(self._top.children)
        if parent.column():
            return 0
        return len(parent.internalPointer().children)

    def columnCount(self, parent=_ROOT):
        return 3

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.COLUMNS)):
            return self.COLUMNS[section]
        return None

    # flags() is QAbstractItemModel's (enabled and selectable): not overriding it saves a Python
    # call per painted cell.

    def data(self, index, role=_DISPLAY):
        if not index.isValid() or self._table is None:
            return None
        node = index.internalPointer()
        row = self._table.by_tid.get(node.tid)
        if row is None:
            return None
        col = index.column()
        kind = node.kind
        role = int(role)
        if role == _DISPLAY:
            if kind == TASK:
                if col == 0:
                    return f"{row.name} \u21bb" if node.cycle else row.name
                if col == 1:
                    return row.state
                if row.state == _WAITING and not node.children:
                    words = self.wait_words(row) if self.wait_words is not None else None
                    if words is not None:
                        return words[0]
                    wait_kind, detail = self._wait_of(row)
                    return detail or wait_kind
                return ""
            wait_kind, detail = self._wait_of(row)
            return (detail or wait_kind, wait_kind, "")[col]
        if role == _DECORATION and col == 0:
            if kind == TASK:
                return colors.state_color(row.state)
            wait_kind = self._wait_of(row)[0]
            return colors.WAIT_COLORS.get(wait_kind, colors.WAIT_COLORS[WaitKind.FUTURE])
        if role == _FONT or role == _BACKGROUND:
            if node.tid in self._chain:
                return self._bold if role == _FONT else self.chain_brush
            return None
        if role == _TOOLTIP:
            return self._tooltip(node, row)
        if role == self.TidRole:
            return node.tid
        if role == self.KindRole:
            return kind
        if role == self.StateRole:
            return row.state
        if role == self.ChainRole:
            return node.tid in self._chain
        return None

    @staticmethod
    def _wait_of(row):
        if row.waiting is None:
            return "", ""
        return row.waiting[0], row.waiting[1]

    def _tooltip(self, node, row) -> str:
        if node.kind == TASK:
            text = f"{row.name}  (task {row.tid}, {row.coro}())\n{row.state}: {_STATE_HELP.get(row.state, '')}"
            if row.waiting is not None and row.state == _WAITING:
                words = self.wait_words(row) if self.wait_words is not None else None
                text += f"\nwaits on {words[1] if words else row.waiting[1] or row.waiting[0]}"
                if row.waiting[3]:
                    text += f" at line {row.waiting[3]}"
            awaiters = self._table.awaited_by(row.tid)
            if awaiters:
                names = ", ".join(f"'{self._table.by_tid[t].name}'" for t in awaiters if t in self._table.by_tid)
                text += f"\nawaited by {names}"
            if node.cycle:
                text += "\n\u21bb it is already above on this branch: these tasks await each other"
            return text
        wait_kind, detail = self._wait_of(row)
        text = f"'{row.name}' waits on {detail or wait_kind} ({wait_kind})"
        if row.waiting is not None and row.waiting[3]:
            text += f" at line {row.waiting[3]}"
        return text + f": {node.total:,} task{'s' * (node.total != 1)}"


def _on_path(node) -> bool:
    """Is *node*'s task already above it on its branch (an await cycle)?"""
    tid = node.tid
    up = node.parent
    while up is not None:
        if up.kind == TASK and up.tid == tid:
            return True
        up = up.parent
    return False


def _depth(node) -> int:
    d = 0
    while node.parent is not None:
        node, d = node.parent, d + 1
    return d


def _renumber(nodes, start) -> None:
    for i in range(start, len(nodes)):
        nodes[i].row = i
