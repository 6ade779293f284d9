"""Runs as documents: save a run, open it again, see any moment of it, compare two runs.

The public front: the window, the command line and the benchmarks import these names from here
(the window may not reach a private engine module: tests/test_exported_members.py).  The work is
in private modules, one concern each (a file format, an index, two ways of making a table and a
comparison share little):

* ``_saved_run``: the saved-run file, a Chrome trace with the replay data first (``save_run``,
  ``load_run``, ``relocate``, ``SavedRun``, ``ReplayError``, ``FORMAT``).
* ``_run_index``: a run's log grouped by task (``_Index``), which a saved run carries and every
  moment is made from.
* ``_moments``: ``Replay``, a finished run seen at any loop time.
* ``_moment_table``: ``_Moment``, one table kept at one place in the log (a new table for
  ``Replay.table_at``, one table moved in place for a ``Scrub``).
* ``_scrub``: ``Scrub`` and ``Move``, one table moved in place for a window's scrubber.
* ``_run_diff``: ``diff_runs`` and ``Difference``, how one run's table differs from another's.
"""
from __future__ import annotations

# Not in __all__, but read from here: the tests fold tables (TaskTable), build a format-1 file from
# a trace (chrome_trace) and shrink the slice sizes (_Moment.BULK, .FORGET) through this module.
from ._export import chrome_trace
from ._moment_table import _Moment
from ._moments import Replay
from ._run_diff import Difference, diff_runs
from ._run_index import logged_at
from ._saved_run import FORMAT, ReplayError, SavedRun, load_run, relocate, save_run
from ._scrub import Move, Scrub
from ._table import TaskTable

__all__ = ["FORMAT", "Difference", "Move", "Replay", "ReplayError", "SavedRun", "Scrub", "diff_runs",
           "load_run", "relocate", "save_run"]
