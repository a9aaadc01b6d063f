"""Reusable OpenAPI 3.0 components: the parameters, schemas and responses the views refer to."""

from __future__ import annotations

from typing import Any

from onegrid.api import params
from onegrid.platform.workbench.filters import KINDS, STATUSES
from onegrid.platform.workbench.items import MAX_PAGE

_STR, _INT, _NUM = {"type": "string"}, {"type": "integer"}, {"type": "number"}
_FILE = {"type": "string", "format": "binary"}
_OBJ: dict[str, Any] = {"type": "object"}
_DT = {"type": "string", "format": "date-time"}
_DT_NULL = {**_DT, "nullable": True}


def _q(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"in": "query", "name": name, "schema": schema, "description": description}


# A row id in a path: the routes' int converter answers 404 beyond PostgreSQL's bigint.
BIGINT = {"type": "integer", "minimum": 0, "maximum": params.BIGINT}


def _id(name: str) -> dict[str, Any]:
    return {"in": "path", "name": name, "required": True, "schema": BIGINT}


PARAMETERS = {
    "dataset": {"in": "path", "name": "dataset_id", "required": True, "schema": _STR},
    "request_id": _id("request_id"),
    "issue_id": _id("issue_id"),
    "task_id": _id("task_id"),
    "photo_id": _id("photo_id"),
    "fmt": {"in": "path", "name": "fmt", "required": True,
            "schema": {"type": "string", "enum": ["json", "xml"]},
            "description": "Open311's response format"},
    "collection": {"in": "path", "name": "collection_id", "required": True, "schema": _STR},
    "grid": _q("grid", _STR, "an area code at any level (district, street, community, grid)"),
    "bbox": {**_q("bbox", _STR, "minLon,minLat,maxLon,maxLat (CGCS2000 ≈ WGS 84)"),
             "style": "form", "explode": False},
    "datetime": _q("datetime", _STR, "occurred_at: an instant, start/end, ../end or start/.."),
    "updated_since": _q("updated_since", _DT, "records changed after this instant"),
    "q": _q("q", {"type": "string", "maxLength": 100}, "free text in the visible fields"),
    "cursor": _q("cursor", {"type": "integer", "minimum": 0, "maximum": 2**62},
                 "the next_cursor of the previous page"),
    "limit": _q("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
                "page size"),
    "since": _q("since", {"type": "integer", "minimum": 0, "maximum": 2**62, "default": 0},
                "the change-feed cursor (next of the previous answer)"),
    "purpose": {"in": "header", "name": "X-Purpose", "schema": {"type": "string",
                                                                  "maxLength": 200},
                "description": "why you pull (required for conditional datasets; or ?purpose=)"},
    "next": _q("next", _STR, "where to go once signed in"),
    "first": _q("first", {"type": "string", "format": "date"}, "the period's first day"),
    "last": _q("last", {"type": "string", "format": "date"}, "the period's last day"),
    "department": _q("department", _STR, "one department's code (default: all)"),
    # the administrator's pages (api/admin/)
    "page": _q("page", {"type": "integer", "minimum": 1, "maximum": 10**6, "default": 1},
               "the page of the list, from 1"),
    "list_kind": _q("kind", {"type": "string", "enum": ["categories", "responsibility",
                                                        "admission"]}, "which list"),
    "old": _q("old", BIGINT, "the older version's id (with new; default the newest two)"),
    "new": _q("new", BIGINT, "the newer version's id"),
    "user_id": _id("user_id"),
    "application_id": _id("application_id"),
    "token_id": _id("token_id"),
    "kid": {"in": "path", "name": "kid", "required": True, "schema": _STR},
    # the workbench's filters (platform/workbench/items.py)
    "kind": _q("kind", {"type": "string", "enum": list(KINDS)}, "one kind of work item"),
    "status": _q("status", {"type": "string", "enum": list(STATUSES)},
                 "a kind's state, or every kind's open (waiting) or overdue items"),
    "category": _q("category", {"type": "string", "maxLength": 32},
                   "an issue's category, a task's or application's task type, a complaint's "
                   "channel"),
    "area": _q("area", _STR, "an area code: items at or under it (complaints have none)"),
    "per_page": _q("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE,
                                "default": 50}, "items a page"),
}

_LINK = {"type": "object", "required": ["href", "rel"],
         "properties": {"href": _STR, "rel": _STR, "type": _STR, "title": _STR}}
_LINKS = {"type": "array", "items": _LINK}
_FEATURE = {"type": "object", "required": ["type", "geometry", "properties"],
            "properties": {"type": {"type": "string", "enum": ["Feature"]},
                           "id": {"oneOf": [_STR, _INT]},
                           "geometry": {"type": "object", "nullable": True},
                           "properties": {"type": "object", "nullable": True},
                           "links": _LINKS}}


def _form(**fields: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {"csrf_token": _STR, **fields}}


def _list(name: str, item: str) -> dict[str, Any]:
    items = {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}}
    return {"type": "object", "required": [name], "properties": {name: items}}


_GRANT_REQUEST = {"type": "object", "required": ["id", "dataset", "status", "fields"],
                   "properties": {"id": _INT, "dataset": _STR,
                                  "status": {"type": "string",
                                             "enum": ["pending", "approved", "denied"]},
                                  "purpose": _STR, "fields": {"type": "array", "items": _STR},
                                  "personal_information": {"type": "boolean"},
                                  "expires_at": _DT, "decided_by": {**_STR, "nullable": True},
                                  "decided_at": _DT_NULL, "reason": _STR}}

_STRS = {"type": "array", "items": _STR}
_COUNTS = {"type": "object", "additionalProperties": {
    "type": "object", "additionalProperties": _INT}}
# The burden-reduction office's registers (api/shared/offices.py).
_OFFICES: dict[str, Any] = {
    "WorkChannelIn": {"type": "object", "required": ["kind", "name", "department", "levels",
                                                     "members", "last_active_at"],
                      "properties": {"kind": {"type": "string", "enum": ["app", "group"]},
                                     "name": _STR, "department": _STR, "levels": _STRS,
                                     "members": _INT, "last_active_at": _DT}},
    "WorkChannel": {"type": "object", "required": ["id", "kind", "name", "zombie"],
                    "properties": {"id": _INT, "kind": _STR, "name": _STR, "levels": _STRS,
                                   "members": _INT, "last_active_at": _DT,
                                   "zombie": {"type": "boolean"}, "zombie_since": _DT_NULL}},
    "InspectionPlanIn": {"type": "object", "required": ["year", "inspections", "detail"],
                         "properties": {"year": _INT, "inspections": _INT, "detail": _STR}},
    "InspectionPlan": {"type": "object", "required": ["id", "year", "status"],
                       "properties": {"id": _INT, "year": _INT, "inspections": _INT,
                                      "detail": _STR, "status": _STR,
                                      "decided_by": {**_STR, "nullable": True},
                                      "decision_reason": _STR}},
    "IndicatorsIn": {"type": "object", "required": ["year", "indicators"],
                     "properties": {"year": _INT, "indicators": _STRS, "department": _STR,
                                    "increase_reason": _STR}},
    "Indicators": {"type": "object", "required": ["id", "year", "indicators"],
                   "properties": {"id": _INT, "year": _INT, "indicators": _STRS,
                                  "increase_reason": _STR,
                                  "approved_by": {**_STR, "nullable": True}}},
    "ComplaintIn": {"type": "object", "required": ["channel", "summary"],
                    "properties": {"channel": {"type": "string", "enum": [
                        "letter", "visit", "web", "phone", "hotline"]},
                        "summary": _STR, "department": _STR}},
    "ComplaintStep": {"type": "object", "properties": {"text": _STR, "department": _STR}},
    "Complaint": {"type": "object", "required": ["id", "channel", "status"],
                  "properties": {"id": _INT, "channel": _STR, "status": _STR,
                                 "department": {**_STR, "nullable": True}, "summary": _STR,
                                 "finding": _STR, "rectification": _STR, "result": _STR,
                                 "typical": {**_STR, "nullable": True}, "received_at": _DT}},
    "OfficeCounts": {"type": "object", "required": ["year"],
                     "properties": {"year": _INT, "inspections": _COUNTS,
                                    "complaints": _COUNTS, "documents_and_meetings": _COUNTS}},
}
_OFFICES["CapIn"] = {"type": "object", "required": ["cap"],
                     "properties": {"cap": {"type": "integer", "minimum": 1}}}
_OFFICES["WorkChannelList"] = _list("work_channels", "WorkChannel")

SCHEMAS: dict[str, Any] = {**_OFFICES,
    "Problem": {"type": "object", "required": ["type", "title", "status", "detail"],
                "properties": {"type": _STR, "title": _STR, "status": _INT, "detail": _STR,
                               "instance": _STR}},
    "Feature": _FEATURE,
    "RecordPage": {"type": "object", "required": ["type", "features", "numberReturned"],
                   "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                                  "features": {"type": "array", "items": _FEATURE},
                                  "numberReturned": _INT,
                                  "next_cursor": {**_INT, "nullable": True}}},
    "ItemPage": {"type": "object", "required": ["type", "features", "links", "numberReturned"],
                 "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                                "features": {"type": "array", "items": _FEATURE},
                                "numberReturned": _INT, "numberMatched": _INT,
                                "timeStamp": _DT, "links": _LINKS}},
    "Dataset": {"type": "object",
                "required": ["id", "title", "owner", "sharing_class", "fields", "record_count",
                             "access"],
                "properties": {"id": _STR, "title": _STR, "owner": _STR,
                               "sharing_class": {"type": "string", "enum": [
                                   "unconditional", "conditional", "not_shared"]},
                               "fields": {"type": "array", "items": _OBJ},
                               "record_count": _INT, "updated_at": _DT_NULL,
                               "access": _OBJ, "links": _OBJ}},
    "DatasetList": _list("datasets", "Dataset"),
    "Changes": {"type": "object", "required": ["changes", "next", "more"],
                "properties": {"changes": {"type": "array", "items": _OBJ}, "next": _INT,
                               "more": {"type": "boolean"}}},
    "Subject": {"type": "object", "required": ["subject_key", "records"],
                "properties": {"subject_key": _STR, "kind": _STR,
                               "records": {"type": "array", "items": _OBJ}}},
    "SubjectLookup": {"type": "object", "required": ["key"],
                      "properties": {"key": {"type": "string", "minLength": 1, "maxLength": 64,
                                             "description": "the subject's key, a resident ID "
                                                            "in the clear"}}},
    "GrantRequestIn": {"type": "object", "required": ["dataset", "purpose", "fields",
                                                       "expires_at"],
                        "properties": {"dataset": _STR, "purpose": _STR,
                                       "fields": {"type": "array", "items": _STR},
                                       "expires_at": _DT,
                                       "personal_information": {"type": "boolean"}}},
    "GrantRequest": _GRANT_REQUEST,
    "GrantRequestList": _list("grant_requests", "GrantRequest"),
    "Decision": {"type": "object", "properties": {"reason": _STR}},
    # the pages' forms (each also carries csrf_token)
    "SignIn": _form(username=_STR, password=_STR),
    "Form": _form(),
    "GridIssue": _form(client_id=_STR, category=_STR, description=_STR, lon=_NUM, lat=_NUM,
                       photo=_FILE),
    "Flag": _form(kind={"type": "string", "enum": ["flag_already_have", "flag_not_admitted"]},
                  task_id=_INT, department=_STR, target=_STR),
    "Step": _form(note=_STR, satisfaction={"type": "integer", "minimum": 1, "maximum": 5},
                  department=_STR, photo=_FILE),
    "CollectionAnswer": _form(client_id=_STR, subject={**_STR, "description": "whose answer"},
                              **{"f.FIELD": {**_STR, "description": "one per task field"}}),
    "PasswordForm": _form(current=_STR, new=_STR, repeat=_STR),
    "TaskForm": _form(task_type=_STR, area_code=_STR, title=_STR, detail=_STR),
    "Dispatch": _form(issue_id=_INT, department=_STR, note=_STR),
    "AdminDepartment": _form(code=_STR, name=_STR, name_en=_STR),
    "AdminUser": _form(username=_STR, name=_STR, role=_STR, department=_STR, areas=_STR,
                       phone=_STR),
    "AdminEnable": _form(enable={"type": "string", "enum": ["", "1"]}),
    "AdminAreas": _form(areas={**_STR, "description": "area codes, by spaces or commas"},
                        replace={"type": "string", "enum": ["", "1"]}),
    "AdminListUpload": _form(kind=_STR, effective={"type": "string", "format": "date"},
                             file=_FILE),
    "AdminBoundaryUpload": _form(file=_FILE, level=_STR, layer=_STR, code_field=_STR,
                             name_field=_STR, parent_field=_STR, city_name=_STR),
    "AdminBoundaryApply": _form(upload=_STR),
    "AdminDecision": _form(decision={"type": "string", "enum": ["approve", "refuse"]},
                           reason=_STR),
    "AdminKey": _form(department=_STR, label=_STR),
    "AdminToken": _form(department=_STR, scope=_STR, label=_STR,
                        days={"type": "integer", "minimum": 1, "maximum": 3650}),
    "Open311Request": {"type": "object", "required": ["api_key", "service_code"],
                       "properties": {"api_key": _STR, "service_code": _STR, "lat": _NUM,
                                      "long": _NUM, "address_string": _STR,
                                      "description": _STR, "media_url": _STR}},
    "CollectionRequestIn": {"type": "object",
                            "required": ["task_type", "fields", "grid_codes"],
                            "properties": {"task_type": _STR,
                                           "fields": {"type": "array", "items": _STR},
                                           "grid_codes": {"type": "array", "items": _STR},
                                           "deadline": {"type": "string", "format": "date"},
                                           "working_days": {"type": "integer", "minimum": 1,
                                                            "maximum": 250},
                                           "dataset": _STR, "subject": _STR}},
    "CollectionRequest": {"type": "object",
                          "required": ["id", "status", "available", "missing",
                                       "collection_tasks"],
                          "properties": {"id": _INT, "status": {"type": "string", "enum": [
                              "accepted", "refused", "answered"]},
                              "deadline": {"type": "string", "format": "date"},
                              "available": _OBJ, "missing": _OBJ, "collection_tasks": _OBJ,
                              "refusal": _STR}},
    "BurdenFormIn": {"type": "object", "required": ["name", "fields", "frequency", "levels"],
                     "properties": {"name": _STR, "fields": {"type": "array", "items": _STR},
                                    "frequency": _STR,
                                    "levels": {"type": "array", "items": _STR}}},
    "BurdenForm": {"type": "object",
                   "required": ["id", "department", "name", "burden", "coverage", "flag_retire"],
                   "properties": {"id": _INT, "department": _STR, "name": _STR,
                                  "fields": {"type": "array", "items": _STR},
                                  "frequency": _STR, "status": _STR,
                                  "levels": {"type": "array", "items": _STR},
                                  "units": _INT, "burden": _INT, "coverage": _OBJ,
                                  "flag_retire": {"type": "boolean"}}},
    "BurdenFormList": {"type": "object", "required": ["forms"], "properties": {"forms": {
        "type": "array", "items": {"$ref": "#/components/schemas/BurdenForm"}}}},
    "BurdenList": {"type": "object", "required": ["year", "departments"],
                   "properties": {"year": _INT, "departments": {"type": "array",
                                                                "items": _OBJ}}},
    "AdmissionApplicationIn": {
        "type": "object",
        "required": ["task_type", "name", "kind", "level", "reason", "workload", "area"],
        "properties": {"task_type": {**_STR, "description": "the item's code, e.g. GAS_CHECK"},
                       "name": _STR, "kind": {"type": "string", "enum": ["duty", "assistance"]},
                       "level": {"type": "string", "enum": ["street", "community", "grid"],
                                 "description": "the lowest level it may be pushed to"},
                       "reason": {**_STR, "description": "why it must be done there"},
                       "workload": {**_STR, "description": "the expected workload there"},
                       "area": {**_STR, "description": "the district whose reviewer decides"}}},
    "AdmissionApplication": {
        "type": "object", "required": ["id", "status", "task_type", "level"],
        "properties": {"id": _INT, "status": {"type": "string", "enum": [
                           "pending", "approved", "refused"]},
                       "task_type": _STR, "name": _STR, "kind": _STR, "level": _STR,
                       "reason": _STR, "workload": _STR, "applied_by": _STR,
                       "decided_by": {**_STR, "nullable": True}, "decided_at": _DT_NULL,
                       "decision_reason": _STR,
                       "list_version": {**_INT, "nullable": True,
                                        "description": "the admission version it made"}}},
    "AdmissionApplicationList": {
        "type": "object", "required": ["admission_applications"],
        "properties": {"admission_applications": {
            "type": "array", "items": {"$ref": "#/components/schemas/AdmissionApplication"}}}},
    "TaskIn": {"type": "object", "required": ["task_type", "area", "title"],
               "properties": {"task_type": _STR, "title": _STR, "detail": _STR,
                              "area": {**_STR, "description": "a street, community or grid code"}}},
    "Task": {"type": "object", "required": ["id", "task_type", "area", "release_at"],
             "properties": {"id": _INT, "task_type": _STR, "area": _STR, "release_at": _DT,
                            "admission_version": _INT}},
    "ListVersion": {"type": "object", "required": ["id", "effective_at", "source"],
                    "properties": {"id": _INT, "effective_at": _DT, "source": _STR,
                                   "imported_by": _STR}},
    "ListVersions": {"type": "object", "required": ["versions"],
                     "properties": {"versions": {
                         "type": "array", "items": {"$ref": "#/components/schemas/ListVersion"}}}},
    "ListDiff": {"type": "object", "required": ["new", "added", "removed", "changed"],
                 "properties": {"old": {"allOf": [{"$ref": "#/components/schemas/ListVersion"}],
                                        "nullable": True},
                                "new": {"$ref": "#/components/schemas/ListVersion"},
                                "added": _OBJ, "removed": _OBJ,
                                "changed": {**_OBJ, "description": "key: field: {old, new}"}}},
    "WorkItem": {"type": "object",
                 "required": ["kind", "id", "status", "created_at", "open", "overdue"],
                 "properties": {"kind": {"type": "string", "enum": list(KINDS)}, "id": _INT,
                                "title": _STR, "status": _STR, "category": _STR,
                                "area": {**_STR, "nullable": True},
                                "department": {**_STR, "nullable": True},
                                "created_at": _DT, "due_at": _DT_NULL,
                                "due_on": {"type": "string", "format": "date", "nullable": True,
                                           "description": "a whole-day deadline's last day"},
                                "open": {"type": "boolean"}, "overdue": {"type": "boolean"},
                                "lon": {**_NUM, "nullable": True},
                                "lat": {**_NUM, "nullable": True}}},
    "WorkPage": {"type": "object", "required": ["total", "page", "per_page", "items"],
                 "properties": {"total": _INT, "page": _INT, "per_page": _INT, "items": {
                     "type": "array", "items": {"$ref": "#/components/schemas/WorkItem"}}}},
    "TileLayers": {"type": "object", "required": ["layers", "template"],
                   "properties": {"layers": {"type": "array", "items": _STR},
                                  "template": _STR}},
    "Landing": {"type": "object", "required": ["links"],
                "properties": {"title": _STR, "description": _STR, "links": _LINKS}},
    "Conformance": {"type": "object", "required": ["conformsTo"],
                    "properties": {"conformsTo": {"type": "array", "items": _STR}}},
    "Collection": {"type": "object", "required": ["id", "links"],
                   "properties": {"id": _STR, "title": _STR, "description": _STR,
                                  "itemType": _STR, "extent": _OBJ, "links": _LINKS,
                                  "crs": {"type": "array", "items": _STR}}},
    "Collections": {"type": "object", "required": ["links", "collections"],
                    "properties": {"links": _LINKS, "collections": {
                        "type": "array", "items": {"$ref": "#/components/schemas/Collection"}}}},
}

_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_OPEN311 = {"application/json": {"schema": {"oneOf": [{"type": "array", "items": _OBJ}, _OBJ]}},
            "text/xml": {"schema": _STR}}
_HTML = {"text/html": {"schema": _STR}}
_RETRY = {"Retry-After": {"schema": _INT, "description": "seconds"}}
_LOCATION = {"Location": {"schema": _STR, "description": "where the browser goes next"}}

RESPONSES = {"problem": {"description": "a problem (RFC 9457) a person can read",
                         "content": _PROBLEM},
             "unavailable": {"description": "the database does not answer now: try again",
                             "headers": _RETRY, "content": _PROBLEM},
             # Open311's error list, or problem+json from a fault below its blueprint
             "open311_unavailable": {"description": "the database does not answer now",
                                     "headers": _RETRY, "content": {**_PROBLEM, **_OPEN311}},
             "open311_error": {"description": "Open311's errors: [{code, description}], in "
                                              "the format the path asks for",
                               "content": _OPEN311},
             "open311": {"description": "Open311 GeoReport v2, as JSON or XML",
                         "content": _OPEN311},
             "page": {"description": "the page", "content": _HTML},
             "page_or_problem": {"description": "the page saying what is wrong, or a problem "
                                                "(text holding NUL is refused before any page)",
                                 "content": {**_HTML, "application/problem+json": {
                                     "schema": {"$ref": "#/components/schemas/Problem"}}}},
             "sign_in": {"description": "not signed in: to the sign-in page (or, after a form, "
                                        "back to the page)", "headers": _LOCATION},
             "json": {"description": "the data", "content": {"application/json": {
                 "schema": _OBJ}}},
             "csv": {"description": "CSV (UTF-8 with BOM)", "content": {"text/csv": {
                 "schema": _STR}}},
             "subject": {"description": "the subject's records",
                         "content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/Subject"}}}},
             "dataset": {"description": "the catalog entry",
                         "content": {"application/json": {
                             "schema": {"$ref": "#/components/schemas/Dataset"}}}}}

SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "a department token: onegrid token create --department CODE"},
    "session": {"type": "apiKey", "in": "cookie", "name": "session",
                "description": "a signed-in user (operator, department staff, grid worker, admin); "
                               "a form POST also carries the page's csrf_token (or "
                               "X-CSRF-Token)"},
}

# Flask's own view of static/: no docstring of ours to read it from.
STATIC = {"get": {"tags": ["pages"], "summary": "The pages' scripts, styles and Leaflet",
                  "security": [],
                  "parameters": [{"in": "path", "name": "filename", "required": True,
                                  "schema": _STR}],
                  "responses": {"200": {"description": "the file"}}, "problems": [404]}}
