"""A one-line progress report on stderr for long loops (no dependencies)."""
import sys
import time


class Progress:
    """Report ``done/total`` with elapsed and remaining time, overwriting one line.

    Parameters
    ----------
    total : int
    label : str
    enabled : bool or None
        True: always report; False: never; None: only once the run has taken
        longer than ``after`` seconds.
    after : float
    every : float
        Minimum seconds between two reports.
    stream : file, default sys.stderr
    """

    def __init__(self, total, label="", enabled=None, after=2.0, every=0.5, stream=None):
        self.total, self.label = int(total), label
        self.enabled, self.after, self.every = enabled, after, every
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.perf_counter()
        self._last = -float("inf")
        self._shown = False

    def update(self, done):
        if self.enabled is False:
            return
        now = time.perf_counter()
        elapsed = now - self.start
        if self.enabled is None and elapsed < self.after:
            return
        if now - self._last < self.every and done < self.total:
            return
        self._last = now
        left = elapsed / done * (self.total - done) if done else float("nan")
        self.stream.write(f"\r{self.label}: {done}/{self.total} "
                          f"({100.0 * done / max(self.total, 1):.0f}%), {elapsed:.1f}s elapsed, "
                          f"~{left:.0f}s left   ")
        self.stream.flush()
        self._shown = True

    def close(self):
        if self._shown:
            self.stream.write("\n")
            self.stream.flush()
