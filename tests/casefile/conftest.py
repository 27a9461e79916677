"""Fixtures shared by the case-file tests."""
from __future__ import annotations

import pytest


@pytest.fixture
def keys(tmp_path):
    return tmp_path / "keys"
