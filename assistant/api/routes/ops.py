"""Operations: liveness, readiness (the index is loaded and the database answers), Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ..deps import HolderDep, MetricsDep, StoreDep
from ..openapi import INDEX, STORE, problems

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is alive", responses=problems())
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Ready to answer: index loaded, database reachable",
            responses=problems(INDEX, STORE))
def readyz(holder: HolderDep, store: StoreDep) -> dict[str, str]:
    """``runtime``: what runs the model; ``note``: why it is not FAQ_RUNTIME (an index built with another one)."""
    assistant = holder.current  # IndexUnavailable (503) while loading or after a failed start
    store.ping()  # StoreUnavailable (503)
    out = {"status": "ready", "index": assistant.version,
           "runtime": str(getattr(assistant.embedder, "runtime", "torch"))}
    if assistant.runtime_note:
        out["note"] = assistant.runtime_note
    return out


@router.get("/metrics", summary="Prometheus metrics", response_class=Response, responses={
    200: {"description": "the Prometheus text format", "content": {"text/plain": {"schema": {"type": "string"}}}},
    **problems()})
def metrics(m: MetricsDep) -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST

    return Response(m.render(), media_type=CONTENT_TYPE_LATEST)
