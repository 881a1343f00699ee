"""What routes get from the app: each dependency reads ``app.state`` (built by ``create_app``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, cast

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..config import Settings
from ..desk import DeskStore, HelpDesk
from ..desk.progress import ProgressReader
from ..desk.service import ServicePolicy
from ..desk.tickets.attachments import SqlAttachmentStore
from ..engine import Assistant
from ..errors import Forbidden, RateLimited, Unauthorized
from ..kb.canned import CannedLibrary
from ..keys import KeyRing, Principal
from .lane import AskLanes
from .metrics import Metrics
from .ratelimit import RateLimiter, client_key
from .runtime import AssistantHolder

_bearer = HTTPBearer(auto_error=False, description="an API key from `assistant keys add`")


async def get_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


async def get_holder(request: Request) -> AssistantHolder:
    return cast(AssistantHolder, request.app.state.holder)


async def get_assistant(request: Request) -> Assistant:
    """Taken once per request: a reload during the request does not change the Assistant it uses."""
    return cast(Assistant, request.app.state.holder.current)


async def get_store(request: Request) -> DeskStore:
    return cast(DeskStore, request.app.state.store)


async def get_desk(request: Request) -> HelpDesk:
    return cast(HelpDesk, request.app.state.desk)


async def get_policy(request: Request) -> ServicePolicy:
    return cast(ServicePolicy, request.app.state.policy)


async def get_progress(request: Request) -> ProgressReader:
    return cast(ProgressReader, request.app.state.progress)


async def get_attachments(request: Request) -> SqlAttachmentStore:
    return cast(SqlAttachmentStore, request.app.state.attachments)


async def get_canned(request: Request) -> CannedLibrary:
    return cast(CannedLibrary, request.app.state.canned)


async def get_lanes(request: Request) -> AskLanes[Any, Any]:
    return cast("AskLanes[Any, Any]", request.app.state.ask_lanes)


async def get_metrics(request: Request) -> Metrics:
    return cast(Metrics, request.app.state.metrics)


def _client(request: Request) -> str:
    return client_key(request.client.host if request.client else None)


def _limited(request: Request, check: Callable[[str], None]) -> None:
    try:
        check(_client(request))
    except RateLimited:
        request.app.state.metrics.rate_limited.inc()
        raise


async def rate_limit(request: Request) -> None:
    """Public endpoints: FAQ_RATE_LIMIT requests a minute per client."""
    _limited(request, request.app.state.limiter.check)


async def get_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The key's holder. A client that sent FAQ_AUTH_FAILURE_LIMIT invalid keys in a minute gets 429 until its
    bucket refills, whatever key it sends: keys cannot be guessed at speed."""
    failures: RateLimiter = request.app.state.auth_failures
    _limited(request, failures.peek)
    if credentials is None or not credentials.credentials:
        raise Unauthorized("send `Authorization: Bearer <key>`", headers={"WWW-Authenticate": "Bearer"})
    keys: KeyRing = request.app.state.keys
    principal = keys.authenticate(credentials.credentials)
    if principal is None:
        _limited(request, failures.check)
        raise Unauthorized("this API key is not valid (unknown or revoked)", headers={"WWW-Authenticate": "Bearer"})
    return principal


async def require_agent(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if not principal.allows("agent"):
        raise Forbidden(f"key {principal.name!r} has role {principal.role!r}; agent endpoints need 'agent'")
    return principal


async def require_admin(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
    if not principal.allows("admin"):
        raise Forbidden(f"key {principal.name!r} has role {principal.role!r}; admin endpoints need 'admin'")
    return principal


SettingsDep = Annotated[Settings, Depends(get_settings)]
HolderDep = Annotated[AssistantHolder, Depends(get_holder)]
AssistantDep = Annotated[Assistant, Depends(get_assistant)]
StoreDep = Annotated[DeskStore, Depends(get_store)]
DeskDep = Annotated[HelpDesk, Depends(get_desk)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
LanesDep = Annotated["AskLanes[Any, Any]", Depends(get_lanes)]
PolicyDep = Annotated[ServicePolicy, Depends(get_policy)]
ProgressDep = Annotated[ProgressReader, Depends(get_progress)]
CannedDep = Annotated[CannedLibrary, Depends(get_canned)]
AttachmentsDep = Annotated[SqlAttachmentStore, Depends(get_attachments)]
AgentDep = Annotated[Principal, Depends(require_agent)]
AdminDep = Annotated[Principal, Depends(require_admin)]
TicketId = Annotated[int, Path(ge=1, le=2**31 - 1, description="ticket number")]
