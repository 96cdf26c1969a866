from .assessment import (
    DEFAULT_MAX_ASSESSMENT_DAYS,
    AssessmentDay,
    AssessmentProgramme,
    CancelledSession,
    Interviewee,
    Session,
    SessionInvitation,
)
from .framework import (
    MATURITY_LABELS,
    MATURITY_LEVELS,
    Criterion,
    Framework,
    Indicator,
    LevelDescriptor,
    Theme,
)
from .notifications import Notification, Reminder
from .panel import AgreedScore, Assignment, Score
from .prereport import Answer, EvidenceFile, IndicatorValue, PreReport
from .rounds import ACTIVE_STATES, DUE_FIELD_BY_STATE, STATE_SEQUENCE, Round, RoundEvent, RoundState
from .tallies import EvaluatorLoad, NetworkLatestRound, NetworkTally

__all__ = [
    "ACTIVE_STATES",
    "DEFAULT_MAX_ASSESSMENT_DAYS",
    "DUE_FIELD_BY_STATE",
    "MATURITY_LABELS",
    "MATURITY_LEVELS",
    "STATE_SEQUENCE",
    "AgreedScore",
    "Answer",
    "AssessmentDay",
    "AssessmentProgramme",
    "Assignment",
    "CancelledSession",
    "Criterion",
    "EvaluatorLoad",
    "EvidenceFile",
    "Framework",
    "Indicator",
    "IndicatorValue",
    "Interviewee",
    "LevelDescriptor",
    "NetworkLatestRound",
    "NetworkTally",
    "Notification",
    "PreReport",
    "Reminder",
    "Round",
    "RoundEvent",
    "RoundState",
    "Score",
    "Session",
    "SessionInvitation",
    "Theme",
]
