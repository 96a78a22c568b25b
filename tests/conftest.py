"""Fixtures shared by every test module: where the repository is, the sample region, a folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from laa_xl.region import Region, load_region

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The root of the source tree (holds schemas/, samples/, workbooks/)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def sample_region(repo_root: Path) -> Region:
    """The fictional region of samples/region.toml: Midshire, 2009/10 Q2, eight LSPs."""
    return load_region(repo_root / "samples" / "region.toml")


@pytest.fixture
def tmp_out(tmp_path: Path) -> Path:
    """An empty output folder of this test's own."""
    out = tmp_path / "out"
    out.mkdir()
    return out
