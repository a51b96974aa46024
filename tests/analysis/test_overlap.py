"""Entity overlap: drop against overlap points, and the overlap attached to the table."""

from __future__ import annotations

from pathlib import Path

import pytest

from xner.analysis.overlap import attach_overlap
from xner.analysis.table import load_results
from xner.analysis.views import overlap_points


def test_overlap_points_and_attach(runs: Path) -> None:
    table = load_results(runs)
    points = overlap_points(table, {"es-ca": 0.4})
    assert len(points) == 3 and set(points["overlap"]) == {0.4}
    transfer_p1 = points[(points["setting"] == "transfer") & (points["perturbation"] == "p1")]
    assert transfer_p1["drop"].iloc[0] == pytest.approx(0.25)
    assert overlap_points(table, {}).attrs["missing"] == ["es-ca"]
    assert attach_overlap(table, {"es-ca": 0.4})["entity_overlap"].eq(0.4).all()
