"""The await graph as a Qt tree model: who awaits whom in a run, right now.

Roots are the live tasks nobody waits on.  Under a task is what it waits on: the awaited task itself
(``await task``), or a group node ("gather of 3", "TaskGroup of 2", "asyncio.wait") with the tasks it
waits on under it.  A task waiting on anything else is a leaf that says what ("sleep(1)",
"Queue.get", "a future") in its "Waiting on" column.  It reads the engine's fold
(``TaskRow.targets``, ``TaskTable.awaited_by``/``await_chain``), never the tasks themselves, and
keeps in step with the table incrementally: a frame only touches the nodes of the tasks it changed.
``ui/await_view.py`` shows it.
"""
from __future__ import annotations

from bisect import bisect_left

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from asyncio_playground.vocab import LIVE_STATES, TaskState, WaitKind
from . import colors
from .task_model import contiguous as _contiguous

_ROOT = QModelIndex()
_DISPLAY, _DECORATION, _TOOLTIP, _FONT, _BACKGROUND = 0, 1, 3, 6, 8   # Qt.ItemDataRole values
_WAITING, _TASK = TaskState.WAITING, WaitKind.TASK
_STATE_HELP = {state: state.doc for state in TaskState}
# Beyond this many top-level rows to insert plus runs of top-level rows to remove in one refresh
# (one run, however long, is one signal: 20,000 tasks gathered leave the top level in one), or
# this many changed tasks (a hidden view catching up), rebuilding the tree (one modelReset) is
# cheaper than thousands of row signals.
_RESET_OVER = 5000
_REBUILD_OVER = 20_000
# Beyond this many separate row ranges under one parent, one dataChanged spans them all.
_MAX_RANGES = 16

TASK, GROUP, _TOP = "task", "group", "root"


class _Node:
    """One row of the tree.  ``tid`` is the task's (``task``) or its awaiter's (``group``)."""

    __slots__ = ("parent", "children", "kind", "tid", "row", "cycle")

    def __init__(self, parent, kind, tid, row):
        self.parent = parent
        self.children: list[_Node] = []
        self.kind = kind
        self.tid = tid
        self.row = row
        self.cycle = False   # a task already above it on this branch: not expanded again

    @property
    def key(self):
        return self.kind, self.tid

    def __repr__(self):
        return f"<_Node {self.kind} {self.tid} row={self.row}>"


class AwaitTreeModel(QAbstractItemModel):
    """Adapts a ``playground.TaskTable``'s await graph to a Qt tree (three columns).

    Column 0 names the node (a task's name, or "gather of 3"), with a swatch of the task's state
    colour or the wait kind's colour; column 1 is the task's state word or the group's wait kind;
    column 2, on a waiting task with nothing under it, what it waits on ("sleep(1)", "Queue.get").
    A task awaited by several tasks appears under each of them; a task in an await cycle (a
    deadlock) is shown once more where the cycle closes, marked and not expanded again.

    Roles:
        TidRole: the task's tid on a task node; the awaiting task's tid on a group node.
        KindRole: ``"task"`` or ``"group"``.
        StateRole: the task's state word (the awaiter's, on a group node).
        ChainRole: True when the node is on the highlighted task's await chain.

    Attributes:
        COLUMNS: header titles.
        chain_brush: background of the nodes on the highlighted chain (the view sets it from its
            palette).
    """

    TidRole = Qt.ItemDataRole.UserRole + 1
    KindRole = Qt.ItemDataRole.UserRole + 2
    StateRole = Qt.ItemDataRole.UserRole + 3
    ChainRole = Qt.ItemDataRole.UserRole + 4

    COLUMNS = ("Task / awaits", "State", "Waiting on")

    def __init__(self, parent=None):
        super().__init__(parent)
        tint = QColor(colors.color("focus"))
        tint.setAlpha(60)
        self.chain_brush = QBrush(tint)   # the view sets it from its palette's highlight
        self._bold = QFont()
        self._bold.setBold(True)
        self._table = None
        self._top = _Node(None, _TOP, -1, 0)
        self._nodes: dict[int, list[_Node]] = {}   # tid -> its task nodes (one per place shown)
        self._top_tids: list[int] = []             # sorted tids of the top-level nodes
        self._cycle_tops: set[int] = set()         # top-level only because stuck in an await cycle
        self._targets: dict[int, tuple] = {}       # tid -> the targets last shown for it
        self._chain_tid = -1
        self._chain: set[int] = set()
        self._graveyard: list = []                 # nodes removed by the last refresh (see _forget)
        self.show_library = False                  # tasks libraries made for their own ends: hidden

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
        large batch, rebuilds the whole tree (one ``modelReset``).
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
        nodes = self._nodes
        affected = set(self._cycle_tops)
        moved = False          # did any task's targets change (the chains only follow targets)?
        for tid in changed:
            row = by_tid.get(tid)
            if row is None:
                continue
            old = self._targets.get(tid, ())
            new = row.targets
            if old is not new:
                moved = True
                affected.add(tid)
                affected.update(old)
                affected.update(new)
                if new:
                    self._targets[tid] = new
                else:
                    self._targets.pop(tid, None)
            elif tid not in nodes or row.state not in LIVE_STATES:
                # New (shown nowhere yet) or ended: its place may change.  A live task already
                # shown keeps its place while its targets stay: who waits on it changes only with
                # another task's targets, and those are affected above.  (A 10,000-task run
                # changes ~1,500 tasks a frame; looking up each one's place cost ~5 ms.)
                affected.add(tid)
        add, drop = self._plan_top(affected)
        if len(add) + len(_contiguous(drop)) > _RESET_OVER:
            self._rebuild()
            return
        self._graveyard = []
        touched: set = set()   # nodes whose cells changed
        for tid in changed:
            for node in list(self._nodes.get(tid, ())):
                if node.parent is None:   # removed meanwhile (under another changed node)
                    continue
                touched.add(node)
                self._sync(node, touched)
        if drop:
            self._remove_top(drop)
        if add:
            self._insert_top(add)
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
        for t in chain.symmetric_difference(self._chain):
            for node in self._nodes.get(t, ()):
                touched.add(node)
                touched.update(child for child in node.children if child.kind == GROUP)
        self._chain = chain

    # -- lookups -----------------------------------------------------------------------------
    def index_of(self, tid: int) -> QModelIndex:
        """The first (outermost) place task *tid* is shown, or an invalid index."""
        nodes = self._nodes.get(tid)
        if not nodes:
            return QModelIndex()
        node = min(nodes, key=_depth)
        return self.createIndex(node.row, 0, node)

    def indexes_of(self, tid: int) -> list[QModelIndex]:
        """Every place task *tid* is shown (a task awaited by two tasks is under both)."""
        return [self.createIndex(n.row, 0, n) for n in self._nodes.get(tid, ())]

    def top_tids(self) -> list[int]:
        """The tids of the top-level tasks (nobody waits on them), in creation order."""
        return list(self._top_tids)

    # -- building ----------------------------------------------------------------------------
    def _rebuild(self) -> None:
        self.beginResetModel()
        self._graveyard = [self._top]
        self._top = _Node(None, _TOP, -1, 0)
        self._nodes, self._top_tids, self._cycle_tops, self._targets = {}, [], set(), {}
        table = self._table
        if table is not None:
            self._targets = {row.tid: row.targets for row in table.rows if row.targets}
            self._top_tids = sorted(row.tid for row in table.rows if self._is_top(row.tid))
            self._cycle_tops = {tid for tid in self._top_tids if self._awaited_by(tid)}
            for i, tid in enumerate(self._top_tids):
                node = _Node(self._top, TASK, tid, i)
                self._top.children.append(node)
                self._grow(node)
            if self._chain_tid >= 0:
                self._chain = set(table.await_chain(self._chain_tid))
        self.endResetModel()

    def _wanted(self, node) -> list[tuple]:
        """The keys of the children *node* should have now."""
        row = self._table.by_tid.get(node.tid)
        if row is None:
            return []
        hidden = self._hidden()
        if node.kind == GROUP:
            by_tid = self._table.by_tid
            return [(TASK, t) for t in dict.fromkeys(row.targets) if t in by_tid and t not in hidden]
        node.cycle = _on_path(node)
        if node.cycle or row.state != _WAITING or row.waiting is None:
            return []
        targets = [t for t in row.targets if t not in hidden] if hidden else row.targets
        if len(row.targets) == 1 and row.waiting[0] == _TASK:
            return [(TASK, targets[0])] if targets and targets[0] in self._table.by_tid else []
        return [(GROUP, node.tid)] if targets else []

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
        """Give a new *node* its subtree (no signals: it is being inserted or reset)."""
        if node.kind == TASK:
            self._nodes.setdefault(node.tid, []).append(node)
        for i, (kind, tid) in enumerate(self._wanted(node)):
            child = _Node(node, kind, tid, i)
            node.children.append(child)
            self._grow(child)

    def _forget(self, node) -> None:
        """*node* and its subtree left the tree."""
        # Qt may still hold plain indexes into removed nodes until the view has processed the
        # removal: keep them alive until the next refresh, so no index points at freed memory.
        self._graveyard.append(node)
        stack = [node]
        while stack:
            n = stack.pop()
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
        wanted = self._wanted(node)
        old = node.children
        if [c.key for c in old] != wanted:
            self._splice(node, wanted)
        for child in node.children:
            if child.kind == GROUP:   # its label and its tasks follow the awaiter's wait
                touched.add(child)
                group_wanted = self._wanted(child)
                if [c.key for c in child.children] != group_wanted:
                    self._splice(child, group_wanted)

    def _splice(self, parent, wanted) -> None:
        """Replace *parent*'s children by nodes for *wanted* keys, keeping the ones that stay."""
        parent_index = self._index_of_node(parent)
        old = parent.children
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
            new = [_Node(parent, kind, tid, pos + j) for j, (kind, tid) in enumerate(run)]
            old[pos:pos] = new
            _renumber(old, pos + len(run))
            for child in new:
                self._grow(child)
            self.endInsertRows()
            pos += len(run)

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

    def _plan_top(self, affected) -> tuple[list[int], list[int]]:
        """The top-level changes the *affected* tids (and the cycles they may have closed) need:
        (sorted tids to add, sorted rows to drop)."""
        tops = self._top_tids
        cycle_tops = self._cycle_tops
        add, drop, stranded = [], [], []
        for tid in affected:
            want, stuck = self._top_status(tid)
            i = bisect_left(tops, tid)
            have = i < len(tops) and tops[i] == tid
            if want and not have:
                add.append(tid)
            elif have and not want:
                drop.append(i)
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
        return sorted(add), sorted(drop)

    def _remove_top(self, rows) -> None:
        top, tids = self._top, self._top_tids
        for first, last in reversed(_contiguous(rows)):
            self.beginRemoveRows(_ROOT, first, last)
            for node in top.children[first:last + 1]:
                self._forget(node)
            del top.children[first:last + 1]
            del tids[first:last + 1]
            _renumber(top.children, first)
            self.endRemoveRows()

    def _insert_top(self, add) -> None:
        """Insert top-level nodes for the sorted tids *add*, one signal per contiguous run."""
        top, tids = self._top, self._top_tids
        i = 0
        while i < len(add):
            pos = bisect_left(tids, add[i])
            run = [add[i]]
            i += 1
            while i < len(add) and (pos >= len(tids) or add[i] < tids[pos]):
                run.append(add[i])
                i += 1
            self.beginInsertRows(_ROOT, pos, pos + len(run) - 1)
            new = [_Node(top, TASK, tid, pos + j) for j, tid in enumerate(run)]
            top.children[pos:pos] = new
            tids[pos:pos] = run
            _renumber(top.children, pos + len(run))
            for node in new:
                self._grow(node)
            self.endInsertRows()

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
    def index(self, row, column, parent=_ROOT):
        node = parent.internalPointer() if parent.isValid() else self._top
        if parent.isValid() and parent.column() != 0:
            return QModelIndex()
        if not (0 <= row < len(node.children) and 0 <= column < len(self.COLUMNS)):
            return QModelIndex()
        return self.createIndex(row, column, node.children[row])

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
        if parent.column() != 0:
            return 0
        return len(parent.internalPointer().children)

    def columnCount(self, parent=_ROOT):
        return len(self.COLUMNS)

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
                text += f"\nwaits on {row.waiting[1] or row.waiting[0]}"
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
        return text + f": {len(node.children)} task{'s' * (len(node.children) != 1)}"


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
