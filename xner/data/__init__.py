"""Data layer: sentence records, readers, label schemas, and the split resolver."""

from xner.data.records import Sentence, content_hash
from xner.data.tags import Span, spans, tags_from_spans

__all__ = ["Sentence", "Span", "content_hash", "spans", "tags_from_spans"]
