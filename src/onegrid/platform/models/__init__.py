"""The store's tables as typed SQLAlchemy models, one module per part of the domain.

Alembic migrations are the schema's source of truth; `onegrid db check` keeps these in step.
Importing this package registers every table on ``Base.metadata``."""

from onegrid.platform.models.base import Base
from onegrid.platform.models.core import (
    AREA_LEVELS,
    USER_ROLES,
    ApiToken,
    Area,
    Department,
    TraceEntry,
    User,
    user_grid,
)
from onegrid.platform.models.data import (
    SHARING_CLASSES,
    SUBJECT_KEY_KINDS,
    Dataset,
    Record,
    RecordVersion,
    Subject,
)
from onegrid.platform.models.ingest import DeadLetter, IngestCounter, IngestOffset
from onegrid.platform.models.issues import Issue

__all__ = ["AREA_LEVELS", "SHARING_CLASSES", "SUBJECT_KEY_KINDS", "USER_ROLES", "ApiToken", "Area",
           "Base", "Dataset", "DeadLetter", "Department", "IngestCounter", "IngestOffset", "Issue",
           "Record", "RecordVersion", "Subject", "TraceEntry", "User", "user_grid"]
