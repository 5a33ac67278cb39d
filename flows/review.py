"""Review commands' logic: the fact ledger, the baseline diff, accepting a change.

The CLI prints what these return; they read through the Store and compare with
facts/, nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from alerts import LedgerEntry, format_value
from facts.compare import compare, with_accepted
from facts.model import Alert, Change, ChangeKind, Fact, tracked_id
from facts.serialize import fact_to_dict
from flows.config import Topic, load_baseline_facts
from storage import AcceptedChange, Observation, Store

# Kinds whose observed value can become the baseline; a contradiction needs a choice
# between its sides, and source or deadline alerts carry no new value.
ACCEPTABLE = frozenset(
    {
        ChangeKind.FIGURE_CHANGED,
        ChangeKind.DEADLINE_MOVED,
        ChangeKind.STATUS_CHANGED,
        ChangeKind.RETRACTED,
        ChangeKind.NEW_FIGURE,
        ChangeKind.NEW_COMMITMENT,
    }
)


class ReviewError(Exception):
    """A review action that cannot be done; the message says why."""


@dataclass(frozen=True)
class Ledger:
    topic: str
    key: str
    id: str
    baseline: Fact | None
    accepted: tuple[AcceptedChange, ...]
    observations: tuple[Observation, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "topic": self.topic,
            "key": self.key,
            "baseline": fact_to_dict(self.baseline) if self.baseline else None,
            "accepted": [
                {
                    "fact": fact_to_dict(a.fact),
                    "previous": fact_to_dict(a.previous) if a.previous else None,
                    "alert_id": a.alert_id,
                    "accepted_by": a.accepted_by,
                    "accepted_at": a.accepted_at.isoformat(),
                }
                for a in self.accepted
            ],
            "observations": [
                {**fact_to_dict(o.fact), "reprint_of": o.reprint_of} for o in self.observations
            ],
        }


def resolve_key(store: Store, ident: str) -> tuple[str, str]:
    """(topic, key) for a tracked-fact id (t_...), an observation id (f_...) or a key."""
    if ident.startswith("f_"):
        found = store.fact_by_id(ident)
        if found is None:
            raise ReviewError(f"no fact with id {ident}")
        return found[0], found[1].key
    for topic, key in store.tracked():
        if ident in (key, tracked_id(topic, key)):
            return topic, key
    raise ReviewError(f"no tracked fact {ident}")


def ledger(store: Store, topic: Topic | None, ident: str) -> Ledger:
    """The timeline of one tracked fact: baseline, accepted changes, observations."""
    name, key = resolve_key(store, ident)
    baseline = None
    if topic is not None and topic.name == name:
        checked_in = load_baseline_facts(topic)
        baseline = next((f for f in checked_in if f.key == key), None)
    return Ledger(
        topic=name,
        key=key,
        id=tracked_id(name, key),
        baseline=baseline,
        accepted=tuple(store.accepted_changes(name, key)),
        observations=tuple(store.observations(name, key)),
    )


def ledger_lines(entry: Ledger) -> list[str]:
    lines = [f"{entry.id}  {entry.key}  ({entry.topic})"]
    if entry.baseline is not None:
        b = entry.baseline
        lines.append(f"baseline            {format_value(b)}  \u201c{b.evidence.quote}\u201d")
    for a in entry.accepted:
        was = format_value(a.previous) if a.previous else "none"
        lines.append(
            f"accepted {a.accepted_at:%Y-%m-%d} by {a.accepted_by}: {format_value(a.fact)}"
            f" (was {was})"
        )
    for o in entry.observations:
        ev = o.fact.evidence
        reprint = f" (reprint of {o.reprint_of})" if o.reprint_of else ""
        day = ev.published.isoformat() if ev.published else "????-??-??"
        lines.append(
            f"{day}  {ev.outlet}{reprint}: {format_value(o.fact)}  \u201c{ev.quote}\u201d  {ev.url}"
        )
    return lines


def _baseline_in_force(store: Store, topic: Topic) -> list[Fact]:
    accepted = [change.fact for change in store.accepted_changes(topic.name)]
    return with_accepted(load_baseline_facts(topic), accepted)


# Observations of a fact listed on the ledger page; `facts show` lists them all.
LEDGER_ROWS = 50


def ledger_entries(store: Store, topic: Topic) -> list[LedgerEntry]:
    """The ledger of every tracked fact that one of the topic's alerts is about.

    The baseline and the accepted changes are read once for all entries, and each
    key's observations by one indexed query (``ledger`` resolves an id first, which
    reads every stored key).
    """
    keys = [key for key in store.alert_keys(topic.name) if not key.startswith("source|")]
    counts = store.observation_counts(topic.name)
    baseline = {f.key: f for f in load_baseline_facts(topic)}
    accepted: dict[str, list[AcceptedChange]] = {}
    for change in store.accepted_changes(topic.name):
        accepted.setdefault(change.key, []).append(change)
    entries = []
    for key in keys:
        observations = store.observations(topic.name, key, latest=LEDGER_ROWS)
        first = baseline.get(key) or (observations[0].fact if observations else None)
        entries.append(
            LedgerEntry(
                id=tracked_id(topic.name, key),
                key=key,
                subject=first.subject if first else key,
                baseline=baseline.get(key),
                accepted=[
                    (a.accepted_at, a.accepted_by, a.fact, a.previous)
                    for a in accepted.get(key, [])
                ],
                observations=[(o.fact, o.reprint_of) for o in observations],
                earlier=counts.get(key, 0) - len(observations),
            )
        )
    return entries


def _latest_per_key(store: Store, topic: Topic, keys: set[str]) -> list[Fact]:
    latest: dict[str, Fact] = {}
    for fact in store.prior_observations(topic.name, keys):
        current = latest.get(fact.key)
        if current is None or (fact.evidence.published or datetime.min.date()) >= (
            current.evidence.published or datetime.min.date()
        ):
            latest[fact.key] = fact
    return [latest[k] for k in sorted(latest)]


def baseline_diff(store: Store, topic: Topic) -> list[Change]:
    """What the newest evidence for each tracked fact would change in the baseline."""
    baseline = _baseline_in_force(store, topic)
    keys = {key for name, key in store.tracked(topic.name)}
    latest = _latest_per_key(store, topic, keys)
    changes = compare(baseline, latest)
    return [
        c
        for c in changes
        if c.kind not in (ChangeKind.CONFIRMED, ChangeKind.CONTRADICTION)
        and (c.kind is not ChangeKind.NEW_FIGURE or c.subject in topic.tracked_subjects)
    ]


def accept(store: Store, topic: Topic, alert: Alert, *, actor: str) -> Fact:
    """Fold an alert's observed value into the baseline; returns the new baseline fact."""
    if alert.topic != topic.name:
        raise ReviewError(f"alert {alert.id} belongs to topic {alert.topic}, not {topic.name}")
    if alert.kind not in ACCEPTABLE:
        raise ReviewError(
            f"alert {alert.id} is a {alert.kind.value}: only a change with one observed value "
            "can be accepted"
        )
    found = store.fact_by_id(alert.source.fact_id)
    if found is None:
        raise ReviewError(f"alert {alert.id}: its fact {alert.source.fact_id} is not stored")
    fact = found[1]
    current = _baseline_in_force(store, topic)
    previous = next((f for f in current if f.key == fact.key), None)
    store.accept(topic.name, fact, previous=previous, alert_id=alert.id, actor=actor)
    return fact
