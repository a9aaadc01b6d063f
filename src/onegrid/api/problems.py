"""Every error leaves the API as RFC 9457 problem+json with a message a person understands."""

from __future__ import annotations

import logging

from flask import Flask, Response, json, request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from onegrid.api import store
from onegrid.platform.errors import OneGridError
from onegrid.platform.sharing.identity import mask_resident_ids

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"


def problem(status: int, title: str, detail: str, code: str) -> Response:
    # a resident ID sent in a URL by mistake is not echoed back in the clear
    body = {"type": f"urn:onegrid:problem:{code}", "title": title, "status": status,
            "detail": detail, "instance": mask_resident_ids(request.path)}
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)


def init_app(app: Flask) -> None:
    @app.errorhandler(OneGridError)
    def _onegrid(err: OneGridError) -> Response:
        response = problem(err.status, err.title, err.detail, err.code)
        if err.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="onegrid"'
        if err.retry_after is not None:
            response.headers["Retry-After"] = str(err.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException) -> Response:
        code = (err.name or "error").lower().replace(" ", "-")
        return problem(err.code or 500, err.name, err.description or err.name, code)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> Response:
        log.exception("unhandled error on %s", request.path)
        return problem(500, "Internal error", "something went wrong on our side; it is logged",
                       "internal-error")

    # a pool with no connection to give in time is the store not answering too
    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeoutError)
    def _store(err: DBAPIError | PoolTimeoutError) -> Response:
        known = store.unavailable(err)
        return _onegrid(known) if known else _unexpected(err)
