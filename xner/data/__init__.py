"""Data layer: sentence records, readers, label schemas, and the split resolver."""

from xner.data.readers import (
    READERS,
    ReadReport,
    read_conll,
    read_file,
    read_jsonl,
    read_panx,
    read_rahimi,
)
from xner.data.records import Sentence, content_hash, sentence_id
from xner.data.resolve import (
    DATASETS,
    LocalSplit,
    SplitPolicy,
    get_dataset,
    list_datasets,
    list_local,
    load_split,
    load_split_with_report,
    split_policy,
)
from xner.data.schemas import (
    MAPPINGS,
    SCHEMAS,
    LabelMapping,
    LabelSchema,
    apply_mapping,
    get_mapping,
    get_schema,
    mapping_rows,
)
from xner.data.tags import Span, spans, tags_from_spans

__all__ = [
    "DATASETS",
    "MAPPINGS",
    "READERS",
    "SCHEMAS",
    "LabelMapping",
    "LabelSchema",
    "LocalSplit",
    "ReadReport",
    "Sentence",
    "Span",
    "SplitPolicy",
    "apply_mapping",
    "content_hash",
    "get_dataset",
    "get_mapping",
    "get_schema",
    "list_datasets",
    "list_local",
    "load_split",
    "load_split_with_report",
    "mapping_rows",
    "read_conll",
    "read_file",
    "read_jsonl",
    "read_panx",
    "read_rahimi",
    "sentence_id",
    "spans",
    "split_policy",
    "tags_from_spans",
]
