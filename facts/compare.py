"""Comparison of observed facts with the baseline and with each other.

Each observation is matched by its key to the baseline fact (or, for a fact the
baseline does not have, to the first observation of that key: the tracked
value). The normalised fields of the two are compared with DeepDiff and each
changed field becomes a typed change. Observations of one key from different
outlets published within a few days of each other that disagree are a
contradiction. Pure: no I/O, deterministic for a given input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from deepdiff import DeepDiff

from facts.figures import CHANGE_PREFIX
from facts.matching import shape
from facts.model import (
    NEGATIVE_STATUSES,
    STATUS_RANK,
    Change,
    ChangeKind,
    Fact,
    FactKind,
    Status,
)

_Item = TypeVar("_Item")

UNKNOWN_SUBJECT = "unknown"
# A positive commitment walked back outright, rather than delayed or stalled.
RETRACTIONS = frozenset({Status.DENIED, Status.CANCELLED})


@dataclass(frozen=True)
class CompareOptions:
    """contradiction_window_days: how close in publication two disagreeing
    sources must be to count as a contradiction rather than a later change.
    tracked_subjects: subjects a new figure is reported on (others are stored,
    not alerted); None tracks every subject."""

    contradiction_window_days: int = 2
    tracked_subjects: frozenset[str] | None = None


def _order(fact: Fact) -> tuple[date, str, int]:
    ev = fact.evidence
    return (ev.published or date.min, ev.url, ev.start)


class _Stated:
    """A fact with what the comparison reads from it, worked out once.

    A run checks each observation against many earlier ones (every distinct value
    from every outlet of its key), so the compared fields, the outlet and the day
    are read here rather than at each check.
    """

    __slots__ = ("day", "fact", "outlet", "values", "written")

    def __init__(self, fact: Fact, written: dict[tuple[Any, ...], int]) -> None:
        self.fact = fact
        # The values as equal numbers: what groups observations by stated value.
        self.values = tuple(fact.compared_fields().values())
        # The values as written: 1E+11 and 100000000000 are one value but read
        # differently in a change's details, so they never share a memo entry.
        # Numbered in ``written`` so that the memos' keys are pairs of ints.
        exact = (
            fact.kind,
            tuple(None if v is None else (v.__class__, str(v)) for v in self.values),
        )
        self.written = written.setdefault(exact, len(written))
        self.outlet = fact.evidence.outlet.casefold()
        published = fact.evidence.published
        self.day = published.toordinal() if published is not None else None


_UNSET: Any = object()


class _Differ:
    """Field differences between stated values, each distinct pair diffed once.

    The differences depend only on the two facts' compared fields, and a run
    states few distinct values per key against thousands of observations: memos
    on the values as written save DeepDiff for all but the first of each pair of
    facts, and of each pair of values of one field (a thousand pairs of facts
    differ in a few hundred ways). The mappings it returns are shared: callers
    read them, never change them.
    """

    def __init__(self) -> None:
        self._written: dict[tuple[Any, ...], int] = {}
        self._changed: dict[tuple[int, int], dict[str, tuple[Any, Any]]] = {}
        self._disagreement: dict[tuple[int, int], tuple[str, str, str] | None] = {}
        self._fields: dict[tuple[Any, ...], tuple[Any, Any] | None] = {}

    def stated(self, fact: Fact) -> _Stated:
        return _Stated(fact, self._written)

    def changed(self, reference: _Stated, observed: _Stated) -> dict[str, tuple[Any, Any]]:
        pair = (reference.written, observed.written)
        found = self._changed.get(pair)
        if found is None:
            ref, obs = reference.fact, observed.fact
            found = _changed_fields(
                ref.kind, ref.compared_fields(), obs.compared_fields(), self._field
            )
            self._changed[pair] = found
        return found

    def _field(self, name: str, old: Any, new: Any) -> tuple[Any, Any] | None:
        written = (name, old.__class__, str(old), new.__class__, str(new))
        found = self._fields.get(written, _UNSET)
        if found is _UNSET:
            found = self._fields[written] = _field_change(name, old, new)
        return found

    def disagreement(self, a: _Stated, b: _Stated) -> tuple[str, str, str] | None:
        """(field, a's value, b's value) when two sources state the fact differently."""
        pair = (a.written, b.written)
        found = self._disagreement.get(pair, _UNSET)
        if found is _UNSET:
            found = _disagreement(self.changed(a, b))
            self._disagreement[pair] = found
        return found


def _stated_fields(
    ref: dict[str, Any], obs: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields both facts state: an observation that gives no deadline does
    not move the deadline."""
    keys = [k for k in obs if obs[k] is not None and ref.get(k) is not None]
    return {k: ref[k] for k in keys}, {k: obs[k] for k in keys}


def _field_change(name: str, old: Any, new: Any) -> tuple[Any, Any] | None:
    """(old, new) where DeepDiff finds that one field changed (in value or type)."""
    diff = DeepDiff({name: old}, {name: new}, ignore_order=True)
    for report in ("values_changed", "type_changes"):
        for change in diff.get(report, {}).values():
            return change["old_value"], change["new_value"]
    return None


def _changed_fields(
    kind: FactKind,
    reference: dict[str, Any],
    observed: dict[str, Any],
    field_change: Callable[[str, Any, Any], tuple[Any, Any] | None] = _field_change,
) -> dict[str, tuple[Any, Any]]:
    """Changed compared fields, (old, new) by name; ``kind`` is the reference's.

    DeepDiff compares a dict key by key, so each stated field is diffed on its own
    (``field_change``, which may remember pairs of values), and only where the two
    values are not the same value of the same type: there DeepDiff finds nothing.
    """
    ref, obs = _stated_fields(reference, observed)
    if ref == obs:
        return {}  # most observations restate: skip DeepDiff's ~0.1 ms where nothing differs
    changed: dict[str, tuple[Any, Any]] = {}
    for name, old in ref.items():
        new = obs[name]
        if old.__class__ is new.__class__ and old == new:
            continue
        found = field_change(name, old, new)
        if found is not None:
            changed[name] = found
    if kind is FactKind.COMMITMENT and "status" in changed:
        old, new = changed["status"]
        if STATUS_RANK[Status(old)] == STATUS_RANK[Status(new)]:
            del changed["status"]  # agreed vs pledged: the same rung
    if "deadline" in changed:
        old, new = changed["deadline"]
        if deadline_sort_key(old) == deadline_sort_key(new):
            del changed["deadline"]  # "by 2027" and "by end-2027" ("2027-12"): one deadline
    return changed


def deadline_sort_key(deadline: str) -> str:
    """ "by 2030" means by the end of 2030, so a bare year sorts as its December."""
    return f"{deadline}-12" if len(deadline) == 4 else deadline


def _relative(old: Decimal, new: Decimal) -> str | None:
    if old == 0:
        return None
    return str(((new - old) / old).quantize(Decimal("0.0001")).normalize())


def _changes_against(ref: _Stated, obs: _Stated, differ: _Differ) -> list[Change]:
    reference, observed = ref.fact, obs.fact
    changed = differ.changed(ref, obs)
    if not changed:
        return [Change(ChangeKind.CONFIRMED, observed, baseline=reference)]
    out: list[Change] = []
    value_fields = {k: changed[k] for k in ("value", "value_max", "unit") if k in changed}
    if value_fields:
        old_value = reference.value
        new_value = observed.value
        details: dict[str, Any] = {
            "value": {
                "old": str(old_value),
                "new": str(new_value),
                "relative": (
                    _relative(old_value, new_value)
                    if old_value is not None
                    and new_value is not None
                    and reference.unit == observed.unit
                    else None
                ),
            }
        }
        out.append(Change(ChangeKind.FIGURE_CHANGED, observed, baseline=reference, details=details))
    if "status" in changed:
        old, new = changed["status"]
        direction = "up" if STATUS_RANK[Status(new)] > STATUS_RANK[Status(old)] else "down"
        details = {"status": {"old": old, "new": new, "direction": direction}}
        kind = ChangeKind.STATUS_CHANGED
        if Status(new) in RETRACTIONS and Status(old) not in NEGATIVE_STATUSES:
            kind = ChangeKind.RETRACTED
        out.append(Change(kind, observed, baseline=reference, details=details))
    if "deadline" in changed:
        old, new = changed["deadline"]
        later = deadline_sort_key(new) > deadline_sort_key(old)
        details = {
            "deadline": {"old": old, "new": new, "direction": "later" if later else "earlier"}
        }
        out.append(Change(ChangeKind.DEADLINE_MOVED, observed, baseline=reference, details=details))
    return out


def _disagreement(changed: dict[str, tuple[Any, Any]]) -> tuple[str, str, str] | None:
    """(field, a's value, b's value) when two sources state the fact differently,
    from the fields that differ between a and b."""
    for name in ("value", "value_max", "deadline"):
        if name in changed:
            old, new = changed[name]
            return ("value" if name == "value_max" else name), str(old), str(new)
    if "status" in changed:
        old, new = changed["status"]
        # A step up the ladder is progress; only a positive against a negative
        # account ("agreed" vs "denied") is a disagreement.
        if (Status(old) in NEGATIVE_STATUSES) != (Status(new) in NEGATIVE_STATUSES):
            return "status", old, new
    return None


def _close_in_time(a: _Stated, b: _Stated, days: int) -> bool:
    if a.day is None or b.day is None:
        return False
    return abs(a.day - b.day) <= days


def needed_prior(prior: Iterable[Fact]) -> list[Fact]:
    """The stored observations that comparing a run needs, in the order given.

    Per key, and per matching shape and subject, the first in the order given (what
    paraphrase matching reads: the shape holds what the key leaves out, a figure's
    period); per key, stated value and outlet, the first and the latest by date.
    ``compare`` sorts by date and keeps, per value and outlet, the latest (``_Seen``),
    in the order the firsts came in, and the key's first (its tracked value when the
    baseline lacks the key); the newest of all is the key's latest word
    (``passed_deadlines``). So the changes are the same as over every observation,
    while a key restated by thousands of articles keeps a few (values x outlets x 2),
    and a run's memory stops growing with the store. Reads ``prior`` once: it may be
    a database stream.
    """
    return _needed(prior, lambda fact: fact)


def stored_order(fact: Fact, fact_id: str) -> tuple[bool, date, str, int, str]:
    """The order a store reads stored observations in: undated first, then by date,
    URL, place in the text and id. A total order, so that what ``needed_prior`` keeps
    of them is the same on every database, and the same whether it reads every
    observation or only those a store keeps marked (``kept_of_key``)."""
    ev = fact.evidence
    return (ev.published is not None, ev.published or date.min, ev.url, ev.start, fact_id)


def kept_of_key(observations: Iterable[tuple[str, Fact]]) -> set[str]:
    """The ids, among one key's observations (id, fact) given in ``stored_order``,
    that a store keeps marked for later comparisons: those ``needed_prior`` keeps.

    ``needed_prior`` of several keys' observations in ``stored_order`` keeps the same
    as of the union of what each key kept, because each of its rules takes a first or
    a last in that order, and the first per shape and subject over several keys is
    the first of the keys' own firsts. And ``kept_of_key`` of what it kept plus newer
    observations keeps what it would of all of them, so a store can keep its marks up
    to date from the marked rows and a run's new ones alone.
    """
    return {fact_id for fact_id, _ in _needed(observations, lambda pair: pair[1])}


def _needed(prior: Iterable[_Item], fact_of: Callable[[_Item], Fact]) -> list[_Item]:
    first_given: dict[str, int] = {}
    first: dict[tuple[str, tuple[Any, ...], str], tuple[tuple[date, str, int], int]] = {}
    latest: dict[tuple[str, tuple[Any, ...], str], tuple[tuple[date, str, int], int]] = {}
    kept: dict[int, _Item] = {}
    for index, item in enumerate(prior):
        fact = fact_of(item)
        key, order = fact.key, _order(fact)
        kept[index] = item
        first_given.setdefault(key, index)
        first_given.setdefault("\x00".join((*shape(fact), fact.subject)), index)
        group = (key, tuple(fact.compared_fields().values()), fact.evidence.outlet.casefold())
        # Ties keep what a stable sort by date would: the first given, the last given.
        if group not in first or order < first[group][0]:
            first[group] = (order, index)
        if group not in latest or order >= latest[group][0]:
            latest[group] = (order, index)
        if len(kept) > 4 * (len(first) + len(first_given)) + 1024:
            _keep_only(kept, first_given, first, latest)
    _keep_only(kept, first_given, first, latest)
    return [kept[i] for i in sorted(kept)]


def _keep_only(
    kept: dict[int, Any],
    first_given: dict[str, int],
    first: dict[Any, tuple[Any, int]],
    latest: dict[Any, tuple[Any, int]],
) -> None:
    wanted = {*first_given.values()}
    wanted.update(i for _, i in first.values())
    wanted.update(i for _, i in latest.values())
    for index in [i for i in kept if i not in wanted]:
        del kept[index]


def compare(
    baseline: Iterable[Fact],
    observed: Iterable[Fact],
    prior: Iterable[Fact] = (),
    options: CompareOptions | None = None,
) -> list[Change]:
    """Changes that ``observed`` shows against ``baseline``.

    ``prior`` are observations stored by earlier runs: they fix the tracked
    value of facts the baseline lacks and take part in contradictions, but
    produce no changes themselves.
    """
    opts = options or CompareOptions()
    differ = _Differ()
    reference: dict[str, _Stated] = {}
    for fact in baseline:
        key = fact.key
        if key not in reference:
            reference[key] = differ.stated(fact)
    seen: dict[str, _Seen] = {}
    for fact in sorted(prior, key=_order):
        seen.setdefault(fact.key, _Seen()).add(differ.stated(fact))

    changes: list[Change] = []
    for fact in sorted(observed, key=_order):
        # "Prices rose 5 per cent" has subject "change in unknown": no subject either.
        if fact.subject.removeprefix(CHANGE_PREFIX) == UNKNOWN_SUBJECT:
            continue
        key = fact.key
        obs = differ.stated(fact)
        earlier = seen.setdefault(key, _Seen())
        changes.extend(_contradictions(obs, earlier, opts, differ))
        base = reference.get(key)
        if base is not None:
            changes.extend(_changes_against(base, obs, differ))
        elif earlier.first is not None:
            first = earlier.first
            if differ.disagreement(first, obs) is None:
                changes.append(_new_fact_change(fact))
            elif not _is_contradiction(first, obs, opts, differ):
                changes.extend(
                    c
                    for c in _changes_against(first, obs, differ)
                    if c.kind is not ChangeKind.CONFIRMED
                )
        else:
            changes.append(_new_fact_change(fact))
        earlier.add(obs)
    return [c for c in changes if c.kind is not ChangeKind.NEW_FIGURE or _tracked(c, opts)]


def _tracked(change: Change, opts: CompareOptions) -> bool:
    if opts.tracked_subjects is None:
        return True
    return change.subject.removeprefix(CHANGE_PREFIX) in opts.tracked_subjects


def _new_fact_change(obs: Fact) -> Change:
    kind = ChangeKind.NEW_FIGURE if obs.kind is FactKind.FIGURE else ChangeKind.NEW_COMMITMENT
    return Change(kind, obs)


def _is_contradiction(a: _Stated, b: _Stated, opts: CompareOptions, differ: _Differ) -> bool:
    return (
        a.outlet != b.outlet
        and _close_in_time(a, b, opts.contradiction_window_days)
        and differ.disagreement(a, b) is not None
    )


class _Seen:
    """The earlier observations of one key that comparisons need: the first (the
    tracked value when the baseline lacks the key) and, per distinct stated value,
    the latest observation from each outlet.

    Checking a new observation against every earlier one is quadratic in a key's
    observations (a figure restated by a thousand articles); against one latest
    observation per value and outlet it is bounded by values x outlets, and gives
    the same contradictions: the latest is the closest in time.
    """

    __slots__ = ("first", "latest")

    def __init__(self) -> None:
        self.first: _Stated | None = None
        self.latest: dict[tuple[Any, ...], dict[str, _Stated]] = {}

    def add(self, stated: _Stated) -> None:
        if self.first is None:
            self.first = stated
        self.latest.setdefault(stated.values, {})[stated.outlet] = stated


def _contradictions(
    obs: _Stated, earlier: _Seen, opts: CompareOptions, differ: _Differ
) -> list[Change]:
    """One contradiction per distinct earlier value that a close-in-time report from
    another outlet stated: the alert (one per pair of values) collects the sources."""
    out: list[Change] = []
    day = obs.day
    if day is None:
        return out  # undated: close in time to nothing
    days = opts.contradiction_window_days
    outlet = obs.outlet
    # Reports of the same values as this one state no field differently.
    same = earlier.latest.get(obs.values)
    for by_outlet in earlier.latest.values():
        if by_outlet is same:
            continue
        for other in by_outlet.values():
            # _is_contradiction, inlined: this loop runs for every earlier value and
            # outlet of the key, and most fail the cheap tests.
            if other.outlet == outlet or other.day is None or abs(other.day - day) > days:
                continue
            found = differ.disagreement(other, obs)
            if found is None:
                continue
            field_name, theirs, ours = found
            details = {"field": field_name, "this": ours, "other": theirs}
            out.append(
                Change(ChangeKind.CONTRADICTION, obs.fact, other=other.fact, details=details)
            )
            break
    return out


# Commitments whose deadline passing is news: still open, neither done nor dropped.
_OPEN = frozenset(s for s in Status if s not in NEGATIVE_STATUSES and s is not Status.DELIVERED)


def passed_deadlines(
    baseline: Iterable[Fact], observed: Iterable[Fact], today: date
) -> list[Change]:
    """Commitments whose deadline is before ``today`` while their latest word is
    still open (not delivered, not dropped): one change per commitment and deadline.

    The latest word is the newest observation of the key, else the baseline.
    """
    latest: dict[str, Fact] = {}
    for fact in baseline:
        if fact.kind is FactKind.COMMITMENT:
            latest.setdefault(fact.key, fact)
    for fact in sorted(observed, key=_order):
        if fact.kind is FactKind.COMMITMENT:
            latest[fact.key] = fact
    month = f"{today.year:04d}-{today.month:02d}"
    out = []
    for key in sorted(latest):
        fact = latest[key]
        if fact.subject == UNKNOWN_SUBJECT:
            continue  # no subject, no identity: every unnamed commitment shares this key
        if fact.status in _OPEN and fact.deadline and deadline_sort_key(fact.deadline) < month:
            details = {"deadline": {"old": fact.deadline, "new": None, "today": today.isoformat()}}
            out.append(Change(ChangeKind.DEADLINE_PASSED, fact, baseline=fact, details=details))
    return out


def with_accepted(checked_in: Sequence[Fact], accepted: Sequence[Fact]) -> list[Fact]:
    """The baseline in force: the checked-in facts, each key's latest accepted fact
    (``accepted`` oldest first) in its place, and accepted facts for new keys after."""
    latest = {fact.key: fact for fact in accepted}
    facts = [latest.pop(f.key, f) for f in checked_in]
    return facts + list(latest.values())
