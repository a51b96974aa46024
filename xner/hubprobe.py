"""Whether the Hugging Face hub can be used now: one declared set of switches, one probe.

Offline, `datasets` and `transformers` retry for a long while before failing with an
opaque error, so both the data loaders (`xner.data.hub`) and the backbones
(`xner.backbones.hub`) decide up front, here: any variable of `OFFLINE_ENV` set to a
true value forces offline; otherwise a TCP connection to the endpoint (`HF_ENDPOINT`)
must open within about 2 s. The answer is remembered briefly, so a listing over many
missing splits, or several backbones, pays for one probe.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from urllib.parse import urlparse

# Every switch the Hugging Face libraries read to stay offline: one list, so the data
# loaders and the backbones agree on what "offline" means.
OFFLINE_ENV = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")
ENDPOINT_ENV = "HF_ENDPOINT"
DEFAULT_ENDPOINT = "https://huggingface.co"
PROBE_TIMEOUT_S = 2.0
_TRUE = frozenset({"1", "true", "yes", "on"})
# A failed probe is remembered briefly so that listing many missing splits costs one
# probe, not one per split; a success is remembered longer.
_PROBE_TTL_S = {True: 300.0, False: 30.0}
_probe_memo: dict[str, tuple[float, bool]] = {}


def hub_endpoint() -> str:
    """The hub's base URL (`HF_ENDPOINT`, else huggingface.co), without a trailing /."""
    return os.environ.get(ENDPOINT_ENV, DEFAULT_ENDPOINT).rstrip("/")


def env_offline() -> str | None:
    """`NAME=value` of the first `OFFLINE_ENV` switch that forces offline, else None."""
    for name in OFFLINE_ENV:
        if os.environ.get(name, "").strip().lower() in _TRUE:
            return f"{name}={os.environ[name]}"
    return None


def _host_port() -> tuple[str, int]:
    url = urlparse(hub_endpoint())
    return url.hostname or "huggingface.co", url.port or (80 if url.scheme == "http" else 443)


def probe_hub(timeout: float = PROBE_TIMEOUT_S) -> bool:
    """Whether a TCP connection to the hub opens within `timeout` seconds.

    Runs in a daemon thread because name resolution ignores socket timeouts; the
    answer is remembered for a short while.
    """
    host, port = _host_port()
    key = f"{host}:{port}"
    now = time.monotonic()
    if key in _probe_memo:
        when, ok = _probe_memo[key]
        if now - when < _PROBE_TTL_S[ok]:
            return ok
    result: list[bool] = []

    def connect() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=connect, daemon=True, name="xner-hub-probe")
    thread.start()
    thread.join(timeout)
    ok = bool(result and result[0])
    _probe_memo[key] = (time.monotonic(), ok)
    return ok


def reset_probe() -> None:
    """Forget remembered probe answers (tests, or after the network comes back)."""
    _probe_memo.clear()


def offline_reason(timeout: float = PROBE_TIMEOUT_S) -> str | None:
    """Why the hub cannot be used now, or None when it answers."""
    if reason := env_offline():
        return reason
    if not probe_hub(timeout):
        host, port = _host_port()
        return f"no connection to {host}:{port} within {timeout:g} s"
    return None
