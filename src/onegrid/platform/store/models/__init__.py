"""The store's tables as typed SQLAlchemy models, one module per part of the domain.

Alembic migrations are the schema's source of truth; `onegrid db check` keeps these in step.
Importing this package registers every table on ``Base.metadata``."""

from onegrid.platform.store.models.base import Base
from onegrid.platform.store.models.burden import (
    FORM_LEVELS,
    FORM_STATES,
    FREQUENCIES,
    BurdenForm,
    BurdenTarget,
    FieldSynonym,
)
from onegrid.platform.store.models.core import (
    AREA_LEVELS,
    TOKEN_SCOPES,
    USER_ROLES,
    ApiToken,
    Area,
    Department,
    GridCell,
    TraceEntry,
    User,
    user_grid,
)
from onegrid.platform.store.models.data import (
    SHARING_CLASSES,
    SUBJECT_KEY_KINDS,
    Dataset,
    Record,
    RecordVersion,
)
from onegrid.platform.store.models.governance import (
    ADMISSION_KINDS,
    ADMISSION_LEVELS,
    APPLICATION_STATES,
    LIST_KINDS,
    OFFICE_ROLES,
    TASK_STATES,
    AdmissionApplication,
    AreaOffice,
    BurdenEvent,
    GridTask,
    ListEntry,
    ListVersion,
)
from onegrid.platform.store.models.ingest import (
    DeadLetter,
    IngestCounter,
    IngestKey,
    IngestOffset,
)
from onegrid.platform.store.models.issues import (
    CATEGORY_KINDS,
    ISSUE_SOURCES,
    ISSUE_STATES,
    RESPONSIBILITY_LEVELS,
    Issue,
    IssueCategory,
    IssuePhoto,
    IssueReport,
)
from onegrid.platform.store.models.offices import (
    ASSESSMENT_LISTS,
    CHANNEL_KINDS,
    COMPLAINT_CHANNELS,
    COMPLAINT_STATES,
    OUTPUT_KINDS,
    OUTPUT_MEASURES,
    PLAN_STATES,
    AssessmentItem,
    BurdenComplaint,
    GroupMessage,
    IndicatorVersion,
    InspectionPlan,
    OfficeOutput,
    OutputCap,
    WorkChannel,
)
from onegrid.platform.store.models.sharing import (
    ACCESS_STATES,
    COLLECTION_STATES,
    COLLECTION_TASK_STATES,
    CollectionRequest,
    CollectionSubmission,
    CollectionTask,
    CollectionTaskArea,
    GrantRequest,
)

__all__ = ["ACCESS_STATES", "ADMISSION_KINDS", "ADMISSION_LEVELS", "APPLICATION_STATES",
           "AREA_LEVELS", "CATEGORY_KINDS", "COLLECTION_STATES", "COLLECTION_TASK_STATES",
           "FORM_LEVELS", "FORM_STATES", "FREQUENCIES", "ISSUE_SOURCES", "ISSUE_STATES",
           "LIST_KINDS", "OFFICE_ROLES", "RESPONSIBILITY_LEVELS", "SHARING_CLASSES",
           "SUBJECT_KEY_KINDS", "TASK_STATES", "TOKEN_SCOPES", "USER_ROLES",
           "AdmissionApplication", "ApiToken", "Area", "AreaOffice", "Base", "BurdenEvent",
           "BurdenForm", "BurdenTarget", "CollectionRequest", "CollectionSubmission",
           "CollectionTask", "CollectionTaskArea", "Dataset", "DeadLetter", "Department",
           "FieldSynonym", "GrantRequest", "GridCell", "GridTask", "IngestCounter", "IngestKey",
           "IngestOffset", "Issue", "IssueCategory", "IssuePhoto", "IssueReport", "ListEntry",
           "ListVersion", "Record", "RecordVersion", "TraceEntry", "User", "user_grid",
           # the burden-reduction office's registers (models/offices.py)
           "ASSESSMENT_LISTS", "CHANNEL_KINDS", "COMPLAINT_CHANNELS", "COMPLAINT_STATES",
           "OUTPUT_KINDS", "OUTPUT_MEASURES", "PLAN_STATES", "AssessmentItem",
           "BurdenComplaint", "GroupMessage", "IndicatorVersion", "InspectionPlan",
           "OfficeOutput", "OutputCap", "WorkChannel"]
