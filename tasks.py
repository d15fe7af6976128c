#!/usr/bin/env python3
"""Set up everything the project needs, then build it or test it.

    python3 tasks.py build   # set up, then build the site and every PDF
    python3 tasks.py test    # set up, then run the tests

Set-up is idempotent and quick when nothing changed: Debian packages from
debian-packages.txt (when missing), a virtual environment in .venv with the
pinned requirements.txt, and the Node tools of package-lock.json (each
reinstalled only when its file changes).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"setup", "build", "test"}:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    setup()
    command, rest = argv[0], argv[1:]
    if command == "build":
        return run([str(PYTHON), "build.py", "build", *rest])
    if command == "test":
        # One worker per core; each test file stays on one worker, so that the servers and
        # builds a file's fixtures make are made once.
        return run([str(PYTHON), "-m", "pytest", "-n", "auto", "--dist", "loadfile", *rest])
    return 0


def setup() -> None:
    install_debian_packages()
    install_python_packages()
    install_node_tools()


def install_debian_packages() -> None:
    wanted = [
        line.split()
        for line in (ROOT / "debian-packages.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    # "package command" means: only needed when that command is not already on PATH.
    missing = [
        entry[0]
        for entry in wanted
        if not (len(entry) > 1 and shutil.which(entry[1]))
        and not debian_package_installed(entry[0])
    ]
    if not missing:
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    if sudo and not shutil.which("sudo"):
        sys.exit(f"Please install these Debian packages first: {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run_or_exit([*sudo, "apt-get", "update", "-qq"], env=env)
    run_or_exit(
        [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env
    )


def debian_package_installed(name: str) -> bool:
    if not shutil.which("dpkg-query"):
        return True  # not a Debian system: trust the machine and let the tests tell
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True
    )
    return result.returncode == 0 and result.stdout.endswith("installed")


def install_python_packages() -> None:
    requirements = ROOT / "requirements.txt"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = VENV / "requirements.sha256"
    if stamp.exists() and stamp.read_text() == digest:
        return
    if not PYTHON.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "-q"]
    run_or_exit([*pip, "install", "-r", str(requirements)])
    run_or_exit([*pip, "install", "--no-deps", "-e", str(ROOT)])
    stamp.write_text(digest)


def install_node_tools() -> None:
    lock = ROOT / "package-lock.json"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    stamp = ROOT / "node_modules" / "package-lock.sha256"
    if stamp.exists() and stamp.read_text() == digest:
        return
    run_or_exit(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"])
    stamp.write_text(digest)


def run(command: list[str], **kwargs) -> int:
    return subprocess.run(command, cwd=ROOT, **kwargs).returncode


def run_or_exit(command: list[str], **kwargs) -> None:
    code = run(command, **kwargs)
    if code:
        sys.exit(f"set-up step failed ({code}): {' '.join(command)}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
