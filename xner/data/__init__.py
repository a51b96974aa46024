"""Data layer: sentence records, readers, label schemas, and the split resolver."""

from xner.data.datasets import DATASETS, get_dataset, list_datasets, split_policy
from xner.data.policies import SplitPolicy
from xner.data.readers.base import ReadReport
from xner.data.readers.columns import read_conll, read_panx, read_rahimi
from xner.data.readers.jsonl import read_jsonl
from xner.data.readers.registry import READERS, read_file
from xner.data.records import Sentence, content_hash, sentence_id
from xner.data.resolve import LocalSplit, list_local, load_split, load_split_with_report
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
