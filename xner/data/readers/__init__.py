"""Readers for token-per-line and JSONL files, with validation and optional repair.

Formats:

- PAN-X TSV (`read_panx`): `token<TAB>tag`, sentences separated by blank lines. A file
  whose lines hold one column (PAN-X's `test-LANG.tsv`) is unlabelled text (tags None).
- Rahimi's raw WikiANN (`read_rahimi`): the same with a language prefix on every token
  (`fr:Paris`), which is stripped.
- CoNLL column files (`read_conll`): choose the token and tag columns; `-DOCSTART-`
  lines and `# ` comment lines are skipped; whitespace-only lines separate sentences.
- JSONL (`read_jsonl`): one object per line with `tokens` and optional `tags`.

Every problem raises `DataFormatError` naming the file and line: a stray `I-` (after
`O` or after another type), a tag outside the schema or not IOB2-shaped, a line short
of the tag column, an empty file, bytes that are not UTF-8. With `repair=True`, stray
`I-X` starts are read as `B-X` (as conlleval does) and counted in the `ReadReport`
that the `*_with_report` variants return beside the sentences.

Modules: `base` (origin, report, bytes to text), `columns` (the column formats, one
parser), `jsonl`, `registry` (`READERS`: each reader declared with the options it
takes, so the command line and the app can offer "read this file as ...").
"""

from xner.data.readers.base import (
    Origin,
    ReaderOption,
    ReaderSpec,
    ReadReport,
    ReadWithReport,
    read_text,
    resolve_schema,
    sentences_only,
)
from xner.data.readers.columns import (
    CONLL_FORMAT,
    MAX_COLUMNS,
    PANX_FORMAT,
    RAHIMI_FORMAT,
    ColumnFormat,
    column_reader,
    count_sentences,
    read_columns_with_report,
    read_conll,
    read_conll_with_report,
    read_panx,
    read_panx_with_report,
    read_rahimi,
    read_rahimi_with_report,
)
from xner.data.readers.jsonl import count_jsonl, read_jsonl, read_jsonl_with_report
from xner.data.readers.registry import (
    READERS,
    get_reader,
    guess_reader,
    read_file,
    read_file_with_report,
)

__all__ = [
    "CONLL_FORMAT",
    "MAX_COLUMNS",
    "PANX_FORMAT",
    "RAHIMI_FORMAT",
    "READERS",
    "ColumnFormat",
    "Origin",
    "ReadReport",
    "ReadWithReport",
    "ReaderOption",
    "ReaderSpec",
    "column_reader",
    "count_jsonl",
    "count_sentences",
    "get_reader",
    "guess_reader",
    "read_columns_with_report",
    "read_conll",
    "read_conll_with_report",
    "read_file",
    "read_file_with_report",
    "read_jsonl",
    "read_jsonl_with_report",
    "read_panx",
    "read_panx_with_report",
    "read_rahimi",
    "read_rahimi_with_report",
    "read_text",
    "resolve_schema",
    "sentences_only",
]
