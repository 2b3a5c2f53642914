"""The local process executor: a worker that dies is blamed, the others are not, and every worker is stopped."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.common import workers
from theorycheck.parallel import ProcessExecutor, TaskLost


def _gone(pid: int, within: float = 10.0) -> bool:
    """The process exits (or is a zombie) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_worker_that_dies_is_the_only_culprit_the_pool_is_rebuilt_and_close_kills_every_worker(
    tmp_path: Path,
) -> None:
    executor = ProcessExecutor(2)
    try:
        # both workers started and seen first: CPython 3.11's pool wakes its manager thread *before* spawning a
        # worker on demand, so a worker spawned last is not watched until the next event (here: 60 s)
        warm = [executor.submit(workers.pid, None) for _ in range(2)]
        while len(executor.wait(warm, timeout=120)) < len(warm):
            pass
        handles = [executor.submit(workers.hold, str(tmp_path)), executor.submit(workers.die, str(tmp_path))]
        while len(executor.wait(handles, timeout=120)) < len(handles):
            pass  # the broken pool fails the innocent task too
        culprit = int((tmp_path / "culprit").read_text())
        innocent = int((tmp_path / "innocent").read_text())
        for handle in handles:
            with pytest.raises(TaskLost) as lost:
                executor.result(handle)
            assert lost.value.culprits == {culprit}, f"innocent worker {innocent}"
        (fresh,) = executor.wait([executor.submit(workers.pid, None)], timeout=120)  # a rebuilt pool runs it
        alive = executor.result(fresh)
        assert alive not in {culprit, innocent}
    finally:
        executor.close()
    assert _gone(culprit)
    assert _gone(innocent)
    assert _gone(alive), "close() left a worker running"
