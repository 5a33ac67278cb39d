"""Comparison of observed facts with the baseline and with each other.

Each observation is matched by its key to the baseline fact (or, for a fact the
baseline does not have, to the first observation of that key: the tracked
value). The normalised fields of the two are compared with DeepDiff and each
changed field becomes a typed change. Observations of one key from different
outlets published within a few days of each other that disagree are a
contradiction. Pure: no I/O, deterministic for a given input.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from deepdiff import DeepDiff

from facts.figures import CHANGE_PREFIX
from facts.model import (
    NEGATIVE_STATUSES,
    STATUS_RANK,
    Change,
    ChangeKind,
    Fact,
    FactKind,
    Status,
)

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


def _stated_fields(reference: Fact, observed: Fact) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields both facts state: an observation that gives no deadline does
    not move the deadline."""
    ref = reference.compared_fields()
    obs = observed.compared_fields()
    keys = [k for k in obs if obs[k] is not None and ref.get(k) is not None]
    return {k: ref[k] for k in keys}, {k: obs[k] for k in keys}


def _changed_fields(reference: Fact, observed: Fact) -> dict[str, tuple[Any, Any]]:
    ref, obs = _stated_fields(reference, observed)
    if ref == obs:
        return {}  # most observations restate: skip DeepDiff's ~0.1 ms where nothing differs
    diff = DeepDiff(ref, obs, ignore_order=True)
    changed: dict[str, tuple[Any, Any]] = {}
    for path, change in diff.get("values_changed", {}).items():
        name = path.removeprefix("root['").removesuffix("']")
        changed[name] = (change["old_value"], change["new_value"])
    for path, change in diff.get("type_changes", {}).items():
        name = path.removeprefix("root['").removesuffix("']")
        changed[name] = (change["old_value"], change["new_value"])
    if reference.kind is FactKind.COMMITMENT and "status" in changed:
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


def _changes_against(reference: Fact, observed: Fact) -> list[Change]:
    changed = _changed_fields(reference, observed)
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


def _disagreement(a: Fact, b: Fact) -> tuple[str, str, str] | None:
    """(field, a's value, b's value) when two sources state the fact differently."""
    changed = _changed_fields(a, b)
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


def _close_in_time(a: Fact, b: Fact, days: int) -> bool:
    pa, pb = a.evidence.published, b.evidence.published
    if pa is None or pb is None:
        return False
    return abs((pa - pb).days) <= days


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
    reference: dict[str, Fact] = {}
    for fact in baseline:
        reference.setdefault(fact.key, fact)
    seen: dict[str, _Seen] = {}
    for fact in sorted(prior, key=_order):
        seen.setdefault(fact.key, _Seen()).add(fact)

    changes: list[Change] = []
    for obs in sorted(observed, key=_order):
        # "Prices rose 5 per cent" has subject "change in unknown": no subject either.
        if obs.subject.removeprefix(CHANGE_PREFIX) == UNKNOWN_SUBJECT:
            continue
        earlier = seen.setdefault(obs.key, _Seen())
        changes.extend(_contradictions(obs, earlier, opts))
        base = reference.get(obs.key)
        if base is not None:
            changes.extend(_changes_against(base, obs))
        elif earlier.first is not None:
            first = earlier.first
            if _disagreement(first, obs) is None:
                changes.append(_new_fact_change(obs))
            elif not _is_contradiction(first, obs, opts):
                changes.extend(
                    c for c in _changes_against(first, obs) if c.kind is not ChangeKind.CONFIRMED
                )
        else:
            changes.append(_new_fact_change(obs))
        earlier.add(obs)
    return [c for c in changes if c.kind is not ChangeKind.NEW_FIGURE or _tracked(c, opts)]


def _tracked(change: Change, opts: CompareOptions) -> bool:
    if opts.tracked_subjects is None:
        return True
    return change.subject.removeprefix(CHANGE_PREFIX) in opts.tracked_subjects


def _new_fact_change(obs: Fact) -> Change:
    kind = ChangeKind.NEW_FIGURE if obs.kind is FactKind.FIGURE else ChangeKind.NEW_COMMITMENT
    return Change(kind, obs)


def _is_contradiction(a: Fact, b: Fact, opts: CompareOptions) -> bool:
    return (
        a.evidence.outlet.casefold() != b.evidence.outlet.casefold()
        and _close_in_time(a, b, opts.contradiction_window_days)
        and _disagreement(a, b) is not None
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

    def __init__(self) -> None:
        self.first: Fact | None = None
        self.latest: dict[tuple[Any, ...], dict[str, Fact]] = {}

    def add(self, fact: Fact) -> None:
        if self.first is None:
            self.first = fact
        signature = tuple(fact.compared_fields().values())
        self.latest.setdefault(signature, {})[fact.evidence.outlet.casefold()] = fact


def _contradictions(obs: Fact, earlier: _Seen, opts: CompareOptions) -> list[Change]:
    """One contradiction per distinct earlier value that a close-in-time report from
    another outlet stated: the alert (one per pair of values) collects the sources."""
    out: list[Change] = []
    for by_outlet in earlier.latest.values():
        for other in by_outlet.values():
            if not _is_contradiction(other, obs, opts):
                continue
            found = _disagreement(other, obs)
            assert found is not None
            field_name, theirs, ours = found
            details = {"field": field_name, "this": ours, "other": theirs}
            out.append(Change(ChangeKind.CONTRADICTION, obs, other=other, details=details))
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
