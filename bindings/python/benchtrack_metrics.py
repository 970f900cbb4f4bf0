"""Report measurements to benchtrack: the metric protocol, version 1.

A script run by ``benchtrack exec`` finds the environment variable
``BENCHTRACK_METRICS`` naming a file; each call here appends one JSON line
to it (docs/PROTOCOL.md in the benchtrack repository is the protocol).
Without the variable (the script is not run by benchtrack) every call
checks its arguments and writes nothing, so the same script runs anywhere.

    from benchtrack_metrics import report, report_values, status, timer, validation

    report("ttft", 12.5, unit="ms")
    report("tokens_per_s", 811.2, unit="tokens/s",
           benchmark="decode", params={"prompt_len": 128})
    with timer("time", benchmark="decode", params={"prompt_len": 128}) as t:
        for _ in range(50):
            with t.iteration():
                decode_one_step()
    validation(passed=True, max_abs_err=2e-16, benchmark="blocked")
    status("skipped", "no GPU", benchmark="flash")

Every line is written with one ``write()`` on a descriptor opened with
``O_APPEND``, and ``values`` arrays are split so that each line stays
under ``PIPE_BUF`` (4096 bytes): several processes (workers, ranks) may
report to the same file at once without mixing their lines.

Standard library only; Python 3.7 or later.
"""

import json
import math
import numbers
import os
import time

__all__ = ["PROTOCOL_VERSION", "ENV", "enabled", "report", "report_values",
           "status", "validation", "timer", "Timer"]

PROTOCOL_VERSION = 1
ENV = "BENCHTRACK_METRICS"

# Lines longer than this are split (values) so that each write is atomic.
_LINE_MAX = 4096


def enabled():
    """True when the script runs under benchtrack (BENCHTRACK_METRICS is set)."""
    return bool(os.environ.get(ENV))


def _finite(x, what):
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError("%s must be a number, not %r" % (what, x))
    x = float(x)
    if not math.isfinite(x):
        raise ValueError("%s must be a finite number, not %r" % (what, x))
    return x


def _common(line, benchmark, params):
    if benchmark is not None:
        if not isinstance(benchmark, str) or not benchmark:
            raise TypeError("benchmark must be a non-empty string")
        line["benchmark"] = benchmark
    if params is not None:
        if not isinstance(params, dict):
            raise TypeError("params must be a dict")
        for k, v in params.items():
            if not isinstance(k, str) or not k or "=" in k:
                raise ValueError("param name %r: a non-empty string without '='" % (k,))
            if not isinstance(v, (str, bool, int, float)):
                raise TypeError("param %s: a string, number or bool, not %r" % (k, v))
            if isinstance(v, float) and not math.isfinite(v):
                raise ValueError("param %s: a finite number, not %r" % (k, v))
        line["params"] = dict(params)
    return line


def _encode(line):
    return (json.dumps(line, allow_nan=False, ensure_ascii=False,
                       separators=(",", ":")) + "\n").encode("utf-8")


def _write(data):
    """Appends the encoded lines in data (a list of bytes), one write each."""
    path = os.environ.get(ENV)
    if not path:
        return False
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        for b in data:
            view = memoryview(b)
            while view:
                n = os.write(fd, view)
                view = view[n:]
    finally:
        os.close(fd)
    return True


def _metric_line(metric, unit, direction, benchmark, params):
    if not isinstance(metric, str) or not metric:
        raise TypeError("metric must be a non-empty string")
    line = {"metric": metric}
    if unit is not None:
        if not isinstance(unit, str):
            raise TypeError("unit must be a string")
        line["unit"] = unit
    if direction is not None:
        if direction not in ("lower", "higher"):
            raise ValueError("direction must be 'lower' or 'higher', not %r" % (direction,))
        line["direction"] = direction
    return _common(line, benchmark, params)


def report(metric, value, unit=None, *, benchmark=None, params=None, direction=None):
    """Reports one sample of a metric.

    metric: its name ("ttft"). value: a finite number. unit: "s", "ms",
    "us", "ns" (times, converted to seconds by benchtrack), "tokens/s"
    (a rate: higher is better by default), "B", ... or None. benchmark:
    the benchmark it belongs to (default: the command's own). params: a
    dict of str/int/float/bool parameter values. direction: "lower" or
    "higher" to override the default. Returns True when a line was
    written (False when BENCHTRACK_METRICS is not set).
    """
    line = _metric_line(metric, unit, direction, benchmark, params)
    line["value"] = _finite(value, "value")
    return _write([_encode(line)])


def report_values(metric, values, unit=None, *, benchmark=None, params=None,
                  direction=None):
    """Reports several samples of a metric (per-iteration latencies, say).

    The arguments are those of report(), with values a sequence of finite
    numbers (at least one). Long sequences are written as several lines
    of at most 4096 bytes; benchtrack pools them.
    """
    line = _metric_line(metric, unit, direction, benchmark, params)
    vals = [_finite(v, "values[%d]" % i) for i, v in enumerate(values)]
    if not vals:
        raise ValueError("values must not be empty")
    out = []

    def emit(chunk):
        line["values"] = chunk
        b = _encode(line)
        if len(b) > _LINE_MAX and len(chunk) > 1:
            half = len(chunk) // 2
            emit(chunk[:half])
            emit(chunk[half:])
        else:
            out.append(b)

    emit(vals)
    return _write(out)


def status(status, message=None, *, benchmark=None, params=None):
    """Says that a benchmark "failed" or was "skipped" (or is "ok"), and why."""
    if status not in ("ok", "failed", "skipped"):
        raise ValueError("status must be 'ok', 'failed' or 'skipped', not %r" % (status,))
    line = {"status": status}
    if message is not None:
        line["message"] = str(message)
    return _write([_encode(_common(line, benchmark, params))])


def validation(passed, max_abs_err=None, max_rel_err=None, tolerance=None, *,
               benchmark=None, params=None):
    """Reports a check of a benchmark's output against a reference.

    passed: whether it matched; a benchmark whose check did not pass is
    recorded as failed. max_abs_err, max_rel_err, tolerance: finite
    numbers or None.
    """
    v = {"passed": bool(passed)}
    for k, x in (("max_abs_err", max_abs_err), ("max_rel_err", max_rel_err),
                 ("tolerance", tolerance)):
        if x is not None:
            v[k] = _finite(x, k)
    return _write([_encode(_common({"validation": v}, benchmark, params))])


_SCALE = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}


class Timer:
    """Per-iteration latencies, reported as one metric when it ends.

    Use timer() to make one. Inside its ``with`` block, time each iteration
    with ``with t.iteration():`` or call ``t.lap()`` at the end of each
    (the time since the previous lap, or since the block began). At the
    end of the block the samples are reported with report_values() (also
    when the block raises; nothing when no iteration was timed).
    ``t.samples`` holds them, in the timer's unit, reported or not.
    """

    def __init__(self, metric, unit="ms", *, benchmark=None, params=None,
                 direction=None, clock=time.perf_counter):
        if unit not in _SCALE:
            raise ValueError("unit must be one of s, ms, us, ns, not %r" % (unit,))
        _metric_line(metric, unit, direction, benchmark, params)  # checks
        self.metric, self.unit = metric, unit
        self.benchmark, self.params, self.direction = benchmark, params, direction
        self.samples = []
        self._clock = clock
        self._last = None

    def __enter__(self):
        self._last = self._clock()
        return self

    def __exit__(self, *exc):
        if self.samples:
            report_values(self.metric, self.samples, self.unit,
                          benchmark=self.benchmark, params=self.params,
                          direction=self.direction)
        return False

    def lap(self):
        """Records the time since the previous lap (or the start); returns it."""
        now = self._clock()
        dt = (now - self._last) * _SCALE[self.unit]
        self._last = now
        self.samples.append(dt)
        return dt

    def iteration(self):
        """A context manager that records the time of the block it guards."""
        timer = self

        class _Iteration:
            def __enter__(self):
                self.t0 = timer._clock()
                return self

            def __exit__(self, *exc):
                now = timer._clock()
                timer.samples.append((now - self.t0) * _SCALE[timer.unit])
                timer._last = now
                return False

        return _Iteration()


def timer(metric, unit="ms", *, benchmark=None, params=None, direction=None):
    """A Timer for metric (per-iteration latency in unit: s, ms, us or ns)."""
    return Timer(metric, unit, benchmark=benchmark, params=params,
                 direction=direction)
