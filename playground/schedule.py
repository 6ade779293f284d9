"""You are the scheduler (issue 24): a run's schedule -- the choice made at each step it took while
paused -- and running a file again on a schedule, step by step on loop time.

The public front (the window and the command line import these names from here); the work is in
``_schedule``, whose docstring describes the format.
"""
from __future__ import annotations

from ._schedule import (ScheduleError, Scheduler, choice_words, load_schedule, parse_schedule,
                        replay_obstacles, run_on_schedule, schedule_of, start_on_schedule)

__all__ = ["ScheduleError", "Scheduler", "choice_words", "load_schedule", "parse_schedule",
           "replay_obstacles", "run_on_schedule", "schedule_of", "start_on_schedule"]
