"""dtoa as a force installs it: a wheel built from this checkout, installed (not editable) with
its locked dependencies into a new virtual environment, and run from a working folder that
`dtoa init` made, far from the checkout.

The wheel is built without build isolation (the build backend comes from the lock, as `make`
installs it) and the new environment installs requirements/runtime.txt with every hash
checked, through the machine's own pip configuration and cache: no step needs more than
`make` already fetched.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dtoa.testing import detention_row, sample_row, write_csv

ROOT = Path(__file__).resolve().parent.parent


def run(*args: object, cwd: Path | None = None, env: dict | None = None,
        check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    if check and done.returncode != 0:
        raise AssertionError(f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def checkout_files() -> list[str]:
    """What a fresh clone holds: tracked files and new ones not ignored (for a branch in
    progress), never the build/ or .venv of earlier work."""
    listed = run("git", "ls-files", "--cached", "--others", "--exclude-standard", "-z",
                 cwd=ROOT).stdout
    return [name for name in listed.split("\0") if name and (ROOT / name).exists()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("clone")
    for name in checkout_files():
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_symlink():
            target.symlink_to(os.readlink(ROOT / name))
        else:
            target.write_bytes((ROOT / name).read_bytes())
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
        "-w", dist, source)
    (built,) = dist.glob("dtoa-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A new virtual environment with the locked runtime dependencies and the wheel; returns
    its bin folder."""
    venv = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", venv)
    pip = venv / "bin" / "pip"
    run(pip, "install", "-q", "--require-hashes", "-r", ROOT / "requirements" / "runtime.txt")
    run(pip, "install", "-q", "--no-deps", wheel)
    return venv / "bin"


def test_the_wheel_holds_dtoa_its_pipelines_config_and_templates_and_nothing_else(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"dtoa", wheel.name.split("-py3")[0]
                                                + ".dist-info"}
    code = {str(p.relative_to(ROOT)) for p in (ROOT / "dtoa").rglob("*.py")
            if "shipped" not in p.parts}
    code |= {f"dtoa/{p.relative_to(ROOT)}" for p in (ROOT / "pipelines").rglob("*.py")}
    missing = sorted(code - set(names))
    assert missing == [], ("add their packages to [tool.setuptools] packages in "
                           f"pyproject.toml: {missing}")
    templates = {f"dtoa/shipped/{p.relative_to(ROOT)}" for p in (ROOT / "templates").rglob("*")
                 if p.is_file()}
    assert templates and templates <= set(names)
    assert "dtoa/shipped/config.toml" in names


def test_an_installed_wheel_runs_a_night_from_a_folder_made_by_dtoa_init(installed, db_url,
                                                                         tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "DTOA_CONFIG", "DTOA_DATABASE_URL", "VIRTUAL_ENV")}
    env["PATH"] = f"{installed}{os.pathsep}{env.get('PATH', '')}"
    if db_url.startswith("postgresql"):
        env["DTOA_DATABASE_URL"] = db_url  # else the working folder's own SQLite database
    python, dtoa = installed / "python", installed / "dtoa"
    where = run(python, "-c", "import dtoa, importlib.util as u; print(dtoa.__file__); "
                "print(u.find_spec('pipelines'), u.find_spec('bench'))", cwd=tmp_path, env=env)
    package, pipelines, bench = where.stdout.split()
    assert Path(package).is_relative_to(installed.parent.resolve())  # not the checkout
    assert (pipelines, bench) == ("None", "None")

    folder = tmp_path / "x"
    made = run(dtoa, "init", folder, cwd=tmp_path, env=env)
    assert "(new: the shipped default" in made.stdout
    assert (folder / "config.toml").read_bytes().startswith(b"# dtoa configuration")
    for name in ("inbox/detentions", "inbox/tests", "outbox", "processed", "reports",
                 "quarantine"):
        assert (folder / name).is_dir(), name

    arrested = (datetime.now(UTC) - timedelta(days=1)).replace(hour=10, minute=0, second=0,
                                                              microsecond=0)
    detentions = write_csv(folder / "d.csv", [detention_row(arrested_at=arrested.isoformat())])
    tests = write_csv(folder / "t.csv", [sample_row(
        tested_at=(arrested + timedelta(hours=1)).isoformat())])
    assert "1 new" in run(dtoa, "ingest", "detentions", detentions, cwd=folder, env=env).stdout
    assert "1 new" in run(dtoa, "ingest", "tests", tests, cwd=folder, env=env).stdout
    served = run(dtoa, "require-assessment", "--suite", "BASINGSTOKE", "--custody-ref",
                 "BAS/22/0001", "--officer", "PC 1234", cwd=folder, env=env)
    assert "notice to print and hand over before release" in served.stdout
    night = run(dtoa, "run", "nightly", "--quiet", cwd=folder, env=env)
    assert "referrals: withdrawn 0, positive_no_requirement 0" in night.stdout
    assert "letters: issued 1" in night.stdout
    assert night.stderr == ""  # this folder's config.toml: nothing to announce, no log lines
    letters = sorted(p.name for p in (folder / "outbox").rglob("*.pdf"))
    reference = f"BAS-{arrested.year}-000001"
    assert letters == [f"{reference}-notice.pdf", f"{reference}-referral.pdf"]
    assert '"event": "run.done"' in (folder / "dtoa.log").read_text(encoding="utf-8")
