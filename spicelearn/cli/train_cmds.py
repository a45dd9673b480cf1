"""CLI commands (registered on import)."""

from __future__ import annotations

import click  # noqa: F401

from . import cli  # noqa: F401
