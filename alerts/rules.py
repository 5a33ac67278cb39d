"""Which changes become alerts, how loud, and under which id.

The id is derived from *what* changed, never from where it was read, so the same move
reported by ten outlets is one alert with ten sources, and re-running a flow over the
same articles produces the same ids (the outbox relies on that to deliver once).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar

from alerts.format import format_deadline, format_field, format_value
from facts.model import (
    SEVERITY_RANK,
    STATUS_RANK,
    Alert,
    Change,
    ChangeKind,
    Evidence,
    Fact,
    FactKind,
    FigureKind,
    Severity,
    Source,
)

_CONFIG_TABLE = "alerts.severity"
_T = TypeVar("_T")


@dataclass(frozen=True)
class SeverityRules:
    """How loud each kind of change is; the topic's [alerts.severity] table overrides.

    A target figure moving by more than target_change_high_pct percent is high, a
    smaller move medium; actual and forecast figures changing are always medium
    (they move every quarter, a target moving is news).
    """

    target_change_high_pct: Decimal = Decimal(10)
    deadline_later: Severity = Severity.HIGH
    deadline_earlier: Severity = Severity.MEDIUM
    status_down: Severity = Severity.HIGH
    status_up: Severity = Severity.MEDIUM
    contradiction: Severity = Severity.MEDIUM
    new_commitment: Severity = Severity.MEDIUM
    new_figure: Severity = Severity.LOW
    retracted: Severity = Severity.HIGH
    deadline_passed: Severity = Severity.HIGH
    source_down: Severity = Severity.MEDIUM
    source_recovered: Severity = Severity.LOW

    def __post_init__(self) -> None:
        # Checked here rather than only in from_mapping so that rules built in code
        # are held to the same contract; object.__setattr__ because the class is frozen.
        for f in fields(self):
            raw = getattr(self, f.name)
            if f.name == "target_change_high_pct":
                value: Any = _percent(f.name, raw)
            else:
                value = _severity(f.name, raw)
            object.__setattr__(self, f.name, value)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SeverityRules:
        """Rules from a config table; unknown keys and bad values raise ValueError naming them."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(k) for k in data if k not in known)
        if unknown:
            raise ValueError(
                f"[{_CONFIG_TABLE}]: unknown key(s) {', '.join(map(repr, unknown))}; "
                f"known keys: {', '.join(sorted(known))}"
            )
        return cls(**{str(k): v for k, v in data.items()})


def _percent(name: str, raw: object) -> Decimal:
    # bool is an int subclass: "threshold = true" must not quietly become 1 %.
    if isinstance(raw, bool):
        value = None
    elif isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        # TOML gives floats for "12.5"; str() keeps the digits the user wrote.
        value = Decimal(str(raw)) if math.isfinite(raw) else None
    elif isinstance(raw, str):
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:
            value = None
    else:
        value = None
    if value is None or not value.is_finite() or value < 0:
        raise ValueError(f"[{_CONFIG_TABLE}] {name}: {raw!r} is not a percentage >= 0")
    return value


def _severity(name: str, raw: object) -> Severity:
    if isinstance(raw, Severity):
        return raw
    if isinstance(raw, str):
        try:
            return Severity(raw.strip().lower())
        except ValueError:
            pass
    choices = ", ".join(s.value for s in Severity)
    raise ValueError(f"[{_CONFIG_TABLE}] {name}: {raw!r} is not a severity ({choices})")


def severity_for(change: Change, rules: SeverityRules) -> Severity | None:
    """How loud a change is; None for confirmations, which are recorded, not alerted."""
    kind = change.kind
    if kind is ChangeKind.CONFIRMED:
        return None
    if kind is ChangeKind.FIGURE_CHANGED:
        if change.observed.figure_kind is not FigureKind.TARGET:
            return Severity.MEDIUM
        pct = _relative_change_pct(change)
        # A target move of unknown size (from zero, or unreadable details) is treated
        # as large: it is better to look at it once than to miss a doubled target.
        if pct is None or pct > rules.target_change_high_pct:
            return Severity.HIGH
        return Severity.MEDIUM
    if kind is ChangeKind.DEADLINE_MOVED:
        later = _deadline_direction(change) != "earlier"
        return rules.deadline_later if later else rules.deadline_earlier
    if kind is ChangeKind.STATUS_CHANGED:
        up = _status_direction(change) == "up"
        return rules.status_up if up else rules.status_down
    if kind is ChangeKind.CONTRADICTION:
        return rules.contradiction
    if kind is ChangeKind.NEW_COMMITMENT:
        return rules.new_commitment
    if kind is ChangeKind.NEW_FIGURE:
        return rules.new_figure
    if kind is ChangeKind.RETRACTED:
        return rules.retracted
    if kind is ChangeKind.DEADLINE_PASSED:
        return rules.deadline_passed
    if kind is ChangeKind.SOURCE_DOWN:
        return rules.source_down
    if kind is ChangeKind.SOURCE_RECOVERED:
        return rules.source_recovered
    raise ValueError(f"unknown change kind: {kind!r}")


def _detail(change: Change, name: str) -> Mapping[str, Any]:
    value = change.details.get(name)
    return value if isinstance(value, Mapping) else {}


def _decimal(raw: object) -> Decimal | None:
    if raw is None or isinstance(raw, bool):
        return None
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _relative(old: Decimal | None, new: Decimal | None) -> Decimal | None:
    if old is None or new is None or old == 0:
        return None
    return (new - old) / old


def _relative_change_pct(change: Change) -> Decimal | None:
    """The largest relative move, in percent, of the value or the top of a range.

    None when the sizes cannot be compared, as between two currencies."""
    base = change.baseline
    if base is not None and base.unit != change.observed.unit:
        return None
    value = _detail(change, "value")
    rel = _decimal(value.get("relative"))
    if rel is None:
        rel = _relative(_decimal(value.get("old")), _decimal(value.get("new")))
    if rel is None and base is not None:
        rel = _relative(base.value, change.observed.value)
    if rel is None:
        return None
    moves = [abs(rel)]
    # compare.py reports the low end; "$52–54 bn" -> "$52–70 bn" moved the high end.
    if base is not None and base.value_max is not None and change.observed.value_max is not None:
        top = _relative(base.value_max, change.observed.value_max)
        if top is not None:
            moves.append(abs(top))
    return max(moves) * 100


def _deadline_direction(change: Change) -> str:
    detail = _detail(change, "deadline")
    direction = detail.get("direction")
    if direction in ("later", "earlier"):
        return str(direction)
    old = detail.get("old", change.baseline.deadline if change.baseline else None)
    new = detail.get("new", change.observed.deadline)
    # A deadline that disappeared counts as slipping.
    if old and new:
        return "earlier" if _deadline_order(str(new)) < _deadline_order(str(old)) else "later"
    return "earlier" if new else "later"


def _deadline_order(deadline: str) -> str:
    # ISO prefixes sort as text, but "by 2030" means the end of 2030: a bare year sorts
    # as its December, so "2030" -> "2030-06" is earlier (the rule facts/compare.py uses).
    return f"{deadline}-12" if len(deadline) == 4 else deadline


def _status_direction(change: Change) -> str:
    direction = _detail(change, "status").get("direction")
    if direction in ("up", "down"):
        return str(direction)
    base, seen = change.baseline, change.observed
    if base is None or base.status is None or seen.status is None:
        return "down"  # unreadable: the louder rule, so nothing slips by quietly
    return "up" if STATUS_RANK[seen.status] >= STATUS_RANK[base.status] else "down"


# --- ids ---------------------------------------------------------------------------


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        # 1E+11 and 100000000000 are one value; normalize() then "f" drops the exponent.
        return format(value.normalize(), "f")
    if isinstance(value, Enum):
        return value.value
    return value


def _canonical(data: Mapping[str, Any]) -> str:
    return json.dumps({k: _plain(v) for k, v in data.items()}, sort_keys=True)


def _conflicting(fact: Fact, field: str | None) -> str:
    compared = fact.compared_fields()
    if field == "value" and fact.kind is FactKind.FIGURE:
        return _canonical({k: compared[k] for k in ("value", "value_max", "unit")})
    if field in compared:
        return _canonical({field: compared[field]})
    return _canonical(compared)


def _content(change: Change) -> str:
    """The normalised observed content that makes two changes the same change."""
    if change.kind is ChangeKind.CONTRADICTION:
        field = change.details.get("field")
        field = str(field) if field is not None else None
        if change.other is not None:
            pair = [_conflicting(change.observed, field), _conflicting(change.other, field)]
        else:
            pair = [str(change.details.get("this")), str(change.details.get("other"))]
        # Sorted, so "A says 12, B says 21" and "B says 21, A says 12" are one alert.
        return json.dumps({"field": field, "pair": sorted(pair)})
    return _canonical(change.observed.compared_fields())


def _key(change: Change) -> str:
    if change.kind is ChangeKind.CONTRADICTION and change.other is not None:
        return "+".join(sorted({change.observed.key, change.other.key}))
    return change.key


def alert_id(topic: str, change: Change) -> str:
    """ "a_" + 16 hex digits of sha256(topic|kind|fact key|observed content)."""
    raw = "|".join((topic, change.kind.value, _key(change), _content(change)))
    return "a_" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


class _RunMemo:
    """Alert ids and fact ids for the many changes of one run, each worked out once.

    A run's changes are tens of thousands (every contradiction between two outlets)
    but its alerts a few hundred. An alert id depends only on the change's kind, its
    facts' keys and compared values, and a contradiction's field (and stated values
    when it names no other fact): those are the memo's key, with the values as
    written (class and text), so that nothing alert_id reads is left out of it.
    A fact's id (a sha256) is read for every source it gives, in every alert.
    """

    def __init__(self, topic: str) -> None:
        self.topic = topic
        # By id(fact): build_alerts keeps every change it reads alive until it
        # returns, so no id is reused meanwhile. Plain str and int values keep these
        # dicts out of the garbage collector's way.
        self._keys: dict[int, str] = {}
        self._numbers: dict[int, int] = {}  # the fact's kind and values as written
        self._fact_ids: dict[int, str] = {}
        self._values: dict[tuple[Any, ...], int] = {}
        self._alert_ids: dict[tuple[Any, ...], str] = {}

    def _about(self, fact: Fact) -> tuple[str, int]:
        key = self._keys.get(id(fact))
        if key is None:
            written = tuple(
                None if v is None else (v.__class__, str(v))
                for v in fact.compared_fields().values()
            )
            number = self._values.setdefault((fact.kind, written), len(self._values))
            self._numbers[id(fact)] = number
            key = self._keys[id(fact)] = fact.key
            return key, number
        return key, self._numbers[id(fact)]

    def alert_id(self, change: Change) -> str:
        kind = change.kind
        key, values = self._about(change.observed)
        memo: tuple[Any, ...]
        if kind is ChangeKind.CONTRADICTION:
            field = change.details.get("field")
            field_name = str(field) if field is not None else None
            if change.other is not None:
                other_key, other_values = self._about(change.other)
                memo = (kind, key, values, field_name, other_key, other_values)
            else:
                this, other = change.details.get("this"), change.details.get("other")
                memo = (kind, key, values, field_name, None, str(this), str(other))
        else:
            memo = (kind, key, values)
        found = self._alert_ids.get(memo)
        if found is None:
            found = self._alert_ids[memo] = alert_id(self.topic, change)
        return found

    def fact_id(self, fact: Fact) -> str:
        found = self._fact_ids.get(id(fact))
        if found is None:
            found = self._fact_ids[id(fact)] = fact.id
        return found


# --- alerts ------------------------------------------------------------------------


def _evidence_order(ev: Evidence) -> tuple[bool, date, str]:
    # Undated articles go last: "first seen" should name a dated report when one exists.
    return (ev.published is None, ev.published or date.min, ev.url)


def _source(fact: Fact, fact_id: str) -> Source:
    ev = fact.evidence
    return Source(
        url=ev.url, outlet=ev.outlet, published=ev.published, quote=ev.quote, fact_id=fact_id
    )


def _by_evidence(
    items: Sequence[_T], fact_of: Callable[[_T], Fact], fact_id: Callable[[Fact], str]
) -> list[_T]:
    """``items`` stably sorted by their facts' (_evidence_order, id).

    A fact's id is a sha256 and only breaks ties between facts of one article
    (same date and URL), so it is worked out for those alone.
    """
    facts = [fact_of(item) for item in items]
    orders = [_evidence_order(fact.evidence) for fact in facts]
    ranked = sorted(range(len(items)), key=orders.__getitem__)
    out: list[_T] = []
    start, end = 0, len(ranked)
    while start < end:
        first = ranked[start]
        stop = start + 1
        while stop < end and orders[ranked[stop]] == orders[first]:
            stop += 1
        if stop - start == 1:
            out.append(items[first])
        else:
            same_article = ranked[start:stop]
            if any(facts[i] is not facts[first] for i in same_article):
                same_article.sort(key=lambda i: fact_id(facts[i]))
            out.extend([items[i] for i in same_article])
        start = stop
    return out


def _observed(change: Change) -> Fact:
    return change.observed


def _itself(fact: Fact) -> Fact:
    return fact


def _label(fact: Fact) -> str:
    """Subject plus what the number is: "bilateral trade (target)", "agreements (count)"."""
    if fact.kind is not FactKind.FIGURE:
        return fact.subject
    parts = []
    if fact.figure_kind in (FigureKind.TARGET, FigureKind.FORECAST):
        parts.append(str(fact.figure_kind))
    if fact.unit == "count":
        # A bare "12" says nothing about what is counted; money and percent show their unit.
        parts.append("count")
    return f"{fact.subject} ({', '.join(parts)})" if parts else fact.subject


def _summary(change: Change) -> str:
    seen = change.observed
    label = _label(seen)
    if change.kind is ChangeKind.NEW_COMMITMENT:
        text = f"New commitment on {label}: {format_value(seen)}"
    elif change.kind is ChangeKind.NEW_FIGURE:
        text = f"New figure on {label}: {format_value(seen)}"
    elif change.kind is ChangeKind.DEADLINE_PASSED:
        text = (
            f"{label}: deadline {format_deadline(seen.deadline or '?')} passed, still {seen.status}"
        )
    elif change.kind is ChangeKind.CONTRADICTION:
        field = str(change.details.get("field", ""))
        this = format_field(seen, field)
        if change.other is not None:
            other = format_field(change.other, field)
        else:
            other = str(change.details.get("other", "?"))
        text = f"{label}: sources disagree: {this} vs {other}"
    else:
        old = format_value(change.baseline) if change.baseline is not None else "?"
        text = f"{label}: {old} → {format_value(seen)}"
    # One line: subjects and values come from extracted text and might hold newlines.
    return " ".join(text.split())


def _alert(
    topic: str,
    aid: str,
    members: list[Change],
    severity: Severity,
    fact_id: Callable[[Fact], str],
) -> Alert:
    """The alert for the changes that share ``aid``, at the loudest of their severities;
    ``fact_id`` is Fact.id or a memo of it."""
    members = _by_evidence(members, _observed, fact_id)
    change = members[0]

    facts = [c.observed for c in members]
    facts += [c.other for c in members if c.kind is ChangeKind.CONTRADICTION and c.other]
    # One fact is in many changes (a report contradicts several others): its later
    # copies sort after the first and never give a source, so they are dropped here.
    distinct = list({id(fact): fact for fact in reversed(facts)}.values())
    distinct.reverse()
    sources: list[Source] = []
    seen_urls: set[str] = set()
    for fact in _by_evidence(distinct, _itself, fact_id):
        if fact.evidence.url not in seen_urls:
            seen_urls.add(fact.evidence.url)
            sources.append(_source(fact, fact_id(fact)))

    # For a contradiction the "baseline" side is the conflicting source.
    reference = change.other if change.kind is ChangeKind.CONTRADICTION else change.baseline
    return Alert(
        id=aid,
        topic=topic,
        kind=change.kind,
        severity=severity,
        subject=change.subject,
        key=change.key,
        summary=_summary(change),
        baseline_value=format_value(reference) if reference is not None else None,
        baseline_quote=reference.evidence.quote if reference is not None else None,
        observed_value=format_value(change.observed),
        observed_quote=change.observed.evidence.quote,
        source=sources[0],
        corroborating=tuple(sources[1:]),
    )


def build_alerts(topic: str, changes: Sequence[Change], rules: SeverityRules) -> list[Alert]:
    """One alert per distinct change, ordered by severity (high first), subject, id.

    Confirmations are dropped. Changes with the same alert_id are merged: the earliest
    published article is the source, the others corroborate it.
    """
    memo = _RunMemo(topic)
    groups: dict[str, list[Change]] = {}
    loudest: dict[str, Severity] = {}
    for change in changes:
        severity = severity_for(change, rules)
        if severity is None:
            continue
        aid = memo.alert_id(change)
        members = groups.get(aid)
        if members is None:
            groups[aid] = [change]
            loudest[aid] = severity
            continue
        members.append(change)
        if SEVERITY_RANK[severity] > SEVERITY_RANK[loudest[aid]]:
            loudest[aid] = severity
    alerts = [
        _alert(topic, aid, members, loudest[aid], memo.fact_id) for aid, members in groups.items()
    ]
    alerts.sort(key=lambda a: (-SEVERITY_RANK[a.severity], a.subject, a.id))
    return alerts
