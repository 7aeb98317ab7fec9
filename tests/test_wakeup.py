"""How the watching thread sleeps (kanban_widget/wakeup.py): woken by file notifications where
they can be trusted, polling where they cannot (network filesystems, read from mountinfo), and
never sleeping through lost events."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import kanban_widget.wakeup as wakeup
from kanban_widget import Store
from test_sync import wait_for
from kanban_widget.wakeup import (Wakeup, filesystem_type, is_network_filesystem, mount_of,
                                  parse_mountinfo, unescape_mount_field)

MOUNTINFO = textwrap.dedent(r"""
    22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro
    23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
    35 22 0:45 / /home/ann/team\040share rw,relatime shared:20 - cifs //fs/team rw,vers=3.1.1
    36 22 0:46 / /mnt/nfs rw,relatime - nfs4 server:/export rw,vers=4.2,addr=10.0.0.2
    37 22 0:47 / /home/ann/remote rw,nosuid,nodev,relatime shared:30 master:2 - fuse.sshfs ann@host:/ rw,user_id=1000
    38 22 0:48 /sub /srv/tab\011and\134back rw - 9p hostshare rw,trans=virtio
    39 36 0:49 / /mnt/nfs/local rw,relatime - tmpfs tmpfs rw
    40 22 8:2 / /data rw,relatime shared:40 - xfs /dev/sdb1 rw
    not a mountinfo line
""").strip()


def run_python(code: str, *args: str, timeout: float = 60) -> None:
    """Run ``code`` in another Python process (a real other writer), and wait for it."""
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stderr


COMMIT = "import sys; from kanban_widget import Store; Store(sys.argv[1]).create_task('elsewhere')"


# -- mountinfo ---------------------------------------------------------------------------------

def test_mountinfo_lines_give_mount_points_and_types():
    assert parse_mountinfo(MOUNTINFO) == [
        ("/", "ext4"), ("/proc", "proc"), ("/home/ann/team share", "cifs"),
        ("/mnt/nfs", "nfs4"), ("/home/ann/remote", "fuse.sshfs"),
        ("/srv/tab\tand\\back", "9p"), ("/mnt/nfs/local", "tmpfs"), ("/data", "xfs")]


def test_octal_escapes_in_mount_points_are_undone():
    assert unescape_mount_field(r"/mnt/a\040b\011c\012d\134e") == "/mnt/a b\tc\nd\\e"
    assert unescape_mount_field("/plain/path") == "/plain/path"


@pytest.mark.parametrize("path, fstype", [
    ("/home/ann/team share", "cifs"),
    ("/home/ann/team share/boards/kanban.db", "cifs"),
    ("/home/ann/team share2/kanban.db", "ext4"),     # a sibling whose name merely starts alike
    ("/home/ann/team", "ext4"),
    ("/mnt/nfs/boards", "nfs4"),
    ("/mnt/nfs/local/boards", "tmpfs"),             # a local mount inside a network one
    ("/home/ann/remote/x", "fuse.sshfs"),
    ("/srv/tab\tand\\back/b", "9p"),
    ("/data", "xfs"),
    ("/", "ext4"),
])
def test_a_path_lives_on_its_deepest_mount(path, fstype):
    assert mount_of(path, parse_mountinfo(MOUNTINFO))[1] == fstype


def test_the_last_mount_on_a_point_wins():
    mounts = parse_mountinfo(MOUNTINFO + "\n41 40 0:50 / /data rw - nfs srv:/d rw")
    assert mount_of("/data/boards", mounts) == ("/data", "nfs")


@pytest.mark.parametrize("fstype", ["nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "ceph",
                                    "lustre", "glusterfs", "fuse.glusterfs", "fuse.sshfs",
                                    "fuse", "fuse.rclone", "afs", "gpfs"])
def test_network_filesystems_are_recognised(fstype):
    assert is_network_filesystem(fstype)


@pytest.mark.parametrize("fstype", ["ext4", "xfs", "btrfs", "tmpfs", "overlay", "zfs",
                                    "fuseblk", "apfs", None, ""])
def test_local_filesystems_are_not_network_ones(fstype):
    assert not is_network_filesystem(fstype)


def test_the_filesystem_of_a_real_folder_is_what_findmnt_says(tmp_path):
    findmnt = shutil.which("findmnt")
    assert findmnt, "findmnt (util-linux) is needed to check the answer"
    expected = subprocess.run([findmnt, "-n", "-o", "FSTYPE", "-T", str(tmp_path)],
                              capture_output=True, text=True, check=True).stdout.strip()
    assert filesystem_type(tmp_path) == expected
    (tmp_path / "folder with space").mkdir()
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "folder with space")
    assert filesystem_type(link) == expected
    assert filesystem_type("/proc/self") == "proc"


# -- waking ------------------------------------------------------------------------------------

@pytest.fixture
def board_file(tmp_path):
    path = tmp_path / "kanban.db"
    Store(path).close()
    return path


def wait_in_thread(w: Wakeup, timeout: float) -> dict:
    """Start ``w.wait(timeout)`` in a thread; the dict gets ``woke`` and ``after`` (seconds)."""
    out: dict = {}

    def run():
        start = time.monotonic()
        out["woke"] = w.wait(timeout)
        out["after"] = time.monotonic() - start

    out["thread"] = threading.Thread(target=run)
    out["thread"].start()
    return out


@pytest.fixture
def watcher(board_file):
    """A Wakeup on ``board_file``, with what creating the board queued already read."""
    w = Wakeup(board_file)
    w.wait(0)
    yield w
    w.close()


def test_a_commit_by_another_process_wakes_the_sleeper(board_file, watcher):
    assert watcher.notified and not watcher.remote
    pending = wait_in_thread(watcher, 30)
    run_python(COMMIT, str(board_file))
    pending["thread"].join(30)
    assert pending["woke"] and pending["after"] < 10


def test_other_files_in_the_folder_do_not_wake_it(board_file, watcher):
    run_python("import sys, pathlib; [pathlib.Path(sys.argv[1], f'note{i}.txt').write_text('x')"
               " for i in range(10)]", str(board_file.parent))
    assert not watcher.wait(0.3)


def test_a_poke_wakes_it(watcher):
    pending = wait_in_thread(watcher, 30)
    time.sleep(0.1)
    watcher.poke()
    pending["thread"].join(10)
    assert pending["woke"] and pending["after"] < 5


def test_an_overflowing_event_queue_counts_as_a_wake(board_file, watcher):
    """Events were lost: one of them may have been a commit, so the thread must look."""
    limit = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    # Each file made and removed queues two events about other names: twice the queue.
    run_python("import os, sys\nfor i in range(int(sys.argv[2])):\n"
               "    p = os.path.join(sys.argv[1], f'f{i}')\n"
               "    open(p, 'w').close(); os.unlink(p)\n",
               str(board_file.parent), str(limit), timeout=120)
    assert watcher.wait(0)
    assert watcher.notified  # still watching


def test_a_watch_the_kernel_drops_hands_over_to_polling(tmp_path):
    folder = tmp_path / "boards"
    folder.mkdir()
    w = Wakeup(folder / "kanban.db")
    try:
        assert w.notified
        run_python("import os, sys; os.rmdir(sys.argv[1])", str(folder))
        assert w.wait(5)
        assert not w.notified  # no more events can come: the caller polls
        assert not w.wait(0.05)  # and sleeping still works
    finally:
        w.close()


def test_on_a_network_filesystem_notifications_are_not_trusted(board_file, monkeypatch):
    monkeypatch.setattr(wakeup, "filesystem_type", lambda path: "nfs4")
    w = Wakeup(board_file)
    try:
        assert w.remote and w.filesystem == "nfs4"
        assert not w.notified  # the caller polls as without notifications
    finally:
        w.close()


# -- the feed's thread, quiet, on a local and a network filesystem ------------------------------

def tail_rounds(board, seconds: float) -> int:
    """How many times the feed's thread asked PRAGMA data_version during ``seconds``."""
    reader = board._feed.reader
    real = reader.data_version
    calls = []

    def counted():
        if threading.current_thread() is board._feed.thread:
            calls.append(1)
        return real()

    reader.data_version = counted
    try:
        time.sleep(seconds)
    finally:
        del reader.data_version
    return len(calls)


def test_a_quiet_board_on_a_local_disk_asks_sqlite_only_rarely(board_file, make_board):
    board, _wire = make_board(board_file)
    assert board._feed._wakeup.notified
    assert board._feed.notified_interval >= 15
    time.sleep(board._feed.idle_after + 0.5)  # quiet now
    assert tail_rounds(board, 2.0) <= 1
    run_python(COMMIT, str(board_file))  # and a commit still arrives at once
    wait_for(lambda: len(board._state.cards) == 1, timeout=5)


def test_a_quiet_board_on_a_network_filesystem_keeps_polling(board_file, make_board,
                                                             monkeypatch):
    """Another host's commit makes no event here: the thread must find it by polling."""
    monkeypatch.setattr(wakeup, "filesystem_type", lambda path: "cifs")
    board, _wire = make_board(board_file)
    assert not board._feed._wakeup.notified
    time.sleep(board._feed.idle_after + 0.5)
    assert tail_rounds(board, 1.0) >= 5  # every 40 ms, give or take a loaded machine
    # A commit that makes no file event at all (as from another host): still seen.
    board._feed._wakeup._names = set()
    run_python(COMMIT, str(board_file))
    wait_for(lambda: len(board._state.cards) == 1, timeout=5)
