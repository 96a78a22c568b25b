"""Runs LibreOffice headless to convert a file, for the tests that check a workbook opens there.

One fresh LibreOffice user profile serves the whole test session: a profile shared with a
desktop LibreOffice (or with a crashed earlier run) can hold a lock that makes headless
conversion fail silently.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

TIMEOUT = 120  # seconds; a conversion normally takes two or three

SOFFICE = shutil.which("soffice")

# --convert-to takes an extension, optionally followed by ":" and the export filter's name.
# xlsx needs the filter named: LibreOffice otherwise may pick "Excel 2007-365" or refuse.
FILTERS = {
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "pdf": "pdf:calc_pdf_Export",
    "ods": "ods",
}

needs_libreoffice = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice is not installed (no 'soffice' on PATH); "
           "install it with: apt-get install libreoffice-calc",
)


class LibreOfficeError(RuntimeError):
    """LibreOffice did not produce the file it was asked for."""


_profile: Path | None = None


def profile_dir() -> Path:
    """This session's LibreOffice user profile: made on first use, removed when Python exits."""
    global _profile
    if _profile is None:
        _profile = Path(tempfile.mkdtemp(prefix="laa-xl-lo-")) / "profile"
        atexit.register(shutil.rmtree, _profile.parent, True)
    return _profile


def convert(src: str | Path, fmt: str, outdir: str | Path, timeout: float = TIMEOUT) -> Path:
    """Open `src` in headless LibreOffice and save it as `fmt` (xlsx, pdf, ods) in `outdir`.

    Returns the path of the new file.  Raises LibreOfficeError, with LibreOffice's own output,
    when it fails, times out, or writes nothing.
    """
    if SOFFICE is None:
        raise LibreOfficeError("LibreOffice (soffice) is not on PATH.")
    src = Path(src).resolve()
    outdir = Path(outdir).resolve()
    target = outdir / f"{src.stem}.{fmt}"
    if target == src:
        raise ValueError(f"Converting {src} into its own folder would overwrite it.")
    outdir.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    cmd = [SOFFICE, "--headless", "--norestore",
           f"-env:UserInstallation={profile_dir().as_uri()}",
           "--convert-to", FILTERS.get(fmt, fmt), "--outdir", str(outdir), str(src)]
    # soffice is a launcher that starts soffice.bin: a session of its own lets a timeout end
    # the whole group this call started, and nothing else.
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise LibreOfficeError(
                f"LibreOffice took more than {timeout:g} s to convert {src.name} to {fmt}."
            ) from None
    if proc.returncode != 0 or not target.is_file():
        raise LibreOfficeError(
            f"LibreOffice did not convert {src.name} to {fmt} (exit code {proc.returncode}).\n"
            f"command: {' '.join(cmd)}\nstdout: {out.strip()}\nstderr: {err.strip()}")
    return target
