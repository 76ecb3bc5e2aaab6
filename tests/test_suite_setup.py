"""The suite's own set-up: the grouping that lets two pytest-xdist workers share each built fixture."""

from __future__ import annotations

import subprocess
import sys


def test_tests_in_one_xdist_group_run_on_one_worker(tmp_path):
    """pytest-xdist's ``--dist loadgroup`` keeps a group on one worker; if a pytest release breaks it (pytest 9.2
    with pytest-xdist 3.8 did, silently) every worker rebuilds the shared fixtures and CI doubles in time."""
    (tmp_path / "test_grouped.py").write_text(
        "import os, pytest\n"
        "@pytest.mark.xdist_group('one')\n"
        "@pytest.mark.parametrize('i', range(6))\n"
        "def test_grouped(i):\n"
        "    print('worker', os.environ['PYTEST_XDIST_WORKER'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-v", "-p", "no:cacheprovider",
         "-o", "addopts=", "test_grouped.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    workers = {line.split("]")[0] for line in result.stdout.splitlines() if "PASSED" in line}
    assert len(workers) == 1 and all("@one" in line for line in result.stdout.splitlines() if "PASSED" in line), (
        result.stdout
    )
