"""What one attempt to send a message came to, and when to try again.

Shared by the email and webhook channels: a channel never raises for a failed
delivery, it returns a SendResult, and the delivery loop in flows/ decides from the
outcome whether to try again (and when, via retry_delay), give up, or stop calling
the endpoint altogether.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

Outcome = Literal["delivered", "retry", "failed", "disabled"]


@dataclass(frozen=True)
class SendResult:
    """The outcome of one attempt.

    - "delivered": the receiver accepted the message.
    - "retry": a transient failure; try again later, not before retry_after_s when the
      receiver said when (SMTP 4xx, HTTP 408/429/5xx, timeouts, refused connections).
    - "failed": permanent for this message; sending it again will fail again.
    - "disabled": the endpoint asked never to be called again (HTTP 410 Gone).

    detail is for a person reading the outbox; it never holds a password or secret.
    """

    outcome: Outcome
    detail: str
    retry_after_s: float | None = None


# Past this many doublings base * 2**n exceeds any cap one could want, and a float
# would overflow near n = 1024; the ceiling is then simply the cap.
_MAX_DOUBLINGS = 62


def retry_delay(
    attempt: int,
    *,
    base_s: float,
    cap_s: float = 3600,
    retry_after_s: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before the next try, after `attempt` (1 = the first) failed.

    Exponential backoff with full jitter: uniform(0, min(cap_s, base_s * 2**(attempt-1))).
    Full jitter spreads the retries of many senders that failed together, so they do
    not hit a recovering receiver in step (AWS Architecture Blog, "Exponential Backoff
    And Jitter", 2015). The delay is never less than retry_after_s: a receiver that
    said when to come back (Retry-After) is not called earlier.
    """
    if attempt < 1:
        raise ValueError(f"attempt counts from 1, got {attempt}")
    if base_s < 0 or cap_s < 0:
        raise ValueError("base_s and cap_s must not be negative")
    doublings = attempt - 1
    ceiling = cap_s if doublings > _MAX_DOUBLINGS else min(cap_s, base_s * 2**doublings)
    delay = (rng if rng is not None else random.Random()).uniform(0, ceiling)
    if retry_after_s is not None:
        delay = max(delay, retry_after_s)
    return delay
