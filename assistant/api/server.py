"""`assistant serve`: uvicorn with the service's logging, proxy and worker settings."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..config import Settings
from ..logs import log_config
from .balance import BOARD_ENV
from .ratelimit import LIMITS_ENV


def run_server(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    settings = settings.model_copy(update={"workers": settings.serve_workers})  # 0: one per core
    with _worker_environment(settings):
        # one startup path with and without workers: each process builds its app with api.app:app_from_env
        uvicorn.run("assistant.api.app:app_from_env", factory=True, host=host, port=port,
                    workers=settings.workers if settings.workers > 1 else None, log_config=log_config(settings),
                    **proxy_options(settings))


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn believes ``X-Forwarded-For`` from loopback unless told otherwise, so any local client (or a
    proxy passing the header through) could pose as any address and escape the rate limits. Only the proxies
    in FAQ_TRUSTED_PROXIES are believed; with none, a client is the address it connects from."""
    if not settings.trusted_proxies:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": list(settings.trusted_proxies)}


def remove_stale_folders(tmp: Path) -> None:
    """The shared folders of supervisors that were killed before they could remove them (``kill -9``): this
    user's ``faq-workers-<pid>-*`` whose process is gone."""
    for folder in tmp.glob("faq-workers-*-*"):
        pid = folder.name.split("-")[2]
        try:
            if not pid.isdigit() or folder.stat().st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # gone meanwhile, or someone else's process
            continue


@contextmanager
def _worker_environment(settings: Settings) -> Iterator[None]:
    """With FAQ_WORKERS > 1: the processes share one port, a folder with the Prometheus files (/metrics adds up
    all of them), the load board (api/balance.py) and the rate limits (api/ratelimit.py), and the cores for
    their model runs. One process is bound by Python (the GIL) at about 280 questions/s on 2 cores with int8,
    before the model is; several processes share the load. Each follows index/current by itself
    (FAQ_INDEX_WATCH_S)."""
    remove_stale_folders(Path(tempfile.gettempdir()))
    if settings.workers <= 1:
        yield
        return
    shared = Path(tempfile.mkdtemp(prefix=f"faq-workers-{os.getpid()}-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(shared)  # before any worker imports prometheus_client
    os.environ[BOARD_ENV] = str(shared / "load-board")  # the workers' busy connections
    os.environ[LIMITS_ENV] = str(shared)
    if settings.embed_threads == 0:  # share the cores between the workers' model runs
        os.environ["FAQ_EMBED_THREADS"] = str(max(1, (os.cpu_count() or 1) // settings.workers))
    try:
        yield
    finally:
        shutil.rmtree(shared, ignore_errors=True)
