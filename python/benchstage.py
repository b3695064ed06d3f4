"""benchstage.py: print stage timings from your own script in benchd's format (stdlib only, imports time and sys).

    import benchstage                      # t=0 is now, unless start() resets it
    benchstage.start()                     # start time: 1766135238.953
    with benchstage.stage("Import Torch"): # [0.000s] Import Torch...
        import torch                       # [5.295s] Import Torch Done, Time Spent: 5.295s
    benchstage.mark("Model Ready")         # [5.301s] Model Ready

runtime_info({"torch": torch.__version__}) prints the "=== Runtime Info ===" block. Every line is flushed,
because benchd reads it live through a pipe.
"""
import sys
import time

_t0 = time.perf_counter()


def _emit(line):
    """Write one line to stdout and flush it."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def elapsed():
    """Return the seconds since t=0 (the import of this module, or the last start())."""
    return time.perf_counter() - _t0


def start():
    """Reset t=0 to now and print "start time: <unix seconds>"; return that wall-clock time."""
    global _t0
    _t0 = time.perf_counter()
    now = time.time()
    _emit("start time: %.3f" % now)
    return now


def mark(text):
    """Print "[T s] text", T being the seconds since t=0."""
    _emit("[%.3fs] %s" % (elapsed(), text))


class stage:
    """Context manager timing one stage: "[T s] NAME..." on entry, "[T s] NAME Done, Time Spent: Ds" on exit.

    If the block raises, the exit line is "[T s] NAME Failed: <exception type>" instead, so that a broken
    stage is never reported as done; the exception goes on. After the block, .duration holds the seconds.
    """

    def __init__(self, name):
        """Remember the stage's name; nothing is printed until the block is entered."""
        self.name = name
        self.started = None
        self.duration = None

    def __enter__(self):
        """Print the entry line and start the clock."""
        mark(self.name + "...")
        self.started = time.perf_counter()
        return self

    def __exit__(self, exc_type, exc, tb):
        """Print the exit line; never swallow an exception."""
        self.duration = time.perf_counter() - self.started
        if exc_type is None:
            mark("%s Done, Time Spent: %.3fs" % (self.name, self.duration))
        else:
            mark("%s Failed: %s" % (self.name, exc_type.__name__))
        return False


def runtime_info(info):
    """Print the "=== Runtime Info ===" block: one "key: value" line per item of the dict info, in order."""
    _emit("=== Runtime Info ===")
    for key, value in info.items():
        _emit("%s: %s" % (key, value))
    _emit("====================")
