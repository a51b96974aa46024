"""The dashboard's page catalog: every page of `streamlit run app.py`, declared once.

`app.py` builds its navigation from `PAGES`, the Overview lists them under "Every page",
and `tests/app/test_pages.py` renders each one through `app.py`, on the shipped models
and on an empty models folder.

Adding a page (three files):

1. `pages/<name>.py`: a thin script that reads through `xner` functions (cached with
   `st.cache_data` / `st.cache_resource`), opens with `st.title(...)`, builds its
   choices from the declarations with `xner.app.controls`, and, when it reads runs and finds
   none, says so with one `st.info` naming the models folder and `NO_RUNS_HELP` (or the
   `xner grid configs/smoke-tiny.yaml` command).
2. A `PageSpec` in `PAGES` below: its path, navigation title and icon, the `st.title`
   it shows (`heading`), one line for the Overview, and whether it reads runs.
3. `tests/app/test_<name>.py` for what its widgets do. `test_pages.py` picks the new
   page up by itself, and fails while a file in `pages/` is missing from `PAGES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class PageSpec:
    """One page of the dashboard."""

    path: str  # relative to the project root, as `st.Page` and `st.page_link` take it
    title: str  # the navigation label
    icon: str
    heading: str  # the page's `st.title`
    blurb: str  # one line for the Overview's list of pages
    reads_runs: bool  # shows `models_dir()`'s runs (and a message when there are none)
    default: bool = False  # the page `app.py` opens on

    @property
    def name(self) -> str:
        return Path(self.path).stem


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "pages/overview.py",
        "Overview",
        ":material/public:",
        "How well does NER transfer to a related lower-resource language?",
        "Overview: the question, the pairs and the answer so far",
        reads_runs=True,
        default=True,
    ),
    PageSpec(
        "pages/degradation.py",
        "Degradation",
        ":material/grid_on:",
        "Degradation browser",
        "Degradation browser: F1 drops by pair and perturbation",
        reads_runs=True,
    ),
    PageSpec(
        "pages/reference.py",
        "Paper vs xner",
        ":material/menu_book:",
        "The paper's numbers beside this project's",
        "Paper vs this project: the published numbers beside ours",
        reads_runs=True,
    ),
    PageSpec(
        "pages/explorer.py",
        "Sentence explorer",
        ":material/manage_search:",
        "Sentence explorer",
        "Explorer: sentences, predictions and errors",
        reads_runs=True,
    ),
    PageSpec(
        "pages/playground.py",
        "Playground",
        ":material/edit_note:",
        "Playground",
        "Playground: tag your own sentence",
        reads_runs=True,
    ),
    PageSpec(
        "pages/tour.py",
        "Teaching tour",
        ":material/school:",
        "Teaching tour",
        "Guided tour",
        reads_runs=False,
    ),
    PageSpec(
        "pages/train.py",
        "Train",
        ":material/model_training:",
        "Train a checkpoint",
        "Train and evaluate a run",
        reads_runs=False,
    ),
)


def page(name: str) -> PageSpec:
    """The page whose file is `pages/<name>.py`."""
    for spec in PAGES:
        if spec.name == name:
            return spec
    raise KeyError(f"no page {name!r}; pages: {', '.join(p.name for p in PAGES)}")
