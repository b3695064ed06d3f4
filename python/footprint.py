"""footprint.py: run a Python script as __main__, unchanged, and list every file it read, mapped or imported.

Usage: BENCHD_FOOTPRINT_OUT=/path/list.txt python3 footprint.py SCRIPT [ARGS...]
       BENCHD_FOOTPRINT_FD=3 python3 footprint.py SCRIPT [ARGS...] 3>list.txt   (how benchd runs it)

At exit the list is written (atomically to a path; from offset 0 to a descriptor), one absolute path per line, sorted and unique, existing regular files
only: files opened (audit "open" events), files mapped (/proc/self/maps: torch's shared libraries, the
interpreter, libc), every imported module's __file__ and its cached bytecode, and the resolved interpreter.
The script's stdout, argv, sys.path[0], __file__ and exit status are those of "python3 SCRIPT ARGS...".
Not seen: files opened through dir_fd, by C code behind Python's back and never mapped, or after os._exit().
"""
import os
import sys

ENV_OUT = "BENCHD_FOOTPRINT_OUT"
ENV_FD = "BENCHD_FOOTPRINT_FD"
# Taken now: python deletes __main__.__file__ once this file has run, before atexit handlers.
OWN_FILE = os.path.abspath(__file__)
# Kernel files (torch reads /proc/cpuinfo, /sys/devices/...) live in no page cache: never listed.
PSEUDO_FS = ("/proc/", "/sys/", "/dev/")


def footprint_usage():
    """Print the usage line on stderr and exit 2, as python3 does for a bad command line."""
    print("usage: python3 footprint.py SCRIPT [ARGS...]  (list written to $%s)" % ENV_OUT, file=sys.stderr)
    sys.exit(2)


def footprint_hook(opened):
    """Return an audit hook that adds the path of each "open" event to opened; fds (ints) are skipped."""
    def hook(event, args):
        """Record one opened path; kept tiny because it sees every audit event of the process."""
        if event == "open":
            path = args[0]
            if isinstance(path, bytes):
                path = os.fsdecode(path)
            if isinstance(path, str):
                # Relative paths are rare; they are made absolute now, since the script may chdir later.
                opened.append(path if path.startswith("/") else os.path.join(os.getcwd(), path))
    return hook


def footprint_mapped():
    """Return the file paths mapped into this process, from /proc/self/maps."""
    paths = []
    try:
        with open("/proc/self/maps", "rb") as f:
            for line in f:
                fields = line.split(None, 5)
                if len(fields) == 6 and fields[5].startswith(b"/"):
                    path = fields[5].rstrip(b"\n")
                    if path.endswith(b" (deleted)"):
                        continue
                    paths.append(os.fsdecode(path))
    except OSError:
        pass
    return paths


def footprint_modules():
    """Return every imported module's __file__ and cached bytecode path."""
    import importlib.util
    paths = []
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if not isinstance(file, str):
            continue
        paths.append(file)
        cached = getattr(module, "__cached__", None)
        if not isinstance(cached, str) and file.endswith(".py"):
            try:
                cached = importlib.util.cache_from_source(file)
            except (NotImplementedError, ValueError):
                cached = None
        if isinstance(cached, str):
            paths.append(cached)
    return paths


def footprint_canonical(paths):
    """Return the set of canonical paths (symlinks resolved) among paths that are existing regular files.

    Each folder is resolved once and each file costs one lstat: os.path.realpath on every path took ~30 ms
    for torch's ~2,500 files, this ~13 ms.
    """
    import stat
    folders = {}
    kept = set()
    for path in set(paths):
        head, tail = os.path.split(os.path.abspath(path))
        folder = folders.get(head)
        if folder is None:
            folder = folders[head] = os.path.realpath(head)
        path = os.path.join(folder, tail)
        try:
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                path = os.path.realpath(path)
                st = os.stat(path)
        except (OSError, ValueError):
            continue
        if stat.S_ISREG(st.st_mode) and not path.startswith(PSEUDO_FS):
            kept.add(path)
    return kept


def footprint_write(out, paths):
    """Write the paths sorted, one a line, to out: a descriptor (from offset 0) or a path, atomically."""
    if isinstance(out, int):
        data = "".join(path + "\n" for path in sorted(paths)).encode("utf-8", "surrogateescape")
        try:
            os.ftruncate(out, 0)
            os.lseek(out, 0, os.SEEK_SET)
            while data:
                data = data[os.write(out, data):]
        except OSError as exc:
            print("footprint.py: cannot write the list to descriptor %d: %s" % (out, exc), file=sys.stderr)
        return
    tmp = "%s.%d.tmp" % (out, os.getpid())
    try:
        with open(tmp, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.writelines(path + "\n" for path in sorted(paths))
        os.replace(tmp, out)
    except OSError as exc:
        print("footprint.py: cannot write %s: %s" % (out, exc), file=sys.stderr)
        try:
            os.unlink(tmp)
        except OSError:
            pass


def footprint_at_exit(out, opened, pid):
    """Return the atexit handler that gathers and writes the list; a forked child writes nothing."""
    def at_exit():
        """Write the footprint list, in the process that started the script only."""
        if os.getpid() != pid:
            return
        paths = list(opened)  # before footprint_mapped() opens /proc/self/maps
        paths += footprint_mapped() + footprint_modules()
        paths.append(sys.executable)
        kept = footprint_canonical(paths)
        # The wrapper is no part of the script's footprint, though torch reads it (linecache of the stack).
        kept.discard(os.path.realpath(OWN_FILE))
        footprint_write(out, kept)
    return at_exit


def footprint_strip(tb, own_file):
    """Drop the wrapper's own frames from the head of a traceback."""
    while tb is not None and tb.tb_frame.f_code.co_filename == own_file:
        tb = tb.tb_next
    return tb


def footprint_main_module(path):
    """Return a fresh __main__ module for the script at path, with the attributes python3 SCRIPT gives it."""
    import builtins
    import types
    from importlib.machinery import SourceFileLoader
    module = types.ModuleType("__main__")
    module.__dict__.update(__builtins__=builtins, __file__=path, __cached__=None, __annotations__={},
                           __loader__=SourceFileLoader("__main__", path))
    return module


def footprint_main():
    """Run the script as python3 SCRIPT would, with the footprint recorder around it when asked for."""
    if len(sys.argv) < 2:
        footprint_usage()
    script = sys.argv[1]
    path = os.path.abspath(script)
    out = os.environ.pop(ENV_OUT, None)
    fd = os.environ.pop(ENV_FD, None)
    if fd is not None:
        try:
            out = int(fd)
            # The script's own children must neither inherit it nor write to it.
            os.set_inheritable(out, False)
        except (ValueError, OSError) as exc:
            print("footprint.py: $%s=%r is not an open descriptor (%s)" % (ENV_FD, fd, exc), file=sys.stderr)
            sys.exit(2)
    try:
        import io
        with io.open_code(path) as f:
            source = f.read()
    except OSError as exc:
        print("%s: can't open file %r: [Errno %d] %s" % (sys.executable, path, exc.errno, exc.strerror),
              file=sys.stderr)
        sys.exit(2)
    if out is not None and out != "":
        opened = [path]
        # Registered first, so it runs last: after the script's own atexit handlers.
        import atexit
        target = out if isinstance(out, int) else os.path.abspath(out)
        atexit.register(footprint_at_exit(target, opened, os.getpid()))
        sys.addaudithook(footprint_hook(opened))

    # Not runpy.run_path: it would set argv[0] to the absolute path and put the wrapper back as __main__ on
    # return. python3 SCRIPT keeps argv as given, an absolute __file__, and the script's real folder on the path.
    sys.argv = sys.argv[1:]
    sys.path[0] = os.path.dirname(os.path.realpath(path))
    module = footprint_main_module(path)
    sys.modules["__main__"] = module
    try:
        exec(compile(source, path, "exec", dont_inherit=True), module.__dict__)
    except (SystemExit, KeyboardInterrupt):
        raise  # python itself turns these into the exit status (code semantics, SIGINT), as without the wrapper
    except BaseException as exc:
        # As python3 SCRIPT would: the traceback on stderr, from the script's own frame on, then status 1.
        # The traceback goes on the exception too: the default hook prints that one, not its argument.
        exc.__traceback__ = footprint_strip(exc.__traceback__, OWN_FILE)
        sys.excepthook(type(exc), exc, exc.__traceback__)
        sys.exit(1)


if __name__ == "__main__":
    footprint_main()
