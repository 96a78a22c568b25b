"""Run as `python -m laa_xl`."""

from .cli import run

run()
