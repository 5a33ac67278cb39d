"""The outbox on a real database: written with the alerts, claimed once, leases expire."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from alerts import SeverityRules, build_alerts
from facts.model import Change, ChangeKind, Severity
from storage import ChannelPolicy, DeliveryState, Outbox, Store
from storage.outbox import delivery_id, plan
from tests.factories import figure
from tests.storage.test_store import TOPIC, figure_change_result

EMAIL = ChannelPolicy("desk-email", "email", Severity.LOW, immediate_min_severity=Severity.HIGH)
HOOK = ChannelPolicy("desk-hook", "webhook", Severity.MEDIUM)
T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)


@pytest.fixture
def outbox(store: Store) -> Outbox:
    return Outbox(store.engine)


def _save(store: Store, url: str, value: str, *channels: ChannelPolicy) -> None:
    result = figure_change_result(store, url, value)
    store.save_run(replace(result, channels=channels, finished_at=T0))


def test_plan_groups_by_channel_and_severity() -> None:
    new = Change(ChangeKind.NEW_FIGURE, figure("5", subject="exports"))
    big = Change(
        ChangeKind.FIGURE_CHANGED,
        figure("150", url="https://n.example/b"),
        baseline=figure("100", url="https://n.example/base"),
        details={"value": {"old": "100", "new": "150", "relative": "0.5"}},
    )
    alerts = build_alerts(TOPIC, [new, big], SeverityRules())
    severities = {a.severity for a in alerts}
    assert severities == {Severity.LOW, Severity.HIGH}
    planned = [(c.name, kind, len(ids)) for c, kind, ids in plan(TOPIC, alerts, [EMAIL, HOOK])]
    # email: the high alert on its own, the low one in a digest; webhook: medium and up only
    assert planned == [
        ("desk-email", "alert", 1),
        ("desk-email", "digest", 1),
        ("desk-hook", "alert", 1),
    ]


def test_deliveries_are_written_with_new_alerts_only(store: Store, outbox: Outbox) -> None:
    _save(store, "http://127.0.0.1:1/a", "150000000000", EMAIL, HOOK)
    first = outbox.deliveries(TOPIC)
    assert {(d.channel, d.kind, d.state) for d in first} == {
        ("desk-email", "alert", DeliveryState.PENDING),
        ("desk-hook", "alert", DeliveryState.PENDING),
    }
    # The same change from another article adds a source, not another message.
    _save(store, "http://127.0.0.1:1/b", "150000000000", EMAIL, HOOK)
    assert outbox.deliveries(TOPIC) == first
    [alert] = store.alerts(TOPIC)
    assert first[0].alert_ids == (alert.id,)
    assert first[0].id == delivery_id(TOPIC, first[0].channel, "alert", [alert.id])


def test_a_delivery_is_claimed_once_until_its_lease_runs_out(store: Store, outbox: Outbox) -> None:
    _save(store, "http://127.0.0.1:1/a", "150000000000", HOOK)
    [job] = outbox.claim_due(TOPIC, now=T0, lease_s=60)
    assert job.attempts == 1
    assert outbox.claim_due(TOPIC, now=T0 + timedelta(seconds=30), lease_s=60) == []
    # The sender died: after the lease the delivery is due again, same id.
    [again] = outbox.claim_due(TOPIC, now=T0 + timedelta(seconds=61), lease_s=60)
    assert (again.id, again.attempts) == (job.id, 2)


def test_retry_waits_for_its_time_and_delivered_is_final(store: Store, outbox: Outbox) -> None:
    _save(store, "http://127.0.0.1:1/a", "150000000000", HOOK)
    [job] = outbox.claim_due(TOPIC, now=T0, lease_s=60)
    later = T0 + timedelta(seconds=10)
    outbox.finish(job.id, DeliveryState.PENDING, now=T0, error="HTTP 500", next_attempt_at=later)
    assert outbox.claim_due(TOPIC, now=T0 + timedelta(seconds=5), lease_s=60) == []
    [job] = outbox.claim_due(TOPIC, now=later, lease_s=60)
    outbox.finish(job.id, DeliveryState.DELIVERED, now=later)
    [info] = outbox.deliveries(TOPIC)
    assert (info.state, info.attempts, info.delivered_at) == (DeliveryState.DELIVERED, 2, later)
    assert outbox.claim_due(TOPIC, now=later + timedelta(days=1), lease_s=60) == []


def test_a_disabled_channel_gets_nothing_more(store: Store, outbox: Outbox) -> None:
    _save(store, "http://127.0.0.1:1/a", "150000000000", HOOK)
    outbox.disable_channel(TOPIC, "desk-hook", "HTTP 410 Gone", now=T0)
    assert outbox.disabled_channels(TOPIC) == {"desk-hook"}
    assert outbox.claim_due(TOPIC, now=T0, lease_s=60) == []
    [info] = outbox.deliveries(TOPIC)
    assert info.state is DeliveryState.DISABLED
    assert outbox.enable_channel(TOPIC, "desk-hook") is True
    assert outbox.disabled_channels(TOPIC) == set()


def test_acknowledge(store: Store) -> None:
    _save(store, "http://127.0.0.1:1/a", "150000000000")
    [alert] = store.alerts(TOPIC)
    assert not alert.acknowledged
    assert store.acknowledge(alert.id) is True
    assert store.alert(alert.id).acknowledged  # type: ignore[union-attr]
    assert store.acknowledge("a_missing") is False


DIGEST = ChannelPolicy("desk-digest", "email", Severity.LOW, immediate_min_severity=Severity.HIGH)


def _part(store: Store, run_id: int, url: str, value: str, *, final: bool) -> None:
    result = figure_change_result(store, url, value, run_id=run_id)
    store.save_run(replace(result, channels=[DIGEST], finished_at=T0, final=final, feeds=[]))


def test_a_run_in_parts_sends_one_digest_per_channel(store: Store, outbox: Outbox) -> None:
    run_id = store.start_run(TOPIC)
    _part(store, run_id, "http://127.0.0.1:1/a", "101000000000", final=False)
    _part(store, run_id, "http://127.0.0.1:1/b", "102000000000", final=False)
    _part(store, run_id, "http://127.0.0.1:1/c", "103000000000", final=True)
    alerts = {a.id for a in store.alerts(TOPIC)}
    assert len(alerts) == 3 and all(a.severity is not Severity.HIGH for a in store.alerts(TOPIC))
    [digest] = outbox.deliveries(TOPIC)
    assert (digest.kind, digest.state, set(digest.alert_ids)) == ("digest", "pending", alerts)
    assert digest.id == delivery_id(TOPIC, DIGEST.name, "digest", digest.alert_ids)


def test_a_digest_a_sender_has_claimed_is_left_alone(store: Store, outbox: Outbox) -> None:
    run_id = store.start_run(TOPIC)
    _part(store, run_id, "http://127.0.0.1:1/a", "101000000000", final=False)
    [claimed] = outbox.claim_due(TOPIC, now=T0, lease_s=60)
    _part(store, run_id, "http://127.0.0.1:1/b", "102000000000", final=True)
    digests = {d.id: d for d in outbox.deliveries(TOPIC)}
    assert len(digests) == 2
    assert digests[claimed.id].state is DeliveryState.SENDING
    assert digests[claimed.id].alert_ids == claimed.alert_ids  # unchanged, not merged
    [later] = [d for d in digests.values() if d.id != claimed.id]
    assert set(later.alert_ids).isdisjoint(claimed.alert_ids)


def test_digests_of_different_runs_are_not_merged(store: Store, outbox: Outbox) -> None:
    _part(store, store.start_run(TOPIC), "http://127.0.0.1:1/a", "101000000000", final=True)
    _part(store, store.start_run(TOPIC), "http://127.0.0.1:1/b", "102000000000", final=True)
    assert [len(d.alert_ids) for d in outbox.deliveries(TOPIC)] == [1, 1]
