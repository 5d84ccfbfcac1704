"""Side-by-side experiments in GitHub Scientist's vocabulary, run in parallel and bounded.

An :class:`Experiment` runs a *control* (the legacy JSON-RPC call) and one or more *candidates*
(the same read answered through REST), returns the control's value (or re-raises its
exception) and publishes a :class:`Result` saying whether each candidate ``matched``, was
``ignored`` (a known, accepted difference) or ``mismatched``::

    experiment = (
        Experiment("getContact", context={"id": 7})
        .use(lambda: rpc.get_contact(7))
        .try_(lambda: bridge.get_contact(7), name="rest")
        .ignore("$.activitiesCount")
        .publish(LoggingPublisher())
    )
    contact = experiment.run()

Differences from Scientist, each for a reason:

* **Candidates run in parallel** with the control, on a bounded thread pool, so a shadowed call
  costs the slower of the two rather than their sum. The control runs in the caller's thread,
  so its exceptions, thread-locals and tracebacks are exactly as without the experiment.
* **Candidates are bounded in time.** The caller waits for candidates at most until
  ``timeout`` seconds after the run started; a late candidate is recorded as timed out and is
  abandoned (threads cannot be killed, so a pool slot stays busy until it returns).
* **Harness failures never reach the caller.** Errors in compare, compare_errors, ignore,
  clean, publish, context, enabled, run_if, before_run and the sampler go to the ``raised``
  hook, which by default logs a warning. The one exception is :class:`MismatchError` when
  ``raise_on_mismatch`` is set, and it is raised only *after* the result was published.
* **Three outcomes stay distinct**: an ignored mismatch is not a match.

Only calls without side effects may be run as experiments: a candidate may run or be skipped
on any call, and a timed-out candidate keeps running in the background.
"""

from __future__ import annotations

import builtins
import copy
import logging
import math
import random as _random
import threading
import time
import types
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor, wait
from typing import Any, Final, Literal

import attrs

from bridge.diff import DiffEntry, Normalizer, check_glob, diff, render
from nutshell_core.errors import APIError, ConfigurationError
from nutshell_core.secrets import mask_secrets

__all__ = [
    "MAX_WORKERS",
    "CandidateTimeoutError",
    "Experiment",
    "MismatchError",
    "MismatchSummary",
    "Observation",
    "Outcome",
    "Publisher",
    "Raised",
    "RaisedHook",
    "Result",
    "noise_report",
    "same_api_error",
    "shared_executor",
]

Outcome = Literal["matched", "ignored", "mismatched"]
Publisher = Callable[["Result"], None]
RaisedHook = Callable[[str, BaseException], None]

CONTROL: Final = "control"

#: Worker threads in the shared pool: enough for a few candidates per concurrent caller, and a
#: hard cap so hung candidates cannot multiply threads without bound.
MAX_WORKERS: Final = 8

_log = logging.getLogger(__name__)


class _SharedExecutor:
    """The process-wide pool, created on first use (importing the module starts no threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    def get(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=MAX_WORKERS, thread_name_prefix="bridge-experiment"
                )
            return self._executor


_SHARED = _SharedExecutor()


def shared_executor() -> ThreadPoolExecutor:
    """The bounded thread pool experiments use when none is given."""
    return _SHARED.get()


class CandidateTimeoutError(builtins.TimeoutError):
    """Recorded (never raised to callers) for a candidate that did not finish in time."""


@attrs.frozen(repr=False)
class Raised:
    """How an exception appears in a diff: its class and message, as plain picklable data."""

    type_name: str
    message: str

    @classmethod
    def of(cls, exc: BaseException) -> Raised:
        """Describe ``exc``."""
        return cls(type(exc).__qualname__, str(exc))

    def __repr__(self) -> str:
        return f"<raised {self.type_name}: {self.message}>"


@attrs.frozen(kw_only=True, eq=False)
class Observation:
    """What one behaviour did: its value or exception, and how long it took.

    ``duration`` is wall time and ``cpu_time`` the thread's CPU time, both in seconds from the
    experiment's clocks; ``cpu_time`` is ``None`` when it could not be measured (a timed-out
    candidate). ``cleaned_value`` is what publishers see. ``diff`` lists the candidate's
    differences from the control that were not dropped by ignore globs (empty for the control
    and for matches).
    """

    name: str
    value: Any = None
    exception: BaseException | None = None
    cleaned_value: Any = None
    duration: float = 0.0
    cpu_time: float | None = None
    timed_out: bool = False
    diff: tuple[DiffEntry, ...] = ()

    @property
    def raised(self) -> bool:
        """True when the behaviour raised (or timed out) instead of returning."""
        return self.exception is not None


@attrs.frozen(kw_only=True, eq=False)
class Result:
    """The immutable record of one run of an experiment.

    ``matched``, ``ignored`` and ``mismatched`` partition ``candidates``. ``outcome`` is
    ``"mismatched"`` if any candidate mismatched, else ``"ignored"`` if any was ignored, else
    ``"matched"``.
    """

    name: str
    context: Mapping[str, Any]
    control: Observation
    candidates: tuple[Observation, ...]
    matched: tuple[Observation, ...]
    ignored: tuple[Observation, ...]
    mismatched: tuple[Observation, ...]

    @property
    def observations(self) -> tuple[Observation, ...]:
        """The control followed by the candidates, in registration order."""
        return (self.control, *self.candidates)

    @property
    def outcome(self) -> Outcome:
        """The run's overall outcome (see the class docstring)."""
        if self.mismatched:
            return "mismatched"
        if self.ignored:
            return "ignored"
        return "matched"

    def outcome_of(self, name: str) -> Outcome:
        """The outcome of the candidate called ``name``."""
        if any(observation.name == name for observation in self.matched):
            return "matched"
        if any(observation.name == name for observation in self.ignored):
            return "ignored"
        if any(observation.name == name for observation in self.mismatched):
            return "mismatched"
        raise KeyError(name)


@attrs.frozen
class MismatchSummary:
    """Plain data describing a mismatch, so a :class:`MismatchError` pickles without live values."""

    experiment: str
    candidates: tuple[str, ...]
    details: tuple[tuple[str, str], ...]
    context: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, result: Result) -> MismatchSummary:
        """Summarise the mismatched candidates of ``result``."""
        details = []
        for observation in result.mismatched:
            if observation.diff:
                text = render(observation.diff)
            else:
                text = "(no structural differences: the comparison reported a mismatch)"
            details.append((observation.name, text))
        # Masked here, once: the summary is what the message, a pickle and a log carry, and the
        # compared values may hold a key a server echoed.
        return cls(
            experiment=result.name,
            candidates=tuple(observation.name for observation in result.mismatched),
            details=tuple((name, mask_secrets(text)) for name, text in details),
            context=tuple(
                (str(key), mask_secrets(_safe_repr(value))) for key, value in result.context.items()
            ),
        )

    def message(self) -> str:
        """The readable text of the error."""
        names = ", ".join(repr(name) for name in self.candidates)
        lines = [f"experiment {self.experiment!r} mismatched: candidate(s) {names}"]
        if self.context:
            lines.append("context: " + ", ".join(f"{key}={value}" for key, value in self.context))
        for name, text in self.details:
            lines.append(f"candidate {name!r} vs control:")
            lines.extend(f"  {line}" for line in text.splitlines())
        return "\n".join(lines)


def _safe_repr(value: Any, limit: int = 200) -> str:
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not turn a mismatch report into a crash
        text = f"<unrepresentable {type(value).__qualname__}>"
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


class MismatchError(AssertionError):
    """A candidate disagreed with the control while ``raise_on_mismatch`` was set.

    An ``AssertionError`` (a failed check in a test), deliberately *not* a ``NutshellError``,
    so code that handles API errors cannot swallow it. ``summary`` is plain data and is all
    that survives pickling; ``result`` is the live :class:`Result` in the raising process only.
    """

    def __init__(self, result: Result | MismatchSummary) -> None:
        summary = result if isinstance(result, MismatchSummary) else MismatchSummary.of(result)
        super().__init__(summary.message())
        self.summary = summary
        self.result: Result | None = result if isinstance(result, Result) else None

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.summary,))


@attrs.frozen
class _Raw:
    value: Any
    exception: BaseException | None
    duration: float
    cpu_time: float | None
    timed_out: bool = False


def _same_error(control: BaseException, candidate: BaseException) -> bool:
    return type(control) is type(candidate) and str(control) == str(candidate)


def same_api_error(control: BaseException, candidate: BaseException) -> bool:
    """Whether two failures are the same to a caller: class, then HTTP status and error code.

    For the bridge's comparisons (``compare_errors``): the two routes word their messages
    differently (a bad ``limit`` names the method through JSON-RPC and the parameter through
    the bridge), but a caller branches on the class and the code, never on the text. Errors
    that are not API errors must match in class and message.
    """
    if type(control) is not type(candidate):
        return False
    if isinstance(control, APIError) and isinstance(candidate, APIError):
        return (control.status, control.code) == (candidate.status, candidate.code)
    return str(control) == str(candidate)


class Experiment:
    """A control and candidates, compared on every (sampled, enabled) run.

    ``timeout`` bounds how long the caller waits for candidates, counted from the start of the
    run. ``executor`` runs the candidates (default: :func:`shared_executor`). ``clock`` and
    ``cpu_clock`` measure observations (inject fakes in tests); deadlines use the real monotonic
    clock. A run goes ahead when ``random() < sample`` and ``enabled``/``run_if`` allow it.
    """

    def __init__(
        self,
        name: str,
        *,
        context: Mapping[str, Any] | None = None,
        raise_on_mismatch: bool = False,
        timeout: float = 5.0,
        executor: Executor | None = None,
        clock: Callable[[], float] = time.perf_counter,
        cpu_clock: Callable[[], float] = time.thread_time,
        sample: float = 1.0,
        random: Callable[[], float] = _random.random,
    ) -> None:
        if not name:
            raise ConfigurationError("an experiment needs a name")
        if not (timeout > 0 and math.isfinite(timeout)):
            raise ConfigurationError(
                f"experiment {name!r}: timeout must be positive, not {timeout}"
            )
        if not 0.0 <= sample <= 1.0:
            raise ConfigurationError(f"experiment {name!r}: sample must be in [0, 1], not {sample}")
        self.name = name
        self.raise_on_mismatch = raise_on_mismatch
        self.timeout = timeout
        self.sample = sample
        self._context: dict[str, Any] = dict(context or {})
        self._executor = executor
        self._clock = clock
        self._cpu_clock = cpu_clock
        self._random = random
        self._control: Callable[[], Any] | None = None
        self._control_name: str = CONTROL
        self._candidates: dict[str, Callable[[], Any]] = {}
        self._comparator: Callable[[Any, Any], bool] | None = None
        self._error_comparator: Callable[[BaseException, BaseException], bool] = _same_error
        self._ignore_globs: list[str] = []
        self._ignore_hooks: list[Callable[[Any, Any], bool]] = []
        self._normalizers: list[Normalizer] = []
        self._cleaner: Callable[[Any], Any] | None = None
        self._enabled: Callable[[], bool] | None = None
        self._run_if: Callable[[], bool] | None = None
        self._before_run: list[Callable[[], None]] = []
        self._publishers: list[Publisher] = []
        self._raised: RaisedHook = self._log_raised

    @classmethod
    def aa(cls, name: str, fn: Callable[[], Any], **kwargs: Any) -> Experiment:
        """An A/A experiment: ``fn`` against itself, to measure noise (see :func:`noise_report`)."""
        return cls(name, **kwargs).use(fn).try_(fn, name="control-again")

    # --- behaviours -----------------------------------------------------------------------------

    def use(self, fn: Callable[[], Any], name: str = CONTROL) -> Experiment:
        """Register the control: its value (or exception) is what :meth:`run` gives the caller.

        ``name`` labels its observation (``"rpc"`` for the bridge's shadow route).
        """
        if self._control is not None:
            raise ConfigurationError(f"experiment {self.name!r} already has a control")
        if name in self._candidates:
            raise ConfigurationError(f"experiment {self.name!r}: behaviour {name!r} already exists")
        self._control = fn
        self._control_name = name
        return self

    def try_(self, fn: Callable[[], Any], name: str = "candidate") -> Experiment:
        """Register a candidate under a unique ``name``."""
        if name in (CONTROL, self._control_name) or name in self._candidates:
            raise ConfigurationError(f"experiment {self.name!r}: behaviour {name!r} already exists")
        self._candidates[name] = fn
        return self

    candidate = try_

    # --- comparison ---------------------------------------------------------------------------

    def compare(self, fn: Callable[[Any, Any], bool]) -> Experiment:
        """Replace the comparison of values, ``fn(control_value, candidate_value) -> bool``.

        The default is strict structural equality (:func:`bridge.diff.diff` finds nothing, after
        the normalizers), so ``1`` never equals ``True`` or ``"1"``.
        """
        self._comparator = fn
        return self

    def compare_errors(self, fn: Callable[[BaseException, BaseException], bool]) -> Experiment:
        """Replace the comparison used when both raised (default: same class, same message)."""
        self._error_comparator = fn
        return self

    def ignore(self, rule: str | Callable[[Any, Any], bool]) -> Experiment:
        """Accept some mismatches: a JSON-path glob or ``fn(control_value, candidate_value)``.

        Rules run only when values mismatch. A mismatch whose differences all lie under ignore
        globs, or that a hook accepts, is ``ignored`` (not ``matched``). Hooks see ``None`` for
        a side that raised. Globs are checked now, so a typo fails at setup.
        """
        if isinstance(rule, str):
            self._ignore_globs.append(check_glob(rule))
        else:
            self._ignore_hooks.append(rule)
        return self

    def normalize(self, fn: Normalizer) -> Experiment:
        """Add a :mod:`bridge.diff` normalizer, used by the default comparison and the diff."""
        self._normalizers.append(fn)
        return self

    def clean(self, fn: Callable[[Any], Any]) -> Experiment:
        """Transform values for publishing only; comparisons always see the raw values."""
        self._cleaner = fn
        return self

    # --- when to run --------------------------------------------------------------------------

    def context(self, **values: Any) -> Experiment:
        """Merge ``values`` into the context; each run publishes a frozen copy."""
        self._context.update(values)
        return self

    def enabled(self, fn: Callable[[], bool]) -> Experiment:
        """Run candidates only while ``fn()`` is true (checked on every run)."""
        self._enabled = fn
        return self

    def run_if(self, fn: Callable[[], bool]) -> Experiment:
        """A further per-run condition, checked after ``enabled``."""
        self._run_if = fn
        return self

    def before_run(self, fn: Callable[[], None]) -> Experiment:
        """Expensive setup, called only when candidates will actually run."""
        self._before_run.append(fn)
        return self

    # --- reporting ----------------------------------------------------------------------------

    def publish(self, fn: Publisher) -> Experiment:
        """Add a publisher; each receives every :class:`Result`."""
        self._publishers.append(fn)
        return self

    def raised(self, fn: RaisedHook) -> Experiment:
        """Replace the handler of harness failures, ``fn(operation, exception)``.

        The default logs a warning. Whatever the handler does, nothing reaches the caller.
        """
        self._raised = fn
        return self

    def _log_raised(self, operation: str, exc: BaseException) -> None:
        _log.warning("experiment %r: %s failed", self.name, operation, exc_info=exc)

    def _report(self, operation: str, exc: BaseException) -> None:
        try:
            self._raised(operation, exc)
        except Exception as again:  # the handler of last resort must not fail the caller
            _log.warning(
                "experiment %r: the raised hook failed on %s", self.name, operation, exc_info=again
            )

    # --- running ------------------------------------------------------------------------------

    def run(self) -> Any:
        """Run the control (and, when enabled and sampled, the candidates); return its value.

        Re-raises the control's exception. Raises :class:`MismatchError` after publishing when
        ``raise_on_mismatch`` is set and a candidate mismatched.
        """
        control = self._control
        if control is None:
            raise ConfigurationError(f"experiment {self.name!r} has no control: call use() first")
        if not self._should_run():
            return control()
        for setup in self._before_run:
            try:
                setup()
            except Exception as exc:
                self._report("before_run", exc)
                return control()  # candidates may depend on the setup that just failed
        context = self._freeze_context()
        started_at = time.monotonic()
        started = self._read(self._clock)
        submitted = self._submit()
        if submitted is None:
            return control()
        control_raw = self._measure(control)
        candidate_raws = self._collect(submitted, started_at + self.timeout, started)
        result = self._result(context, control_raw, candidate_raws)
        self._publish(result)
        # A candidate that only ran out of time is published as a mismatch but never raises:
        # a slow candidate must not break the caller, in test mode either.
        if self.raise_on_mismatch and any(not o.timed_out for o in result.mismatched):
            raise MismatchError(result)
        if control_raw.exception is not None:
            raise control_raw.exception
        return control_raw.value

    def _should_run(self) -> bool:
        if not self._candidates:
            return False
        try:
            if self.sample < 1.0 and not self._random() < self.sample:
                return False
        except Exception as exc:
            self._report("sample", exc)
            return False
        for operation, check in (("enabled", self._enabled), ("run_if", self._run_if)):
            if check is None:
                continue
            try:
                if not check():
                    return False
            except Exception as exc:
                self._report(operation, exc)
                return False
        return True

    def _freeze_context(self) -> Mapping[str, Any]:
        try:
            values = copy.deepcopy(self._context)
        except Exception as exc:
            # A value that cannot be copied is published as it is, still in a read-only view.
            self._report("context", exc)
            values = dict(self._context)
        return types.MappingProxyType(values)

    def _read(self, clock: Callable[[], float]) -> float:
        try:
            return float(clock())
        except Exception as exc:
            self._report("clock", exc)
            return math.nan

    def _measure(self, fn: Callable[[], Any]) -> _Raw:
        start, cpu_start = self._read(self._clock), self._read(self._cpu_clock)
        value: Any = None
        exception: BaseException | None = None
        try:
            value = fn()
        except Exception as exc:  # recorded; the control's is re-raised by run()
            exception = exc
        duration = self._read(self._clock) - start
        cpu_time = self._read(self._cpu_clock) - cpu_start
        return _Raw(value, exception, duration, cpu_time)

    def _submit(self) -> list[tuple[str, Future[_Raw]]] | None:
        executor = self._executor if self._executor is not None else shared_executor()
        submitted: list[tuple[str, Future[_Raw]]] = []
        try:
            for name, fn in self._candidates.items():
                submitted.append((name, executor.submit(self._measure, fn)))
        except Exception as exc:  # a shut-down executor, for example
            self._report("submit", exc)
            for _, future in submitted:
                future.cancel()
            return None
        return submitted

    def _collect(
        self, submitted: Sequence[tuple[str, Future[_Raw]]], deadline: float, started: float
    ) -> list[tuple[str, _Raw]]:
        futures = [future for _, future in submitted]
        done, _ = wait(futures, timeout=max(0.0, deadline - time.monotonic()))
        raws: list[tuple[str, _Raw]] = []
        for name, future in submitted:
            if future in done:
                try:
                    raw = future.result()
                except BaseException as exc:  # the candidate's own BaseException, not ours
                    raw = _Raw(None, exc, math.nan, None)
            else:
                future.cancel()  # frees the slot if it never started; a running one is abandoned
                timeout = CandidateTimeoutError(
                    f"candidate {name!r} did not finish within {self.timeout} s"
                )
                raw = _Raw(None, timeout, self._read(self._clock) - started, None, timed_out=True)
            raws.append((name, raw))
        return raws

    def _clean(self, raw: _Raw) -> Any:
        if self._cleaner is None or raw.exception is not None:
            return raw.value
        try:
            return self._cleaner(raw.value)
        except Exception as exc:
            self._report("clean", exc)
            return raw.value

    def _result(
        self,
        context: Mapping[str, Any],
        control_raw: _Raw,
        candidate_raws: Sequence[tuple[str, _Raw]],
    ) -> Result:
        control = Observation(
            name=self._control_name,
            value=control_raw.value,
            exception=control_raw.exception,
            cleaned_value=self._clean(control_raw),
            duration=control_raw.duration,
            cpu_time=control_raw.cpu_time,
        )
        groups: dict[Outcome, list[Observation]] = {"matched": [], "ignored": [], "mismatched": []}
        candidates = []
        for name, raw in candidate_raws:
            outcome, entries = self._evaluate(control_raw, raw)
            observation = Observation(
                name=name,
                value=raw.value,
                exception=raw.exception,
                cleaned_value=self._clean(raw),
                duration=raw.duration,
                cpu_time=raw.cpu_time,
                timed_out=raw.timed_out,
                diff=entries,
            )
            candidates.append(observation)
            groups[outcome].append(observation)
        return Result(
            name=self.name,
            context=context,
            control=control,
            candidates=tuple(candidates),
            matched=tuple(groups["matched"]),
            ignored=tuple(groups["ignored"]),
            mismatched=tuple(groups["mismatched"]),
        )

    def _evaluate(self, control: _Raw, candidate: _Raw) -> tuple[Outcome, tuple[DiffEntry, ...]]:
        if control.exception is None and candidate.exception is None:
            return self._evaluate_values(control.value, candidate.value)
        if control.exception is not None and candidate.exception is not None:
            try:
                if self._error_comparator(control.exception, candidate.exception):
                    return "matched", ()
            except Exception as exc:
                self._report("compare_errors", exc)
            entry = DiffEntry(
                "$", "changed", Raised.of(control.exception), Raised.of(candidate.exception)
            )
        else:
            old = control.value if control.exception is None else Raised.of(control.exception)
            new = candidate.value if candidate.exception is None else Raised.of(candidate.exception)
            entry = DiffEntry("$", "type", old, new)
        return self._ignored_or_mismatched(control.value, candidate.value, (entry,))

    def _evaluate_values(self, old: Any, new: Any) -> tuple[Outcome, tuple[DiffEntry, ...]]:
        full: tuple[DiffEntry, ...] | None
        try:
            full = diff(old, new, normalizers=self._normalizers)
        except Exception as exc:
            self._report("compare" if self._comparator is None else "diff", exc)
            full = None
        if self._comparator is None:
            matched = full == ()  # a diff that failed is not evidence of a match
        else:
            try:
                matched = bool(self._comparator(old, new))
            except Exception as exc:
                self._report("compare", exc)
                matched = False
        if matched:
            return "matched", ()
        kept = full or ()
        if self._ignore_globs and kept:
            try:
                kept = diff(old, new, ignore=self._ignore_globs, normalizers=self._normalizers)
            except Exception as exc:
                self._report("ignore", exc)
            if not kept:
                return "ignored", ()  # every difference lies on a declared path
        return self._ignored_or_mismatched(old, new, kept)

    def _ignored_or_mismatched(
        self, old: Any, new: Any, entries: tuple[DiffEntry, ...]
    ) -> tuple[Outcome, tuple[DiffEntry, ...]]:
        for hook in self._ignore_hooks:
            try:
                if hook(old, new):
                    return "ignored", entries
            except Exception as exc:
                self._report("ignore", exc)
        return "mismatched", entries

    def _publish(self, result: Result) -> None:
        for publisher in self._publishers:
            try:
                publisher(result)
            except Exception as exc:  # one broken sink must not silence the others
                self._report("publish", exc)


def noise_report(results: Iterable[Result]) -> dict[str, float]:
    """For A/A runs: the fraction of runs in which each path differed, noisiest first.

    A mismatch without a structural diff (a custom comparison, say) counts against ``$``.
    Paths that appear often are candidates for ignore globs or normalizers.
    """
    runs = 0
    counts: Counter[str] = Counter()
    for result in results:
        runs += 1
        paths: set[str] = set()
        for observation in result.mismatched:
            paths.update(entry.path for entry in observation.diff)
            if not observation.diff:
                paths.add("$")
        counts.update(paths)
    if not runs:
        return {}
    return {path: counts[path] / runs for path in sorted(counts, key=lambda p: (-counts[p], p))}
