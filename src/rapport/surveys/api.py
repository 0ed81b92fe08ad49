"""The survey and survey answer routes of the JSON API: the shared record routes."""

from __future__ import annotations

from rapport.api.crud import Operations, record_router
from rapport.surveys import service
from rapport.surveys.schemas import (
    SurveyCreate,
    SurveyFilters,
    SurveyRead,
    SurveyResponseCreate,
    SurveyResponseFilters,
    SurveyResponseRead,
    SurveyResponseSort,
    SurveyResponseUpdate,
    SurveySort,
    SurveyUpdate,
)

surveys_router = record_router(
    "/surveys",
    "surveys",
    Operations(
        kind=service.RECORD,
        read=SurveyRead,
        create_schema=SurveyCreate,
        update_schema=SurveyUpdate,
        filters=SurveyFilters,
        sort=SurveySort,
        create=service.create,
        update=service.update,
    ),
)
responses_router = record_router(
    "/survey-responses",
    "surveys",
    Operations(
        kind=service.RESPONSE_RECORD,
        read=SurveyResponseRead,
        create_schema=SurveyResponseCreate,
        update_schema=SurveyResponseUpdate,
        filters=SurveyResponseFilters,
        sort=SurveyResponseSort,
        create=service.create_response,
        update=service.update_response,
    ),
)
