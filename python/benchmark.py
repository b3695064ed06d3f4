"""benchmark.py: the user's start-up benchmark (import torch, load a model, warm up, infer) in benchd's stage format."""
import time

T0 = time.perf_counter()
START = time.time()

import os
import sys


def emit(line):
    """Print one line of the stage log and flush it, since benchd reads it live through a pipe."""
    print(line, flush=True)


def mark(text):
    """Print "[T s] text", T being the seconds since the top of this script."""
    emit("[%.3fs] %s" % (time.perf_counter() - T0, text))


emit("start time: %.3f" % START)
# This line is t=0 by definition, as in the user's log (printing "start time" can cost a millisecond).
emit("[0.000s] Python Process Started, Importing Torch...")
try:
    # torchvision belongs to this stage, as in the user's script: its 0.19 s model load leaves no room for it.
    import torch
    import torchvision
except (ImportError, OSError) as exc:
    print("benchmark.py: torch is not importable by %s (%s); run this script with /usr/bin/python3, which "
          "sees Debian's python3-torch and python3-torchvision" % (sys.executable, exc), file=sys.stderr, flush=True)
    sys.exit(2)
mark("Import Torch Done, Time Spent: %.3fs" % (time.perf_counter() - T0))

# argparse costs ~7 ms before torch but ~2 ms after it (torch has already imported re), so it comes here.
import argparse
import platform


def positive_int(text):
    """Parse an argparse integer that must be at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1 (got %d)" % value)
    return value


def nonnegative_int(text):
    """Parse an argparse integer that must be at least 0."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be at least 0 (got %d)" % value)
    return value


def parse_args(argv):
    """Return the command-line options; --weights defaults to weights/<model>.pth next to this script."""
    parser = argparse.ArgumentParser(description="Time import torch, model loading, warm-up and inference.")
    parser.add_argument("--model", default="mobilenet_v2", help="torchvision model name (default mobilenet_v2)")
    parser.add_argument("--weights", help="state dict to load (default python/weights/<model>.pth, "
                        "created from a seeded initialisation when missing)")
    parser.add_argument("--iters", type=positive_int, default=100, help="timed iterations (default 100)")
    parser.add_argument("--warmup", type=nonnegative_int, default=3, help="warm-up iterations (default 3)")
    parser.add_argument("--threads", type=positive_int, help="torch.set_num_threads(N) before anything runs")
    parser.add_argument("--input-size", type=positive_int, default=224, help="input is 1x3xSxS (default 224)")
    args = parser.parse_args(argv)
    if args.weights is None:
        here = os.path.dirname(os.path.abspath(__file__))
        args.weights = os.path.join(here, "weights", args.model + ".pth")
    return args, parser


def model_builder(name, parser):
    """Return torchvision's constructor for the model called name, or stop with a usage error."""
    try:
        return torchvision.models.get_model_builder(name)
    except AttributeError:  # torchvision older than 0.14
        builder = getattr(torchvision.models, name, None)
    except ValueError:
        builder = None
    if not callable(builder):
        parser.error("--model: torchvision has no model called %r" % name)
    return builder


def print_runtime_info():
    """Print the "=== Runtime Info ===" block exactly as the user's script does."""
    emit("=== Runtime Info ===")
    emit("python: %s" % platform.python_version())
    emit("platform: %s" % platform.platform())
    emit("torch: %s" % torch.__version__)
    emit("backends mkldnn=%s mkl=%s openmp=%s" % (torch.backends.mkldnn.is_available(),
         torch.backends.mkl.is_available(), torch.backends.openmp.is_available()))
    emit("torch threads: compute=%d interop=%d" % (torch.get_num_threads(), torch.get_num_interop_threads()))
    emit("envs " + " ".join("%s=%s" % (k, os.environ.get(k, ""))
         for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")))
    emit("====================")


def create_weights(builder, path):
    """Save the model's seeded initialisation (torch.manual_seed(0)) to path, atomically; nothing is downloaded."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(0)
    state = builder(weights=None).state_dict()
    tmp = os.path.join(folder, ".%s.%d.tmp" % (os.path.basename(path), os.getpid()))
    try:
        torch.save(state, tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    print("benchmark.py: %s was missing; created it from the model's seeded initialisation "
          "(torch.manual_seed(0), weights=None)" % path, file=sys.stderr, flush=True)


def load_state(path):
    """Read a state dict from disk; weights_only keeps torch from unpickling arbitrary objects (and from warning)."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:  # torch older than 1.13 has no weights_only
        return torch.load(path, map_location="cpu")


def percentile(sorted_values, q):
    """Return the q-th percentile (0..100) of sorted values, interpolating linearly between neighbours."""
    pos = (len(sorted_values) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def main(argv):
    """Run the stages after the import: runtime info, model load, warm-up, timed inference."""
    args, parser = parse_args(argv)
    builder = model_builder(args.model, parser)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    print_runtime_info()
    if not os.path.exists(args.weights):
        create_weights(builder, args.weights)

    mark("Loading Model...")
    started = time.perf_counter()
    model = builder(weights=None)
    model.load_state_dict(load_state(args.weights))
    mark("Loaded weights from %s" % os.path.basename(args.weights))
    model.eval()
    mark("Model Loaded, Time Spent: %.3fs" % (time.perf_counter() - started))

    generator = torch.Generator().manual_seed(0)
    x = torch.randn(1, 3, args.input_size, args.input_size, generator=generator)
    with torch.no_grad():
        mark("Starting Warmup...")
        started = time.perf_counter()
        for _ in range(args.warmup):
            model(x)
        mark("Warmup Done, Time Spent: %.3fs" % (time.perf_counter() - started))

        mark("Starting Inference Loop (%d iters)..." % args.iters)
        latencies = []
        started = time.perf_counter()
        for _ in range(args.iters):
            t = time.perf_counter()
            model(x)
            latencies.append((time.perf_counter() - t) * 1000.0)
        total_ms = (time.perf_counter() - started) * 1000.0
    mark("Inference Done. Avg Latency: %.2f ms" % (total_ms / args.iters))
    latencies.sort()
    mark("Latency (ms): p50=%.2f p90=%.2f p99=%.2f min=%.2f max=%.2f" % (percentile(latencies, 50),
         percentile(latencies, 90), percentile(latencies, 99), latencies[0], latencies[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
