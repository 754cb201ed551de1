"""The guided bridge-test session (``emgkit session``): cues, markers, questions, resume.

See ``docs/session.md``. Heavy modules (acquisition, io) are imported when a session runs.
"""

from emgkit.app.session.answers import Answers, TrialAnswer, load_answers, parse_answers
from emgkit.app.session.runner import (
    SessionResult,
    load_state,
    merge_segments,
    planned_duration,
    run_session,
)
from emgkit.app.session.ui import ScriptedUI, SessionUI, TerminalUI

__all__ = [
    "Answers",
    "ScriptedUI",
    "SessionResult",
    "SessionUI",
    "TerminalUI",
    "TrialAnswer",
    "load_answers",
    "load_state",
    "merge_segments",
    "parse_answers",
    "planned_duration",
    "run_session",
]
