"""The process behind `onegrid trace checkpoint`: signs the trace's head at an interval, and
once more when it is told to stop (SIGTERM from the supervisor, or Ctrl-C)."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from onegrid.platform.errors import OneGridError
from onegrid.platform.trace.checkpoints import Checkpoint, TopicCopy, keep, last_signed, take

log = logging.getLogger(__name__)


class Checkpointer:
    def __init__(self, sessions: Callable[[], AbstractContextManager[Session]],
                 key: Ed25519PrivateKey, path: Path, topic: TopicCopy) -> None:
        self.sessions, self.key, self.path, self.topic = sessions, key, path, topic
        self.last = last_signed(path, key.public_key())  # where a restart carries on from
        self.stopping = threading.Event()

    def stop_on_signals(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stopping.set())

    def checkpoint(self) -> Checkpoint:
        """Sign the head, append it to the file, then publish it. Raises TraceBrokenError
        (nothing signed) or CheckpointNotPublishedError (kept in the file only)."""
        return self._record(self._take())

    def _take(self) -> Checkpoint:
        with self.sessions() as session:
            return take(session, self.key, self.last)

    def _record(self, checkpoint: Checkpoint) -> Checkpoint:
        keep(checkpoint, self.path)
        self.last = checkpoint
        self.topic.send(checkpoint)
        return checkpoint

    def run(self, every: float) -> None:
        """Until stopped: a checkpoint now, then every ``every`` seconds while the trace grows;
        a last one on the way out. Problems are logged and tried again at the next turn."""
        first = True
        while not self.stopping.is_set():
            self._turn(unless_unchanged=not first)
            first = False
            self.stopping.wait(every)
        self._turn(unless_unchanged=False)

    def _turn(self, unless_unchanged: bool) -> None:
        try:
            checkpoint = self._take()
            if unless_unchanged and self.last and checkpoint.seq == self.last.seq:
                return  # nothing new to vouch for
            self._record(checkpoint)
        except (OneGridError, OperationalError) as exc:
            log.error("%s", exc)
            return
        log.info("checkpoint: entry %d, %s", checkpoint.seq, checkpoint.head_hash)
